package dev.dualtrack.proxy.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.Severity;
import dev.dualtrack.scanner.Verdict;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the inspectors found in a cached blob, stored with it (G4): the verdict with every finding, and the
 * inspection that produced it ({@code none}, or {@code scanner:<ScanPolicy.version()>}). Whether the findings
 * block is decided by the policy in force at every serve; a blob inspected otherwise than a request needs is
 * inspected again before it is served.
 *
 * <p>On disk: {@code <blob>.verdict}, one small JSON object, renamed into place before the blob, so a blob without
 * one was never committed and is not a cache entry.
 */
public record StoredVerdict(String inspection, Verdict verdict) {
    /** The inspection of bodies no inspector reads (PyPI files, which only the hash and the gates judge). */
    public static final String NOT_INSPECTED = "none";
    /** Bounds what is read back: a sidecar is a few kilobytes; more means it is not ours. */
    static final int MAX_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    public StoredVerdict {
        java.util.Objects.requireNonNull(inspection, "inspection");
        java.util.Objects.requireNonNull(verdict, "verdict");
    }

    /**
     * Whether this verdict answers for a request that needs {@code wanted}: the same inspection, or a request that
     * needs none (what a deeper inspection found still stands: it can only refuse more).
     */
    public boolean answers(String wanted) {
        return wanted.equals(inspection) || wanted.equals(NOT_INSPECTED);
    }

    byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("v", 1).put("inspection", inspection).put("blocked", verdict.blocked())
                .put("rule", verdict.rule()).put("reason", verdict.reason());
        ArrayNode fs = o.putArray("findings");
        for (Finding f : verdict.findings()) {
            fs.addObject().put("rule", f.rule()).put("severity", f.severity().name()).put("detail", f.detail())
                    .put("line", f.line());
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a sidecar; anything unexpected is an {@link IOException}, and the blob is then not a cache entry. */
    static StoredVerdict fromJson(byte[] bytes) throws IOException {
        if (bytes.length > MAX_BYTES) {
            throw new IOException("verdict sidecar of " + bytes.length + " bytes");
        }
        try {
            JsonNode o = JSON.readTree(bytes);
            if (o == null || o.path("v").asInt() != 1 || !o.path("inspection").isTextual()
                    || !o.path("findings").isArray()) {
                throw new IOException("not a version 1 verdict sidecar");
            }
            List<Finding> findings = new ArrayList<>();
            for (JsonNode f : o.path("findings")) {
                findings.add(new Finding(f.path("rule").asText(), Severity.valueOf(f.path("severity").asText()
                        .toUpperCase(Locale.ROOT)), f.path("detail").asText(), f.path("line").asInt()));
            }
            boolean blocked = o.path("blocked").asBoolean();
            Verdict v = new Verdict(blocked, o.path("rule").asText(""), o.path("reason").asText(""), findings);
            return new StoredVerdict(o.path("inspection").asText(), v);
        } catch (IllegalArgumentException e) {
            throw new IOException("unreadable verdict sidecar: " + e.getMessage(), e);
        }
    }
}
