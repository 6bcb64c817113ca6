package dev.dualtrack.proxy.store;

import java.io.IOException;
import java.util.Optional;

/**
 * What replicas share through object storage (fleet mode): verdicts by digest and the first-seen hash ledger.
 * Every call may block on the network, so callers run them off the event loops ({@link SharedStoreClient}).
 * A store that is down or slow costs a replica its shared knowledge, never a download: every method fails with
 * an {@link IOException}, and the caller decides what that means (the cache is only a cache; the first-seen
 * ledger fails closed, see {@code SharedFirstSeen}).
 *
 * <p>Keys, under the configured prefix:
 * <ul>
 *   <li>{@code verdicts/<digest>.json}: a verdict with its findings and the policy version that produced it;</li>
 *   <li>{@code blobs/sha256/<ab>/<hex>}: verified bytes, uploaded after their verdict;</li>
 *   <li>{@code first-seen/pypi/<project>/<filename>}: the sha256 first announced for that file, created with a
 *       conditional write so exactly one first hash wins across the fleet.</li>
 * </ul>
 */
public interface SharedStore extends AutoCloseable {
    /**
     * The most a small object (a verdict, a metadata answer, a first-seen record) may be. Every object read from
     * the bucket whole is bounded: a forged 900 MB {@code verdicts/…json} must cost an {@link IOException}, not
     * the heap of every replica that reads it (G6). Blobs are never read whole: they are streamed through the relay.
     */
    int MAX_SMALL_OBJECT = 1 << 20;

    /**
     * The object at {@code key}, or empty when there is none. An object larger than {@code maxBytes} is not read
     * (an {@link IOException}, without downloading it).
     */
    Optional<byte[]> get(String key, int maxBytes) throws IOException;

    /** Writes {@code value} at {@code key}, replacing what was there. */
    void put(String key, byte[] value) throws IOException;

    /**
     * Creates {@code key} with {@code value} unless it exists (a conditional write, {@code If-None-Match: *}).
     * Returns the value now stored: {@code value} when this call created it, else the earlier one.
     */
    byte[] createIfAbsent(String key, byte[] value) throws IOException;

    /** Whether an object exists at {@code key}. */
    boolean exists(String key) throws IOException;

    /**
     * A URL that GETs {@code key} for {@code ttl} without further credentials (a presigned URL), so the relay can
     * fetch the object with its own client, verifying and holding it like any upstream body.
     */
    java.net.URI presignGet(String key, java.time.Duration ttl) throws IOException;

    /** Uploads a file, streaming it (multipart beyond one part), so the heap never holds it. */
    void putFile(String key, java.nio.file.Path file) throws IOException;

    /** Deletes {@code key} (a corrupted object, found so by the relay's hash check). */
    void delete(String key) throws IOException;

    /** For logs and metrics: where the store is ({@code s3://bucket/prefix}). */
    String describe();

    @Override
    void close();
}
