package dev.dualtrack.proxy.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Small upstream answers shared across the fleet for as long as a replica would cache them itself
 * ({@code cache.metadata-ttl}): the Hub's revision-to-commit answers and file metadata, so a replica serving a
 * file another one already looked up asks the Hub nothing. Stored as {@code metadata/<sha256 of the key>.json}
 * with the time it was learnt; the key includes the credential's fingerprint, so an answer learnt with one token
 * is never told to a caller without it.
 */
public final class SharedMetadata {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SharedStoreClient store;
    private final Duration maxAge;
    private final Clock clock;

    public SharedMetadata(SharedStoreClient store, Duration maxAge, Clock clock) {
        this.store = store;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    static String key(String what) {
        try {
            return "metadata/" + HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(what.getBytes(StandardCharsets.UTF_8))) + ".json";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The answer stored for {@code what}, if one is there and young enough; empty on a miss or any error. */
    public CompletableFuture<Optional<JsonNode>> lookup(String what) {
        return store.get(key(what)).handle((bytes, error) -> {
            if (error != null || bytes.isEmpty()) {
                return Optional.<JsonNode>empty();
            }
            try {
                JsonNode n = JSON.readTree(bytes.get());
                long age = clock.millis() - n.path("learnt").asLong(0);
                if (!what.equals(n.path("key").asText()) || age < 0 || age > maxAge.toMillis()) {
                    return Optional.<JsonNode>empty();
                }
                return Optional.of(n.path("value"));
            } catch (java.io.IOException | RuntimeException e) {
                return Optional.<JsonNode>empty();
            }
        });
    }

    /** Shares an answer (fire and forget). */
    public void publish(String what, JsonNode value) {
        try {
            store.put(key(what), JSON.writeValueAsBytes(JSON.createObjectNode().put("key", what)
                    .put("learnt", clock.millis()).set("value", value)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
