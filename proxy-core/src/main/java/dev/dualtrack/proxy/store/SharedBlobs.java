package dev.dualtrack.proxy.store;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Verified bytes shared across the fleet: {@code blobs/sha256/<ab>/<hex>}, uploaded after their verdict (only
 * committed, verified blobs are ever uploaded), and read by other replicas through a presigned URL, so the relay
 * fetches them like any upstream body: hashed against the expected sha256, inspected, the tail held (G1). A
 * corrupted object therefore never completes at a client; it is deleted, and the next request fetches upstream.
 */
public final class SharedBlobs {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private final SharedStoreClient store;

    public SharedBlobs(SharedStoreClient store) {
        this.store = store;
    }

    static String key(String sha256) {
        return "blobs/sha256/" + sha256.substring(0, 2) + "/" + sha256;
    }

    /** Where to GET these bytes from the store, if it has them; empty on a miss or any error. */
    public CompletableFuture<Optional<URI>> source(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return store.exists(key(sha256)).thenCompose(present -> present
                ? store.presignGet(key(sha256), Duration.ofMinutes(30)).thenApply(Optional::of)
                : CompletableFuture.completedFuture(Optional.<URI>empty()))
                .exceptionally(e -> Optional.empty());
    }

    /** Uploads a verified, committed blob unless the store has it (fire and forget). */
    public void upload(String sha256, Path file) {
        if (!SHA256.matcher(sha256).matches()) {
            return;
        }
        store.exists(key(sha256)).thenCompose(present -> present ? CompletableFuture.completedFuture(null)
                : store.putFile(key(sha256), file));
    }

    /** Removes an object whose bytes did not verify. */
    public void quarantine(String sha256) {
        if (SHA256.matcher(sha256).matches()) {
            store.delete(key(sha256));
        }
    }
}
