package dev.dualtrack.proxy.server;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Maps path prefixes to routes, longest prefix first. A prefix matches the path itself or the path followed by
 * {@code /}: {@code /pypi} matches {@code /pypi/simple/} but not {@code /pypix}.
 *
 * <pre>{@code
 * Router r = new Router().add("/metrics", ops::metrics).add("/pypi", pypi).add("/hf", hf);
 * }</pre>
 */
public final class Router {
    private final List<Entry> entries = new ArrayList<>();

    public Router add(String prefix, Route route) {
        if (!prefix.startsWith("/") || (prefix.length() > 1 && prefix.endsWith("/"))) {
            throw new IllegalArgumentException("prefix must start with '/' and not end with it: " + prefix);
        }
        for (Entry e : entries) {
            if (e.prefix().equals(prefix)) {
                throw new IllegalStateException("prefix " + prefix + " is already routed");
            }
        }
        entries.add(new Entry(prefix, route, trackOf(prefix)));
        entries.sort(Comparator.comparingInt((Entry e) -> e.prefix().length()).reversed());
        return this;
    }

    /** The track label of a prefix, for metrics: {@code /pypi} → pypi, {@code /hf} → hf, else none. */
    private static String trackOf(String prefix) {
        return prefix.equals("/pypi") ? "pypi" : prefix.equals("/hf") ? "hf" : "none";
    }

    public void dispatch(Exchange exchange) {
        String path = exchange.path();
        for (Entry e : entries) {
            if (path.equals(e.prefix()) || e.prefix().equals("/") || path.startsWith(e.prefix() + "/")) {
                exchange.track(e.track());
                e.route().handle(exchange);
                return;
            }
        }
        exchange.respondText(HttpResponseStatus.NOT_FOUND, "no route for " + path
                + " (dualtrack serves /pypi/simple/, /hf, /metrics, /healthz, /readyz)\n");
    }

    private record Entry(String prefix, Route route, String track) {
    }
}
