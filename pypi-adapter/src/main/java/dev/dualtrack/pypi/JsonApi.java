package dev.dualtrack.pypi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * PyPI's JSON API ({@code /pypi/<project>/json}, {@code /pypi/<project>/<version>/json}), which poetry's
 * built-in PyPI source and update checkers read. Not a standard: we pass its document through with the same
 * filtering as the simple pages (files policy hides are taken out of {@code urls} and {@code releases}) and every
 * file {@code url} pointing back at dualtrack.
 */
final class JsonApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonApi() {
    }

    /** The upstream JSON API URL for an index whose simple API lives at {@code .../simple/}, if it has one. */
    static java.util.Optional<String> upstreamUrl(String simpleBase, String project, String version) {
        if (!simpleBase.endsWith("/simple/")) {
            return java.util.Optional.empty();
        }
        String root = simpleBase.substring(0, simpleBase.length() - "simple/".length());
        return java.util.Optional.of(root + "pypi/" + project + "/" + (version == null ? "" : version + "/") + "json");
    }

    /** Rewrites a JSON API document: only {@code allowed} filenames stay, their URLs through {@code urlFor}. */
    static byte[] filter(byte[] body, Set<String> allowed, Function<String, String> urlFor) throws IOException {
        JsonNode root = JSON.readTree(body);
        if (!root.isObject()) {
            throw new IOException("the JSON API answered something other than an object");
        }
        filterFiles(root.path("urls"), allowed, urlFor);
        JsonNode releases = root.path("releases");
        if (releases.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = releases.fields(); it.hasNext(); ) {
                filterFiles(it.next().getValue(), allowed, urlFor);
            }
        }
        return JSON.writeValueAsBytes(root);
    }

    private static void filterFiles(JsonNode files, Set<String> allowed, Function<String, String> urlFor) {
        if (!(files instanceof ArrayNode array)) {
            return;
        }
        for (Iterator<JsonNode> it = array.iterator(); it.hasNext(); ) {
            JsonNode f = it.next();
            String name = f.path("filename").asText("");
            if (!allowed.contains(name)) {
                it.remove();
            } else if (f instanceof ObjectNode o) {
                o.put("url", urlFor.apply(name));
            }
        }
    }
}
