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
    /** Who may pull: authenticates every request to a track; null in tests that route without it. */
    private final dev.dualtrack.proxy.access.AccessControl access;

    public Router() {
        this(null);
    }

    /** A router whose track routes authenticate their clients ({@code access}). */
    public Router(dev.dualtrack.proxy.access.AccessControl access) {
        this.access = access;
    }

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
                if (access != null) {
                    exchange.clientAddress(access.clientOf(exchange.peerAddress(),
                            exchange.headers().getAll("X-Forwarded-For")));
                    if (!e.track().equals("none") && !authenticated(exchange)) {
                        return;
                    }
                }
                e.route().handle(exchange);
                return;
            }
        }
        StringBuilder served = new StringBuilder();
        Tracks.all().forEach(t -> served.append(t.prefix()).append(", "));
        exchange.respondText(HttpResponseStatus.NOT_FOUND, "no route for " + path + " (dualtrack serves " + served
                + "/metrics, /healthz, /readyz)\n");
    }

    /**
     * Checks a track request's credentials: sets its principal, or answers 401 with a challenge every client
     * understands (pip and poetry retry with the index URL's credentials or their keyring; huggingface_hub prints
     * {@code X-Error-Message}).
     */
    private boolean authenticated(Exchange exchange) {
        dev.dualtrack.proxy.access.AccessControl.Authentication a = access.authenticate(exchange.headers());
        if (a instanceof dev.dualtrack.proxy.access.AccessControl.Authenticated ok) {
            exchange.principal(ok.principal());
            return true;
        }
        String why = ((dev.dualtrack.proxy.access.AccessControl.Unauthenticated) a).why();
        String message = "dualtrack: " + why + ": put it in the index URL (https://__token__:TOKEN@host/pypi/simple/)"
                + " or send it as a bearer token (HF_TOKEN=TOKEN)";
        exchange.outcome("unauthenticated");
        exchange.respond(HttpResponseStatus.UNAUTHORIZED, "text/plain; charset=utf-8",
                (message + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                new io.netty.handler.codec.http.DefaultHttpHeaders()
                        .add(io.netty.handler.codec.http.HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"dualtrack\"")
                        .add(io.netty.handler.codec.http.HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"dualtrack\"")
                        .set("X-Error-Message", message));
        return false;
    }

    private record Entry(String prefix, Route route, String track) {
    }
}
