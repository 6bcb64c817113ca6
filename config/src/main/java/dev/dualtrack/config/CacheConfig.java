package dev.dualtrack.config;

import java.nio.file.Path;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

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
        @Default("false") boolean prefetch,
        Optional<Shared> shared) {

    /**
     * Fleet mode: replicas share verdicts and first-seen hashes through an S3-compatible bucket. Credentials are
     * read from the environment variables the config names.
     */
    public record Shared(S3 s3) {
    }

    /** An S3-compatible bucket: AWS S3, MinIO, Ceph RGW, or GCS in interop mode. */
    public record S3(
            URI endpoint,
            String bucket,
            @Default("us-east-1") String region,
            @Default("dualtrack/") String prefix,
            @Default("true") boolean pathStyle,
            String accessKeyEnv,
            String secretKeyEnv,
            @Default("10s") Duration timeout) {
        public S3 {
            if (!endpoint.getScheme().matches("https?") || endpoint.getUserInfo() != null) {
                throw new IllegalArgumentException("endpoint must be an http(s) URL without credentials");
            }
            Checks.positive(timeout, "timeout");
        }
    }

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
