package dev.dualtrack.proxy.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The metrics dualtrack exports, in one place so their names and labels stay stable.
 *
 * <table>
 *   <caption>Exported series (Prometheus names)</caption>
 *   <tr><th>series</th><th>labels</th><th>meaning</th></tr>
 *   <tr><td>dualtrack_blocked_total</td><td>track, rule</td><td>every block (G5). Alert rules depend on this
 *       name and these labels: do not change them.</td></tr>
 *   <tr><td>dualtrack_requests_total</td><td>track, outcome</td><td>requests by how they ended</td></tr>
 *   <tr><td>dualtrack_upstream_request_seconds</td><td>host</td><td>time to the upstream's response
 *       headers (histogram)</td></tr>
 *   <tr><td>dualtrack_bytes_total</td><td>track, direction</td><td>body bytes from upstream and to clients</td></tr>
 *   <tr><td>dualtrack_cache_hits_total / _misses_total</td><td>kind</td><td>blob and verdict cache lookups</td></tr>
 *   <tr><td>dualtrack_inspection_seconds</td><td>track</td><td>inspector time per artifact (histogram)</td></tr>
 * </table>
 */
public final class ProxyMetrics {
    /** The {@code track} label of requests that belong to neither track (ops endpoints, unknown paths). */
    public static final String TRACK_NONE = "none";

    // Fixed buckets rather than Micrometer's ~70 generated ones: a dozen per series is plenty for alerting and
    // keeps a scrape small.
    private static final Duration[] UPSTREAM_BUCKETS = millis(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
            10_000, 30_000, 60_000);
    private static final Duration[] INSPECTION_BUCKETS = millis(1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000,
            10_000, 30_000, 120_000);

    private final PrometheusMeterRegistry registry;
    /**
     * The counters counted per request or per chunk, found again by name and tags without building a meter id
     * each time: a builder per call allocated on every request and every 64 KiB, which showed in the page tail.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Counter> counters =
            new java.util.concurrent.ConcurrentHashMap<>();

    private Counter counter(String name, String description, String k1, String v1, String k2, String v2) {
        String key = name + '\u0000' + v1 + '\u0000' + (v2 == null ? "" : v2);
        Counter c = counters.get(key);
        if (c == null) {
            Counter.Builder b = Counter.builder(name).tag(k1, v1);
            if (description != null) {
                b.description(description);
            }
            if (k2 != null) {
                b.tag(k2, v2);
            }
            c = counters.computeIfAbsent(key, k -> b.register(registry));
        }
        return c;
    }

    private static Duration[] millis(long... ms) {
        return java.util.Arrays.stream(ms).mapToObj(Duration::ofMillis).toArray(Duration[]::new);
    }

    public ProxyMetrics() {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Pre-register the cache counters so dashboards see a zero rather than no series at all.
        Counter.builder("dualtrack.cache.hits").tag("kind", "blob").register(registry);
        Counter.builder("dualtrack.cache.misses").tag("kind", "blob").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every series. */
    public String scrape() {
        return registry.scrape();
    }

    public void blocked(String track, String rule) {
        counter("dualtrack.blocked", "Fetches refused by a policy rule", "track", track, "rule", rule).increment();
    }

    /** A rule matched with action {@code warn} (or any block in monitor mode): served, and counted here. */
    public void warned(String track, String rule) {
        counter("dualtrack.warned", "Fetches a rule matched but let through (action warn)", "track", track, "rule",
                rule).increment();
    }

    /**
     * Files left out of a listing or a project page because a block stands for them: not a refused fetch (nobody
     * asked for the file yet), so not in {@code dualtrack_blocked_total}, whose alerts page someone.
     */
    public void hidden(String track, String rule) {
        counter("dualtrack.hidden", "Files left out of a listing or page by a block that stands", "track", track,
                "rule", rule).increment();
    }

    /** A block a waiver let through. */
    public void waived(String track, String rule) {
        counter("dualtrack.waived", "Fetches a waiver let through a blocking rule", "track", track, "rule", rule)
                .increment();
    }

    /** One shared-store request: {@code op} (get, put, create, head, presign, upload, delete), {@code outcome} (ok, missing, exists, error, timeout). */
    public void sharedStore(String op, String outcome, long nanos) {
        Counter.builder("dualtrack.shared.store.requests").description("Requests to the shared object store")
                .tag("op", op).tag("outcome", outcome).register(registry).increment();
        io.micrometer.core.instrument.Timer.builder("dualtrack.shared.store").description("Shared store request time")
                .tag("op", op).serviceLevelObjectives(UPSTREAM_BUCKETS).register(registry)
                .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** The shared store's series from start-up, so its alerts see zeros rather than no data. */
    public void primeSharedStore() {
        for (String op : java.util.List.of("get", "put", "create", "head", "presign", "upload", "delete")) {
            for (String outcome : java.util.List.of("ok", "missing", "exists", "error", "timeout")) {
                Counter.builder("dualtrack.shared.store.requests").description("Requests to the shared object store")
                        .tag("op", op).tag("outcome", outcome).register(registry);
            }
        }
    }

    public void request(String track, String outcome) {
        counter("dualtrack.requests", "Requests by track and outcome", "track", track, "outcome", outcome).increment();
    }

    public void bytes(String track, Direction direction, long n) {
        Counter c = counters.get("dualtrack.bytes\u0000" + track + '\u0000' + direction.label);
        if (c == null) {
            c = counters.computeIfAbsent("dualtrack.bytes\u0000" + track + '\u0000' + direction.label, k -> Counter
                    .builder("dualtrack.bytes").baseUnit("bytes").description("Body bytes relayed").tag("track", track)
                    .tag("direction", direction.label).register(registry));
        }
        c.increment(n);
    }

    public void cacheHit(String kind) {
        counter("dualtrack.cache.hits", null, "kind", kind, null, null).increment();
    }

    public void cacheMiss(String kind) {
        counter("dualtrack.cache.misses", null, "kind", kind, null, null).increment();
    }

    public void upstreamRequest(String host, int status, Duration timeToHeaders) {
        upstreamTimer(host).record(timeToHeaders);
    }

    private Timer upstreamTimer(String host) {
        return Timer.builder("dualtrack.upstream.request").description("Time to the upstream's response headers")
                .tag("host", host).serviceLevelObjectives(UPSTREAM_BUCKETS).register(registry);
    }

    public void inspection(String track, long nanos) {
        inspectionTimer(track).record(Duration.ofNanos(nanos));
    }

    private Timer inspectionTimer(String track) {
        return Timer.builder("dualtrack.inspection").description("Inspector CPU time per artifact")
                .tag("track", track).serviceLevelObjectives(INSPECTION_BUCKETS).register(registry);
    }

    /**
     * Creates the series of a track at zero: its known block rules, its byte counters and its inspection timer,
     * and the upstream timers of its hosts. Prometheus cannot see the first increment of a series that did
     * not exist before it, so {@code increase(dualtrack_blocked_total[5m]) > 0} would miss the very first block
     * of each rule if the series were created by that block.
     */
    public void prime(String track, java.util.Collection<String> rules, java.util.Collection<String> upstreamHosts) {
        for (String rule : rules) {
            Counter.builder("dualtrack.blocked").description("Fetches refused by a policy rule")
                    .tag("track", track).tag("rule", rule).register(registry);
            Counter.builder("dualtrack.warned").description("Fetches a rule matched but let through (action warn)")
                    .tag("track", track).tag("rule", rule).register(registry);
            Counter.builder("dualtrack.waived").description("Fetches a waiver let through a blocking rule")
                    .tag("track", track).tag("rule", rule).register(registry);
            Counter.builder("dualtrack.hidden").description("Files left out of a listing or page by a block that stands")
                    .tag("track", track).tag("rule", rule).register(registry);
        }
        for (Direction d : Direction.values()) {
            Counter.builder("dualtrack.bytes").baseUnit("bytes").description("Body bytes relayed")
                    .tag("track", track).tag("direction", d.label).register(registry);
        }
        inspectionTimer(track);
        upstreamHosts.forEach(this::upstreamTimer);
    }

    /** The upstream latency series of every configured host, at zero. */
    public void primeUpstreams(java.util.Collection<String> hosts) {
        hosts.forEach(this::upstreamTimer);
    }

    public void cacheSize(java.util.function.Supplier<Number> bytes) {
        io.micrometer.core.instrument.Gauge.builder("dualtrack.cache.size", bytes).baseUnit("bytes")
                .description("Bytes held in the blob cache").register(registry);
    }

    /** Kept for adapters that want to size things they serve (e.g. index pages). */
    public DistributionSummary summary(String name, String... tags) {
        return DistributionSummary.builder(name).tags(tags).register(registry);
    }

    public enum Direction {
        UPSTREAM("upstream"),
        CLIENT("client");

        final String label;

        Direction(String label) {
            this.label = label;
        }
    }
}
