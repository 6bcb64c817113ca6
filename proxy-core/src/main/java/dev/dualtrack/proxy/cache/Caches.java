package dev.dualtrack.proxy.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.dualtrack.config.CacheConfig;
import dev.dualtrack.scanner.Verdict;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.util.concurrent.Executor;
import java.util.function.ToIntFunction;

/**
 * Builds every in-memory cache from one place, with time and executor injected: production passes the system
 * ticker and the common pool, tests pass a fake ticker and {@code Runnable::run} and expire entries by advancing
 * time, never by sleeping. Every cache records stats into the meter registry.
 */
public final class Caches {
    private final java.util.Optional<CacheConfig> config;
    private final Ticker ticker;
    private final Executor executor;
    private final MeterRegistry registry;

    public Caches(CacheConfig config, Ticker ticker, Executor executor, MeterRegistry registry) {
        this(java.util.Optional.of(config), ticker, executor, registry);
    }

    private Caches(java.util.Optional<CacheConfig> config, Ticker ticker, Executor executor, MeterRegistry registry) {
        this.config = config;
        this.ticker = ticker;
        this.executor = executor;
        this.registry = registry;
    }

    /** Verdicts by sha256 (a verdict is a pure function of bytes and policy version, G4). */
    public Cache<String, Verdict> verdicts(String name) {
        Cache<String, Verdict> c = Caffeine.newBuilder().ticker(ticker).executor(executor)
                .maximumSize(config().verdictMaxEntries())
                .expireAfterWrite(config().verdictTtl())
                .recordStats().build();
        return CaffeineCacheMetrics.monitor(registry, c, name);
    }

    /** Metadata (index pages, API answers) bounded by their weight in bytes and by the metadata TTL. */
    public <V> Cache<String, V> metadata(String name, ToIntFunction<V> weightInBytes) {
        return weighed(name, config().metadataMaxSize().bytes(), config().metadataTtl(), weightInBytes);
    }

    /**
     * Values bounded by their weight in bytes (and their keys'), each kept at most {@code ttl}: for what is made
     * from metadata and kept briefly, such as rendered pages. Needs no configuration.
     */
    public <V> Cache<String, V> weighed(String name, long maxBytes, java.time.Duration ttl,
            ToIntFunction<V> weightInBytes) {
        Cache<String, V> c = Caffeine.newBuilder().ticker(ticker).executor(executor)
                .maximumWeight(maxBytes)
                .weigher((String k, V v) -> k.length() * 2 + weightInBytes.applyAsInt(v))
                .expireAfterWrite(ttl)
                .recordStats().build();
        return CaffeineCacheMetrics.monitor(registry, c, name);
    }

    /**
     * Caches for a component built without a runtime (tests, the CLI): the system ticker, the common pool, and a
     * registry of their own. Configured caches ({@link #verdicts}, {@link #metadata}) need a runtime's.
     */
    public static Caches standalone() {
        return new Caches(java.util.Optional.empty(), Ticker.systemTicker(),
                java.util.concurrent.ForkJoinPool.commonPool(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /** The same caches on another clock (tests expire entries by advancing it). */
    public Caches withTicker(Ticker other) {
        return new Caches(config, other, executor, registry);
    }

    /**
     * A cache of at most {@code maxEntries} entries, each dropped {@code ttl} after it was written ({@code
     * Duration.ZERO}: only by size), named {@code name} in the cache metrics.
     */
    public <K, V> Cache<K, V> bounded(String name, long maxEntries, java.time.Duration ttl) {
        Caffeine<Object, Object> b = Caffeine.newBuilder().ticker(ticker).executor(executor).maximumSize(maxEntries)
                .recordStats();
        if (!ttl.isZero()) {
            b.expireAfterWrite(ttl);
        }
        Cache<K, V> c = b.build();
        return CaffeineCacheMetrics.monitor(registry, c, name);
    }

    private CacheConfig config() {
        return config.orElseThrow(() -> new IllegalStateException("configured caches need the cache section"));
    }
}
