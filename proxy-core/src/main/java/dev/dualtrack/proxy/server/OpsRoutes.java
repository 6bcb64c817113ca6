package dev.dualtrack.proxy.server;

import dev.dualtrack.proxy.ops.ProxyMetrics;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * {@code /metrics} (Prometheus text format 0.0.4), {@code /healthz} (the process answers) and {@code /readyz}
 * (the process should get traffic: the cache directory is usable).
 */
public final class OpsRoutes {
    private final ProxyMetrics metrics;
    private final BooleanSupplier ready;

    public OpsRoutes(ProxyMetrics metrics, BooleanSupplier ready) {
        this(metrics, ready, null);
    }

    /** With {@code GET /-/verdicts/<sha256>} served by {@code verdicts} wherever the metrics are served. */
    public OpsRoutes(ProxyMetrics metrics, BooleanSupplier ready, Route verdicts) {
        this.metrics = metrics;
        this.ready = ready;
        this.verdicts = verdicts;
    }

    /** Adds the three endpoints to {@code router}, and {@code /-/verdicts/} when verdicts are given. */
    public Router addTo(Router router) {
        addProbesTo(router).add("/metrics", this::metrics);
        if (verdicts != null) {
            router.add("/-/verdicts", verdicts);
        }
        return router;
    }

    /** Null when the verdicts are not served here (the main listener). */
    private final Route verdicts;

    /** Adds {@code /healthz} and {@code /readyz} only. */
    public Router addProbesTo(Router router) {
        return router.add("/healthz", this::health).add("/readyz", this::readiness);
    }

    /**
     * Whether a cache directory can take writes: it exists, is writable, and its file store has at least
     * {@code minFree} bytes left. A full disk fails every download at its commit, so it is not ready.
     */
    public static boolean cacheUsable(java.nio.file.Path dir, long minFree) {
        try {
            return java.nio.file.Files.isDirectory(dir) && java.nio.file.Files.isWritable(dir)
                    && java.nio.file.Files.getFileStore(dir).getUsableSpace() >= minFree;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private void metrics(Exchange ex) {
        ex.respond(HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape().getBytes(StandardCharsets.UTF_8), null);
    }

    private void health(Exchange ex) {
        ex.respondText(HttpResponseStatus.OK, "ok\n");
    }

    private void readiness(Exchange ex) {
        if (ready.getAsBoolean()) {
            ex.respondText(HttpResponseStatus.OK, "ready\n");
        } else {
            ex.respondText(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready\n");
        }
    }
}
