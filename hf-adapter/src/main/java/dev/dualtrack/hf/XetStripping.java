package dev.dualtrack.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Removes every trace of Xet from what clients see, so each one downloads through dualtrack over plain HTTP,
 * where the bytes are hashed and inspected. A client that learns a Xet hash or a CAS route fetches content
 * straight from Xet storage (huggingface_hub >= 1.22 skips its HEAD when {@code /tree} carries
 * {@code xetHash}; see docs/protocols.md, Xet).
 */
public final class XetStripping {
    private static final List<String> XET_LINK_RELS = List.of("xet-auth", "xet-reconstruction-info");

    private XetStripping() {
    }

    /** Response headers: the {@code X-Xet-*} family and the Xet {@code Link} rels. */
    public static void stripResponse(HttpHeaders h) {
        List<String> names = new ArrayList<>();
        for (Iterator<java.util.Map.Entry<String, String>> it = h.iteratorAsString(); it.hasNext(); ) {
            String n = it.next().getKey();
            if (n.toLowerCase(Locale.ROOT).startsWith("x-xet-")) {
                names.add(n);
            }
        }
        names.forEach(h::remove);
        List<String> links = h.getAll("link");
        if (!links.isEmpty()) {
            List<String> kept = new ArrayList<>();
            for (String header : links) {
                for (String entry : LinkHeader.split(header)) {
                    if (XET_LINK_RELS.stream().noneMatch(rel -> LinkHeader.hasRel(entry, rel))) {
                        kept.add(entry.strip());
                    }
                }
            }
            h.remove("link");
            if (!kept.isEmpty()) {
                h.set("link", String.join(", ", kept));
            }
        }
    }

    /** JSON bodies ({@code /tree}, {@code /paths-info}, repo info): every {@code xetHash} key, at any depth. */
    public static JsonNode stripJson(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.remove("xetHash");
            o.forEach(XetStripping::stripJson);
        } else if (node instanceof ArrayNode a) {
            a.forEach(XetStripping::stripJson);
        }
        return node;
    }
}
