package dev.dualtrack.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A transparency-log entry as bundles carry it (Rekor v1 or v2).
 *
 * @param integratedTime          seconds since the epoch; 0 for Rekor v2, which has none
 * @param signedEntryTimestamp    the log's promise of inclusion (Rekor v1), or null
 * @param proof                   the inclusion proof with its checkpoint, or null
 */
public record TlogEntry(long logIndex, byte[] logId, String kind, String version, long integratedTime,
        byte[] signedEntryTimestamp, InclusionProof proof, byte[] canonicalizedBody) {

    /** RFC 6962 inclusion of the entry in a tree, and the log's signed note over that tree. */
    public record InclusionProof(long logIndex, byte[] rootHash, long treeSize, List<byte[]> hashes,
            String checkpoint) {
    }

    static TlogEntry parse(JsonNode e) throws ProvenanceException {
        String what = "transparency log entry";
        if (!e.isObject()) {
            throw ProvenanceException.invalid(what + " is not an object");
        }
        JsonNode kv = Json.object(e, "kindVersion", what);
        JsonNode promise = e.get("inclusionPromise");
        byte[] set = promise == null || promise.isNull() ? null
                : Json.base64(promise, "signedEntryTimestamp", what + " inclusion promise");
        InclusionProof proof = null;
        JsonNode p = e.get("inclusionProof");
        if (p != null && !p.isNull()) {
            List<byte[]> hashes = new ArrayList<>();
            JsonNode hs = p.get("hashes");
            if (hs != null && !hs.isNull()) {
                if (!hs.isArray()) {
                    throw ProvenanceException.invalid(what + " proof hashes is not an array");
                }
                for (JsonNode h : hs) {
                    if (!h.isTextual()) {
                        throw ProvenanceException.invalid(what + " proof hash is not a string");
                    }
                    hashes.add(Json.decode(h.asText(), what + " proof hash"));
                }
            }
            JsonNode cp = p.get("checkpoint");
            proof = new InclusionProof(Json.int64(p, "logIndex", what + " proof", false),
                    Json.base64(p, "rootHash", what + " proof"), Json.int64(p, "treeSize", what + " proof", true),
                    List.copyOf(hashes), cp == null || cp.isNull() ? null : Json.text(cp, "envelope", what
                    + " checkpoint"));
        }
        return new TlogEntry(Json.int64(e, "logIndex", what, true), Json.base64(Json.object(e, "logId", what),
                "keyId", what + " logId"), Json.text(kv, "kind", what), Json.text(kv, "version", what),
                Json.int64(e, "integratedTime", what, false), set, proof,
                Json.base64(e, "canonicalizedBody", what));
    }
}
