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
        this.metrics = metrics;
        this.ready = ready;
    }

    /** Adds the three endpoints to {@code router}. */
    public Router addTo(Router router) {
        return router.add("/metrics", this::metrics).add("/healthz", this::health).add("/readyz", this::readiness);
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
