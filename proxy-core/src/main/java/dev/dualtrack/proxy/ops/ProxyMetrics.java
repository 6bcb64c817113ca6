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
 *   <tr><td>dualtrack_upstream_request_seconds</td><td>host, status</td><td>time to the upstream's response
 *       headers (histogram)</td></tr>
 *   <tr><td>dualtrack_bytes_total</td><td>track, direction</td><td>body bytes from upstream and to clients</td></tr>
 *   <tr><td>dualtrack_cache_hits_total / _misses_total</td><td>kind</td><td>blob and verdict cache lookups</td></tr>
 *   <tr><td>dualtrack_inspection_seconds</td><td>track</td><td>inspector time per artifact (histogram)</td></tr>
 * </table>
 */
public final class ProxyMetrics {
    /** The {@code track} label of requests that belong to neither track (ops endpoints, unknown paths). */
    public static final String TRACK_NONE = "none";

    private final PrometheusMeterRegistry registry;

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
        Counter.builder("dualtrack.blocked").description("Fetches refused by a policy rule")
                .tag("track", track).tag("rule", rule).register(registry).increment();
    }

    public void request(String track, String outcome) {
        Counter.builder("dualtrack.requests").description("Requests by track and outcome")
                .tag("track", track).tag("outcome", outcome).register(registry).increment();
    }

    public void bytes(String track, Direction direction, long n) {
        Counter.builder("dualtrack.bytes").baseUnit("bytes").description("Body bytes relayed")
                .tag("track", track).tag("direction", direction.label).register(registry).increment(n);
    }

    public void cacheHit(String kind) {
        Counter.builder("dualtrack.cache.hits").tag("kind", kind).register(registry).increment();
    }

    public void cacheMiss(String kind) {
        Counter.builder("dualtrack.cache.misses").tag("kind", kind).register(registry).increment();
    }

    public void upstreamRequest(String host, int status, Duration timeToHeaders) {
        Timer.builder("dualtrack.upstream.request").description("Time to the upstream's response headers")
                .tag("host", host).tag("status", status <= 0 ? "error" : Integer.toString(status))
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry).record(timeToHeaders);
    }

    public void inspection(String track, long nanos) {
        Timer.builder("dualtrack.inspection").description("Inspector CPU time per artifact")
                .tag("track", track).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(120))
                .register(registry).record(Duration.ofNanos(nanos));
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
