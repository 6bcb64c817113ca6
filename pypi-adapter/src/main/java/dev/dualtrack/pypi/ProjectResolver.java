package dev.dualtrack.pypi;

import com.github.benmanes.caffeine.cache.Cache;
import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.config.Secrets;
import dev.dualtrack.proxy.cache.SingleFlight;
import dev.dualtrack.proxy.upstream.BodyCollector;
import dev.dualtrack.proxy.upstream.RedirectPolicy;
import dev.dualtrack.proxy.upstream.UpstreamClient;
import dev.dualtrack.proxy.upstream.UpstreamException;
import dev.dualtrack.proxy.upstream.UpstreamRequest;
import dev.dualtrack.pypi.simple.SimpleCodec;
import dev.dualtrack.pypi.simple.SimplePage;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Finds the one upstream that owns a project and its page, under the origin rules: upstreams are asked in
 * order; 200 owns the project, 404 passes to the next, and anything else (401, 5xx, a timeout, an unreadable
 * page) stops the search with a failure. It never falls through, so an internal index that is down cannot hand
 * its names to PyPI. Pages are cached with the metadata TTL, misses too.
 */
public final class ProjectResolver {
    /** Pages above this are refused: PyPI's largest project pages are a few MB. */
    static final int MAX_PAGE_BYTES = 64 << 20;
    static final String ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
            + "text/html;q=0.01";

    /** How a lookup ended. */
    public sealed interface Resolution {
    }

    public record Found(PypiConfig.Upstream upstream, SimplePage page) implements Resolution {
    }

    /** No upstream allowed to answer has the project. {@code reserved} when a reservation narrowed the search. */
    public record NotFound(boolean reserved, String owner) implements Resolution {
    }

    public record Failed(String upstream, String reason, boolean timeout) implements Resolution {
    }

    private sealed interface Cached {
    }

    private record Page(SimplePage page) implements Cached {
    }

    private record Missing() implements Cached {
    }

    /** A fetch that failed: shared with the flight's followers, never cached. */
    private record Failure(Failed failed) implements Cached {
    }

    private final OriginRules rules;
    private final UpstreamClient client;
    private final Secrets secrets;
    private final Cache<String, Cached> pages;
    private final SingleFlight<Cached> flights = new SingleFlight<>();
    /**
     * Pages whose freshness ran out, kept with their validators for a day: the next fetch is a conditional GET,
     * and a 304 makes the old page fresh again without moving its bytes.
     */
    private final Cache<String, Validated> validators;

    private record Validated(SimplePage page, String etag, String lastModified) {
    }

    public ProjectResolver(OriginRules rules, UpstreamClient client, Secrets secrets,
            Cache<String, ?> cache) {
        this(rules, client, secrets, cache, dev.dualtrack.proxy.cache.Caches.standalone());
    }

    /** @param cache the pages, from {@code caches.metadata}; the validators of stale pages come from {@code caches} */
    public ProjectResolver(OriginRules rules, UpstreamClient client, Secrets secrets,
            Cache<String, ?> cache, dev.dualtrack.proxy.cache.Caches caches) {
        this.validators = caches.bounded("pypi-page-validators", 20_000, java.time.Duration.ofDays(1));
        this.rules = rules;
        this.client = client;
        this.secrets = secrets;
        @SuppressWarnings("unchecked")
        Cache<String, Cached> typed = (Cache<String, Cached>) cache;
        this.pages = typed;
    }

    UpstreamClient client() {
        return client;
    }

    /** Weight of a cache entry in bytes, roughly, for the metadata cache's bound. */
    public static int weigh(Object cached) {
        return cached instanceof Page p ? 256 + p.page().files().size() * 400 : 64;
    }

    public CompletableFuture<Resolution> resolve(String project, EventLoop loop) {
        List<PypiConfig.Upstream> candidates = rules.candidates(project);
        boolean reserved = rules.reservation(project).isPresent();
        return next(project, candidates, 0, reserved, loop);
    }

    private CompletableFuture<Resolution> next(String project, List<PypiConfig.Upstream> candidates, int i,
            boolean reserved, EventLoop loop) {
        if (i >= candidates.size()) {
            return CompletableFuture.completedFuture(new NotFound(reserved,
                    reserved ? candidates.get(0).name() : ""));
        }
        PypiConfig.Upstream u = candidates.get(i);
        String key = u.name() + "\u0000" + project;
        Cached cached = pages.getIfPresent(key);
        if (cached instanceof Page p) {
            return CompletableFuture.completedFuture(new Found(u, p.page()));
        }
        if (cached instanceof Missing) {
            return next(project, candidates, i + 1, reserved, loop);
        }
        // One fetch per (upstream, project) at a time: a crowd of first requests costs one page, in bytes
        // upstream and in memory here.
        SingleFlight.Flight<Cached> flight = flights.join(key);
        if (flight.leader()) {
            try {
                fetchPage(u, project, key, loop).whenComplete((c, e) -> flight.complete(
                        e == null ? c : new Failure(new Failed(u.name(), "internal error", false))));
            } catch (RuntimeException e) {
                flight.complete(new Failure(new Failed(u.name(), "internal error", false)));
                throw e;
            }
        }
        return flight.result().thenCompose(c -> {
            if (c instanceof Page p) {
                return CompletableFuture.<Resolution>completedFuture(new Found(u, p.page()));
            }
            if (c instanceof Failure f) {
                return CompletableFuture.<Resolution>completedFuture(f.failed());
            }
            return next(project, candidates, i + 1, reserved, loop);
        });
    }

    /** Fetches and parses one upstream's page, caching what it learns; never completes exceptionally. */
    private CompletableFuture<Cached> fetchPage(PypiConfig.Upstream u, String project, String key, EventLoop loop) {
        URI pageUrl = URI.create(base(u) + project + "/");
        HttpHeaders headers = headersFor(u);
        Validated known = validators.getIfPresent(key);
        if (known != null) {
            if (known.etag() != null) {
                headers.set(HttpHeaderNames.IF_NONE_MATCH, known.etag());
            }
            if (known.lastModified() != null) {
                headers.set(HttpHeaderNames.IF_MODIFIED_SINCE, known.lastModified());
            }
        }
        UpstreamRequest req = new UpstreamRequest(HttpMethod.GET, pageUrl, headers, RedirectPolicy.NONE);
        // Parsed off the event loops, a few pages at a time: a 60 MB page takes a second to read, and no other
        // request on the loop that fetched it may wait for that (SimpleCodec bounds its time and what it keeps).
        return metadata(req, loop).handleAsync((r, error) -> {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
                boolean timeout = cause instanceof UpstreamException ue && ue.kind() == UpstreamException.Kind.TIMEOUT;
                String why = cause instanceof UpstreamException ue ? ue.kind().name().toLowerCase(java.util.Locale.ROOT)
                        + ": " + cause.getMessage() : "internal error";
                dev.dualtrack.proxy.ops.UpstreamFailures.report("index '" + u.name() + "'", "the page of " + project,
                        cause instanceof UpstreamException ? why : dev.dualtrack.proxy.ops.Causes.describe(cause));
                return new Failure(new Failed(u.name(), why, timeout));
            }
            if (r.status() == 304 && known != null) {
                pages.put(key, new Page(known.page()));
                return new Page(known.page());
            }
            if (r.status() == 404 || r.status() == 410) {
                Missing m = new Missing();
                pages.put(key, m);
                return m;
            }
            if (r.status() != 200) {
                dev.dualtrack.proxy.ops.UpstreamFailures.report("index '" + u.name() + "'", "the page of " + project,
                        "answered HTTP " + r.status() + (r.status() == 401 || r.status() == 403 ? " (is its token "
                                + "set and valid?)" : ""));
                return new Failure(new Failed(u.name(), "answered " + r.status() + " for " + project, false));
            }
            try {
                SimplePage page = SimpleCodec.parse(r.body(), r.headers().get(HttpHeaderNames.CONTENT_TYPE), pageUrl,
                        project);
                pages.put(key, new Page(page));
                String etag = r.headers().get(HttpHeaderNames.ETAG);
                String lastModified = r.headers().get(HttpHeaderNames.LAST_MODIFIED);
                if (etag != null || lastModified != null) {
                    validators.put(key, new Validated(page, etag, lastModified));
                }
                return new Page(page);
            } catch (SimpleCodec.UnreadablePageException e) {
                dev.dualtrack.proxy.ops.UpstreamFailures.report("index '" + u.name() + "'", "the page of " + project,
                        e.getMessage());
                return new Failure(new Failed(u.name(), e.getMessage(), false));
            }
        }, PARSERS);
    }

    /**
     * Where pages are parsed: two threads (the pages of a crowd of different projects queue rather than all being
     * held half-parsed at once), daemon, named for thread dumps.
     */
    private static final java.util.concurrent.Executor PARSERS = java.util.concurrent.Executors.newFixedThreadPool(2,
            r -> {
                Thread t = new Thread(r, "dualtrack-page-parser");
                t.setDaemon(true);
                return t;
            });

    /**
     * A bounded metadata fetch (a page, an API answer): at most {@link #MAX_PAGE_BYTES}, and done within the
     * client's metadata deadline however slowly the bytes trickle in.
     */
    public CompletableFuture<BodyCollector.Response> metadata(UpstreamRequest request, EventLoop loop) {
        return BodyCollector.fetch(client, loop, request, MAX_PAGE_BYTES);
    }

    static String base(PypiConfig.Upstream u) {
        String s = u.url().toString();
        return s.endsWith("/") ? s : s + "/";
    }

    /** Request headers for an upstream, with its credentials from the environment. */
    HttpHeaders headersFor(PypiConfig.Upstream u) {
        HttpHeaders h = new DefaultHttpHeaders().set(HttpHeaderNames.ACCEPT, ACCEPT);
        u.auth().ifPresent(a -> {
            if (a.bearerEnv().isPresent()) {
                secrets.get(a.bearerEnv().get()).ifPresent(t -> h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + t));
            } else {
                String user = secrets.get(a.usernameEnv().orElseThrow()).orElse("");
                String pass = secrets.get(a.passwordEnv().orElseThrow()).orElse("");
                h.set(HttpHeaderNames.AUTHORIZATION, "Basic " + Base64.getEncoder()
                        .encodeToString((user + ":" + pass).getBytes(StandardCharsets.UTF_8)));
            }
        });
        return h;
    }
}
