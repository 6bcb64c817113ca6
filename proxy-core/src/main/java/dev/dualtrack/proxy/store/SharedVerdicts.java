package dev.dualtrack.proxy.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualtrack.scanner.Verdict;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Blocks shared across the fleet, by sha256: {@code verdicts/sha256/<hex>.json} holds the rule, the reason and
 * the policy version that produced them. A replica trusts a stored verdict only under its own policy version
 * (a hash of the settings that decide verdicts), so a replica with another pickle profile judges for itself.
 * Only blocks are shared: a replica that learns one refuses the file before any upstream byte.
 */
public final class SharedVerdicts {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private final SharedStoreClient store;
    private final String policyVersion;

    public SharedVerdicts(SharedStoreClient store, String policyVersion) {
        this.store = store;
        this.policyVersion = policyVersion;
    }

    static String key(String sha256) {
        return "verdicts/sha256/" + sha256 + ".json";
    }

    /** The block another replica recorded for these bytes under this policy; empty on a miss or an error. */
    public CompletableFuture<Optional<Verdict>> lookup(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return store.get(key(sha256)).handle((bytes, error) -> {
            if (error != null || bytes.isEmpty()) {
                return Optional.<Verdict>empty(); // the cache is only a cache: judge the bytes here instead
            }
            try {
                JsonNode n = JSON.readTree(bytes.get());
                if (!policyVersion.equals(n.path("policy").asText()) || !n.path("blocked").asBoolean(false)) {
                    return Optional.<Verdict>empty();
                }
                return Optional.of(Verdict.block(n.path("rule").asText(), n.path("reason").asText()));
            } catch (java.io.IOException | RuntimeException e) {
                return Optional.<Verdict>empty();
            }
        });
    }

    /** Shares a block about bytes read whole (fire and forget: a failure only costs other replicas a rescan). */
    public void publish(String sha256, Verdict v) {
        if (!v.blocked() || !SHA256.matcher(sha256).matches()) {
            return;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(JSON.createObjectNode().put("sha256", sha256).put("blocked", true)
                    .put("rule", v.rule()).put("reason", v.reason()).put("policy", policyVersion));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        store.put(key(sha256), json);
    }
}
