package dev.dualtrack.proxy.store;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The first-seen hash ledger across the fleet: {@code first-seen/<track>/<project>/<filename>} holds the sha256
 * first announced for that file, created with a conditional write, so one first hash wins for every replica.
 * Trust on first use then means first use by the fleet, not by whichever replica a load balancer picked.
 *
 * <p>When the store cannot be reached, a file whose first sighting cannot be confirmed is refused (fail closed):
 * serving it would silently drop the fleet's memory of what the file was. Files this replica already confirmed
 * are remembered here (bounded) and keep being served. Outages show in
 * {@code dualtrack_shared_store_requests_total{outcome="error"|"timeout"}} and the DualtrackSharedStoreFailing alert.
 */
public final class SharedFirstSeen {
    /** What the fleet's ledger says about a file. */
    public sealed interface Answer {
    }

    /** The ledger agrees (this replica's hash is the first one). */
    public record Agrees() implements Answer {
    }

    /** Another hash was seen first: tampering. */
    public record Conflict(String firstSha256) implements Answer {
    }

    /** The ledger could not be asked. */
    public record Unreachable(String why) implements Answer {
    }

    private final SharedStoreClient store;
    private final com.github.benmanes.caffeine.cache.Cache<String, String> confirmed;

    public SharedFirstSeen(SharedStoreClient store) {
        this(store, dev.dualtrack.proxy.cache.Caches.standalone());
    }

    public SharedFirstSeen(SharedStoreClient store, dev.dualtrack.proxy.cache.Caches caches) {
        this.store = store;
        this.confirmed = caches.bounded("fleet-first-seen", 200_000, java.time.Duration.ZERO);
    }

    /** Records {@code sha256} as the first hash of the file unless another was first; says which. */
    public CompletableFuture<Answer> confirm(String track, String project, String filename, String sha256) {
        String key = "first-seen/" + track + "/" + project + "/" + filename;
        String known = confirmed.getIfPresent(key);
        if (known != null) {
            return CompletableFuture.completedFuture(known.equals(sha256) ? new Agrees() : new Conflict(known));
        }
        return store.createIfAbsent(key, sha256.getBytes(StandardCharsets.US_ASCII)).handle((stored, error) -> {
            if (error != null) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                return new Unreachable(cause.toString());
            }
            String first = new String(stored, StandardCharsets.US_ASCII).strip();
            confirmed.put(key, first);
            return first.equals(sha256) ? new Agrees() : new Conflict(first);
        });
    }

    /** For tests and the admin page: what this replica has confirmed for a file. */
    public Optional<String> confirmedFirst(String track, String project, String filename) {
        return Optional.ofNullable(confirmed.getIfPresent("first-seen/" + track + "/" + project + "/" + filename));
    }
}
