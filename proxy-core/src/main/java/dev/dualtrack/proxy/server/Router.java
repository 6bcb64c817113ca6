package dev.dualtrack.proxy.server;

import dev.dualtrack.config.policy.TrackDefinition;
import dev.dualtrack.config.policy.Tracks;
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

    /** The track label of a prefix, for metrics: the track served under it, else none. */
    private static String trackOf(String prefix) {
        return Tracks.all().stream().filter(t -> t.prefix().equals(prefix)).map(TrackDefinition::name).findFirst()
                .orElse("none");
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
        StringBuilder served = new StringBuilder();
        Tracks.all().forEach(t -> served.append(t.prefix()).append(", "));
        exchange.respondText(HttpResponseStatus.NOT_FOUND, "no route for " + path + " (dualtrack serves " + served
                + "/metrics, /healthz, /readyz)\n");
    }

    private record Entry(String prefix, Route route, String track) {
    }
}
