package dev.dualtrack.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The content-addressed blob cache on disk and the in-memory metadata and verdict caches.
 *
 * <p>{@code prefetch}: when a client goes away mid-download, keep fetching into the cache (true) or cancel
 * the upstream fetch (false, the default, so that an abandoned 50 GB download costs nothing more).
 */
public record CacheConfig(
        @Default("./dualtrack-data") Path dir,
        @Default("50GiB") DataSize maxSize,
        @Default("10m") Duration metadataTtl,
        @Default("64MiB") DataSize metadataMaxSize,
        @Default("24h") Duration verdictTtl,
        @Default("100000") long verdictMaxEntries,
        @Default("false") boolean prefetch) {

    public CacheConfig {
        if (maxSize.bytes() < (1 << 20)) {
            throw new IllegalArgumentException("max-size must be at least 1MiB (was " + maxSize + ")");
        }
        Checks.positive(metadataTtl, "metadata-ttl");
        Checks.positive(verdictTtl, "verdict-ttl");
        if (verdictMaxEntries < 1) {
            throw new IllegalArgumentException("verdict-max-entries must be positive (was " + verdictMaxEntries + ")");
        }
    }
}
