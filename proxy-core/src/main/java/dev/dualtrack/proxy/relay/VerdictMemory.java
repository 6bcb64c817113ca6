package dev.dualtrack.proxy.relay;

import com.github.benmanes.caffeine.cache.Cache;
import dev.dualtrack.scanner.Verdict;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Everything the proxy remembers about what it has judged, in one place (it replaces three stores).
 *
 * <ul>
 *   <li><b>By digest</b>: the verdict about bytes read whole, under their own hash, as {@code sha256:<hex>} and,
 *       for a file the Hub identifies by git blob id, {@code git-blob:<hex>} too. A verdict is a function of the
 *       bytes, so this is what lets a known file be refused, or served from the cache, before any byte.</li>
 *   <li><b>By location</b> (track, project or repo, revision, path; {@link FetchSpec#location()}): what was learnt
 *       about bytes never seen whole, a block before the end of the body for a day, and a hash mismatch for a
 *       minute (a CDN fault may be transient). Never under the hash the source announced: anyone can announce
 *       anyone's hash.</li>
 * </ul>
 */
public final class VerdictMemory {
    public static final String SHA256 = "sha256:";
    public static final String GIT_BLOB = "git-blob:";

    private final Cache<String, Verdict> byDigest;
    private final Cache<String, Verdict> earlyBlocks;
    private final Cache<String, Verdict> mismatches;

    /** @param byDigest the configured verdict cache (its TTL and bound are {@code cache.verdict-*}) */
    public VerdictMemory(Cache<String, Verdict> byDigest) {
        this(dev.dualtrack.proxy.cache.Caches.standalone(), byDigest, Optional.empty());
    }

    /** In fleet mode, blocks are also published to and looked up in {@code shared}. */
    public VerdictMemory(dev.dualtrack.proxy.cache.Caches caches, Cache<String, Verdict> byDigest,
            Optional<dev.dualtrack.proxy.store.SharedVerdicts> shared) {
        this.earlyBlocks = caches.bounded("verdicts-at-location", 100_000, Duration.ofHours(24));
        this.mismatches = caches.bounded("mismatches-at-location", 10_000, Duration.ofSeconds(60));
        this.byDigest = byDigest;
        this.shared = shared;
    }

    public Optional<Verdict> bySha256(String sha256) {
        return Optional.ofNullable(byDigest.getIfPresent(SHA256 + sha256.toLowerCase(Locale.ROOT)));
    }

    public Optional<Verdict> byGitBlob(String oid) {
        return Optional.ofNullable(byDigest.getIfPresent(GIT_BLOB + oid.toLowerCase(Locale.ROOT)));
    }

    /** Fleet mode: blocks are also shared through the object store. */
    private final Optional<dev.dualtrack.proxy.store.SharedVerdicts> shared;

    Optional<dev.dualtrack.proxy.store.SharedVerdicts> shared() {
        return shared;
    }

    /** The verdict about bytes read whole, under each digest they were hashed to (and shared, if a block). */
    public void remember(Verdict v, String sha256, Optional<String> gitBlob) {
        rememberLocally(v, sha256, gitBlob);
        shared.ifPresent(s -> s.publish(sha256, v));
    }

    /** As {@link #remember}, for a verdict another replica shared: kept here, not shared back. */
    public void rememberLocally(Verdict v, String sha256, Optional<String> gitBlob) {
        byDigest.put(SHA256 + sha256, v);
        gitBlob.ifPresent(oid -> byDigest.put(GIT_BLOB + oid, v));
    }

    /** A block of bytes never seen whole, or not the announced ones, for this location only. */
    public void rememberAt(String location, Verdict v, boolean mismatch) {
        (mismatch ? mismatches : earlyBlocks).put(location, v);
    }

    /** A block remembered for a location. */
    public Optional<Verdict> at(String location) {
        Verdict v = earlyBlocks.getIfPresent(location);
        if (v == null) {
            v = mismatches.getIfPresent(location);
        }
        return Optional.ofNullable(v).filter(Verdict::blocked);
    }
}
