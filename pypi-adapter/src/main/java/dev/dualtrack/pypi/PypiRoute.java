package dev.dualtrack.pypi;

import dev.dualtrack.proxy.gate.Gate;
import dev.dualtrack.proxy.gate.Refusal;
import dev.dualtrack.proxy.gate.Refusals;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.policy.Judge;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.relay.BlobFetcher;
import dev.dualtrack.proxy.relay.FetchSpec;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.server.Route;
import dev.dualtrack.proxy.store.SharedFirstSeen;
import dev.dualtrack.proxy.upstream.RedirectPolicy;
import dev.dualtrack.proxy.upstream.UpstreamRequest;
import dev.dualtrack.pypi.policy.Filenames;
import dev.dualtrack.pypi.policy.PackagePolicy;
import dev.dualtrack.pypi.provenance.AttestationGate;
import dev.dualtrack.pypi.simple.SimpleCodec;
import dev.dualtrack.pypi.simple.SimpleFile;
import dev.dualtrack.pypi.simple.SimpleFormat;
import dev.dualtrack.pypi.simple.SimplePage;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Track 1's routes under {@code /pypi}:
 *
 * <table>
 *   <caption>Routes</caption>
 *   <tr><td>{@code /pypi/simple/}</td><td>the project list (only projects this process has seen)</td></tr>
 *   <tr><td>{@code /pypi/simple/<project>/}</td><td>a project page, HTML or JSON by negotiation; names that
 *       are not normalized, or lack the slash, get a 301</td></tr>
 *   <tr><td>{@code /pypi/files/<project>/<filename>}</td><td>the file, fetched from its owner upstream and
 *       verified against the index's sha256 as it streams</td></tr>
 *   <tr><td>{@code /pypi/files/<project>/<filename>.metadata}</td><td>its PEP 658 core metadata</td></tr>
 * </table>
 *
 * File URLs are stable and carry the exact filename as their last segment; clients are never sent upstream.
 */
public final class PypiRoute implements Route {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PypiRoute.class);
    private final java.util.concurrent.ConcurrentHashMap<String, FileOrigins> fileOrigins =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final ProjectResolver resolver;
    private final BlobFetcher fetcher;
    /**
     * Rendered pages for a few seconds: a hot project page is then one cache lookup and a write. The entry is
     * used only while the resolver still holds the same page object, so a refreshed upstream page re-renders.
     */
    private final com.github.benmanes.caffeine.cache.Cache<String, Rendered> rendered;

    /**
     * A page as filtered and rendered once for all its clients. Up to {@link #DIRECT_UP_TO} its bytes are kept in
     * direct memory and every response writes a view of them: a heap array is copied into direct memory by the
     * transport on every write, and for the 46 KB HTML page of 203 links that copy held dualtrack at 0.91x nginx's
     * request rate at 1,000 connections (1.02x without it). A larger page stays an array, which
     * {@link Exchange#respond} writes a slice at a time as the socket drains; either way one copy per page.
     */
    private record Rendered(SimplePage source, java.nio.ByteBuffer direct, byte[] large,
            List<PackagePolicy.Decision> hidden, List<PackagePolicy.Kept> letThrough) {
        static Rendered of(SimplePage source, byte[] body, List<PackagePolicy.Decision> hidden,
                List<PackagePolicy.Kept> letThrough) {
            return body.length <= DIRECT_UP_TO
                    ? new Rendered(source, java.nio.ByteBuffer.allocateDirect(body.length).put(body).flip()
                            .asReadOnlyBuffer(), null, hidden, letThrough)
                    : new Rendered(source, null, body, hidden, letThrough);
        }

        /** Its bytes, and a rough allowance for the decisions kept beside them. */
        int weight() {
            return (direct != null ? direct.capacity() : large.length) + 256 * (hidden.size() + letThrough.size());
        }
    }

    /** Pages up to this are kept in direct memory (above it, Exchange writes slices of the array). */
    private static final int DIRECT_UP_TO = 256 * 1024;
    /** What rendered pages may hold at once; a page is rendered again when it is asked for after eviction. */
    private static final long RENDERED_MAX_BYTES = 64L << 20;

    private final PypiGates gates;
    /** The distributions' declared licenses ({@code licenses}), judged before their bytes, kept for the AI-BOM. */
    private final PypiLicenseGate licenses;
    /** The AI-BOM of a release, from what this route served ({@code /-/bom/pypi/...} on the admin listener). */
    private final PypiBom bom;

    /** The admin route that answers the AI-BOM of a release. */
    public dev.dualtrack.proxy.server.Route bom() {
        return bom;
    }
    /** A file's gates, in order ({@link PypiGates#fileGates}). */
    private final List<Gate<? super PypiFile>> fileGates;

    public PypiRoute(ProjectResolver resolver, BlobFetcher fetcher, DecisionRecorder recorder, PackagePolicy policy) {
        this(resolver, fetcher, recorder, policy, Judge.enforcing());
    }

    /** With the {@code policy} section's judge (actions, monitor mode, waivers). */
    public PypiRoute(ProjectResolver resolver, BlobFetcher fetcher, DecisionRecorder recorder, PackagePolicy policy,
            Judge judge) {
        this(resolver, fetcher, recorder, policy, judge, new AttestationGate(List.of(),
                dev.dualtrack.config.RuleAction.WARN, dev.dualtrack.provenance.TrustedRoot.production(),
                Runnable::run), Optional.empty());
    }

    /**
     * As {@code serve} runs it: with PEP 740 verification ({@code attestations}: the projects that must be
     * attested, the trusted root, where verification runs) and, in fleet mode, the first-seen ledger shared with
     * the other replicas.
     */
    public PypiRoute(ProjectResolver resolver, BlobFetcher fetcher, DecisionRecorder recorder, PackagePolicy policy,
            Judge judge, AttestationGate attestations, Optional<SharedFirstSeen> fleetFirstSeen) {
        this(resolver, fetcher, recorder, policy, judge, attestations, fleetFirstSeen,
                dev.dualtrack.proxy.cache.Caches.standalone());
    }

    /** As {@code serve} runs it, with the runtime's caches. */
    public PypiRoute(ProjectResolver resolver, BlobFetcher fetcher, DecisionRecorder recorder, PackagePolicy policy,
            Judge judge, AttestationGate attestations, Optional<SharedFirstSeen> fleetFirstSeen,
            dev.dualtrack.proxy.cache.Caches caches) {
        this(resolver, fetcher, recorder, policy, judge, attestations, fleetFirstSeen, caches,
                new dev.dualtrack.proxy.access.AccessControl(dev.dualtrack.config.AccessConfig.open()));
    }

    /** As {@code serve} runs it: with the runtime's caches and who may pull what ({@code access}). */
    public PypiRoute(ProjectResolver resolver, BlobFetcher fetcher, DecisionRecorder recorder, PackagePolicy policy,
            Judge judge, AttestationGate attestations, Optional<SharedFirstSeen> fleetFirstSeen,
            dev.dualtrack.proxy.cache.Caches caches, dev.dualtrack.proxy.access.AccessControl access) {
        this(resolver, fetcher, recorder, policy, judge, attestations, fleetFirstSeen, caches, access,
                dev.dualtrack.config.LicensesConfig.off());
    }

    /** As {@code serve} runs it, with the {@code licenses} section judged on every distribution file. */
    public PypiRoute(ProjectResolver resolver, BlobFetcher fetcher, DecisionRecorder recorder, PackagePolicy policy,
            Judge judge, AttestationGate attestations, Optional<SharedFirstSeen> fleetFirstSeen,
            dev.dualtrack.proxy.cache.Caches caches, dev.dualtrack.proxy.access.AccessControl access,
            dev.dualtrack.config.LicensesConfig licenses) {
        this.licenses = new PypiLicenseGate(licenses, caches);
        this.bom = new PypiBom(recorder.served(), this.licenses, attestations);
        // Bounded by bytes, not by count: ten thousand large pages rendered within a few seconds would otherwise
        // all be held (in direct memory, for pages up to DIRECT_UP_TO).
        this.rendered = caches.weighed("pypi-rendered-pages", RENDERED_MAX_BYTES, java.time.Duration.ofSeconds(5),
                Rendered::weight);
        this.gates = new PypiGates(policy, judge, recorder, access, caches);
        this.resolver = resolver;
        this.fetcher = fetcher;
        this.fileGates = gates.fileGates(fleetFirstSeen, attestations, this::provenance, this.licenses,
                this::fromIndex, fetcher.known().gate());
    }

    @Override
    public void handle(Exchange ex) {
        if (!ex.method().equals(HttpMethod.GET) && !ex.method().equals(HttpMethod.HEAD)) {
            ex.respondText(HttpResponseStatus.METHOD_NOT_ALLOWED, "the index is read-only\n");
            return;
        }
        // The raw path, parsed and validated segment by segment: nothing decoded twice, nothing resolved.
        String raw = ex.uri();
        int q = raw.indexOf('?');
        PypiPath p = PypiPath.parse((q < 0 ? raw : raw.substring(0, q)).substring("/pypi".length()));
        switch (p.kind()) {
            case INDEX -> index(ex);
            case PROJECT -> project(ex, p);
            case FILE, METADATA -> file(ex, p);
            case JSON_API -> jsonApi(ex, p);
            default -> ex.respondText(HttpResponseStatus.NOT_FOUND, "not a PyPI route, or not a valid project name, "
                    + "version or distribution filename (use --index-url http://HOST:PORT/pypi/simple/)\n");
        }
    }

    private static <T> void then(Exchange ex, java.util.concurrent.CompletionStage<T> f,
            java.util.function.BiConsumer<T, Throwable> body) {
        dev.dualtrack.proxy.server.Callbacks.then(ex, f, body);
    }

    /** What a client is told when an index could not be asked: never the upstream's own words or bytes. */
    private static void lookupFailed(Exchange ex, Throwable error) {
        LOG.warn("index lookup failed for {}: {}", ex.path(), error.toString());
        ex.respondText(HttpResponseStatus.BAD_GATEWAY, "index lookup failed\n");
    }

    private static Optional<SimpleFormat> negotiate(Exchange ex) {
        List<String> fmt = ex.query().parameters().get("format");
        return SimpleFormat.negotiate(ex.headers().get(HttpHeaderNames.ACCEPT), fmt == null ? null : fmt.get(0));
    }

    private void index(Exchange ex) {
        Optional<SimpleFormat> format = negotiate(ex);
        if (format.isEmpty()) {
            notAcceptable(ex);
            return;
        }
        // PyPI's own list is hundreds of thousands of names that no installer reads; we list none.
        byte[] body = format.get().json()
                ? ("{\"meta\":{\"api-version\":\"" + SimpleFormat.API_VERSION + "\"},\"projects\":[]}")
                        .getBytes(StandardCharsets.UTF_8)
                : ("<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\""
                        + SimpleFormat.API_VERSION + "\"><title>Simple index</title></head><body></body></html>\n")
                        .getBytes(StandardCharsets.UTF_8);
        ex.respond(HttpResponseStatus.OK, format.get().mediaType, body,
                new DefaultHttpHeaders().set(HttpHeaderNames.VARY, "Accept"));
    }

    private void project(Exchange ex, PypiPath p) {
        String normalized = p.project();
        if (!p.trailingSlash() || !normalized.equals(p.name())) {
            String q = ex.uri().contains("?") ? ex.uri().substring(ex.uri().indexOf('?')) : "";
            ex.respond(HttpResponseStatus.MOVED_PERMANENTLY, "text/plain; charset=utf-8", new byte[0],
                    new DefaultHttpHeaders().set(HttpHeaderNames.LOCATION, "/pypi/simple/" + normalized + "/" + q));
            return;
        }
        Optional<SimpleFormat> format = negotiate(ex);
        if (format.isEmpty()) {
            notAcceptable(ex);
            return;
        }
        resolveFor(ex, normalized, res -> {
            if (!(res instanceof ProjectResolver.Found found)) {
                answerMissing(ex, normalized, res);
                return;
            }
            Optional<Refusal> hidden = gates.hiddenProject(ex, found);
            if (hidden.isPresent()) {
                hiddenProject(ex, hidden.get());
                return;
            }
            String key = normalized + "\u0000" + format.get().name();
            Rendered r = rendered.getIfPresent(key);
            if (r != null && r.source() == found.page()) {
                answerPage(ex, normalized, format.get(), r);
                return;
            }
            // Filtering and rendering a large page takes time and memory: off the event loop, once for a crowd.
            CompletableFuture<Rendered> flight = new CompletableFuture<>();
            CompletableFuture<Rendered> running = rendering.putIfAbsent(key, flight);
            if (running == null) {
                RENDERERS.execute(() -> {
                    try {
                        PackagePolicy.Filtered filtered = gates.filterPage(ex, found);
                        SimplePage page = filtered.page();
                        Rendered made = Rendered.of(found.page(), SimpleCodec.render(page, format.get(),
                                f -> fileUrl(page.name(), f)), filtered.hidden(), filtered.letThrough());
                        rendered.put(key, made);
                        rendering.remove(key, flight);
                        flight.complete(made);
                    } catch (RuntimeException | Error failure) {
                        rendering.remove(key, flight);
                        flight.completeExceptionally(failure);
                    }
                });
                running = flight;
            }
            then(ex, running, (made, failure) -> {
                if (failure != null) {
                    LOG.error("rendering the page of {} failed", normalized, failure);
                    ex.respondText(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the page could not be rendered\n");
                    return;
                }
                answerPage(ex, normalized, format.get(), made);
            });
        });
    }

    private void answerPage(Exchange ex, String project, SimpleFormat format, Rendered r) {
        gates.recordPage(ex, project, r.hidden(), r.letThrough());
        HttpHeaders h = new DefaultHttpHeaders().set(HttpHeaderNames.VARY, "Accept")
                .set(HttpHeaderNames.CACHE_CONTROL, "max-age=60");
        if (r.direct() != null) {
            ex.respond(HttpResponseStatus.OK, format.mediaType, r.direct(), h);
        } else {
            ex.respond(HttpResponseStatus.OK, format.mediaType, r.large(), h);
        }
    }

    /** Pages being filtered and rendered now, by project and format: concurrent first requests share one. */
    private final java.util.concurrent.ConcurrentHashMap<String, CompletableFuture<Rendered>> rendering =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Where pages are filtered and rendered: two daemon threads, off the event loops. */
    private static final java.util.concurrent.ExecutorService RENDERERS = java.util.concurrent.Executors
            .newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "dualtrack-page-render");
                t.setDaemon(true);
                return t;
            });

    /** dualtrack's stable URL for a file: root-relative, the exact filename last. */
    static String fileUrl(String project, SimpleFile f) {
        return "/pypi/files/" + project + "/" + URLEncoder.encode(f.filename(), StandardCharsets.UTF_8)
                .replace("+", "%2B");
    }

    private void file(Exchange ex, PypiPath p) {
        String project = p.project();
        boolean metadata = p.kind() == PypiPath.Kind.METADATA;
        String distribution = p.filename();
        String filename = metadata ? distribution + ".metadata" : distribution;
        if (denied(ex, project, Optional.empty())) {
            return; // never asked of any index
        }
        then(ex, resolver.resolve(project, ex.eventLoop()), (res, error) -> {
            if (error != null) {
                lookupFailed(ex, error);
                return;
            }
            if (!(res instanceof ProjectResolver.Found found)) {
                answerMissing(ex, project, res);
                return;
            }
            // Only a file the owning index's page lists, under exactly this name, is ever fetched.
            Optional<SimpleFile> f = found.page().file(distribution);
            if (f.isEmpty() || (metadata && f.get().coreMetadata().isEmpty())) {
                ex.respondText(HttpResponseStatus.NOT_FOUND, "no file " + filename + " in project " + project + "\n");
                return;
            }
            PypiFile request = request(ex, found, f.get(), filename, metadata);
            gates.runner().run(request, fileGates, admitted -> fetcher.deliver(ex, request.spec(), admitted));
        });
    }

    /** The request record of a file: what the gates read, and the fetch they guard. */
    private PypiFile request(Exchange ex, ProjectResolver.Found found, SimpleFile f, String filename,
            boolean metadata) {
        String project = found.page().name();
        Optional<String> sha = metadata ? Optional.ofNullable(f.coreMetadata().get().get("sha256")) : f.sha256();
        String link = f.url() + (metadata ? ".metadata" : "");
        FileOrigins origins = origins(found.upstream());
        HttpHeaders headers = resolver.headersFor(found.upstream());
        headers.remove(HttpHeaderNames.ACCEPT);
        if (!origins.sendsCredentials(link)) {
            headers.remove(HttpHeaderNames.AUTHORIZATION);
        }
        Subject subject = PypiGates.subject(ex, project, filename, sha.orElse(""));
        if (origins.refusal(link).isPresent()) {
            // Not a URL dualtrack would fetch (another host, a file: or ftp: link): the file-host gate refuses it
            // before anything reads the fetch.
            return new PypiFile(ex, found, f, filename, metadata, sha, origins, link, subject, null);
        }
        FetchSpec.Builder builder = FetchSpec.builder(subject, new UpstreamRequest(HttpMethod.GET, URI.create(link),
                headers, RedirectPolicy.NONE));
        if (licenses.readsInFlight(f, metadata)) {
            String upstream = found.upstream().name();
            builder.inspector(licenses.inspection(), () -> licenses.inspector(upstream, f.filename()));
        }
        FetchSpec spec = builder
                .expectedSha256(sha)
                .version(Filenames.version(project, f.filename()))
                .hashMismatchRule(PypiRules.HASH_MISMATCH)
                .redirectRule(PypiRules.REDIRECT_HOST)
                .contentType(metadata ? "text/plain; charset=utf-8" : "application/octet-stream")
                .build();
        return new PypiFile(ex, found, f, filename, metadata, sha, origins, link, subject, spec);
    }

    /** Another object of the file's own index (its core metadata), under the same origin rules as its files. */
    private CompletableFuture<dev.dualtrack.proxy.upstream.BodyCollector.Response> fromIndex(PypiFile r, String url) {
        if (r.origins().refusal(url).isPresent()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("URL outside the index's origins"));
        }
        HttpHeaders headers = resolver.headersFor(r.found().upstream());
        headers.remove(HttpHeaderNames.ACCEPT);
        if (!r.origins().sendsCredentials(url)) {
            headers.remove(HttpHeaderNames.AUTHORIZATION);
        }
        return resolver.metadata(new UpstreamRequest(HttpMethod.GET, URI.create(url), headers, RedirectPolicy.NONE),
                r.exchange().eventLoop());
    }

    /** A provenance object from the file's own index, under the same origin rules as its files. */
    private CompletableFuture<AttestationGate.Fetched> provenance(PypiFile r, String url) {
        if (r.origins().refusal(url).isPresent()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "provenance URL outside the index's origins"));
        }
        HttpHeaders headers = resolver.headersFor(r.found().upstream()).set(HttpHeaderNames.ACCEPT,
                "application/vnd.pypi.integrity.v1+json");
        if (!r.origins().sendsCredentials(url)) {
            headers.remove(HttpHeaderNames.AUTHORIZATION);
        }
        return resolver.metadata(new UpstreamRequest(HttpMethod.GET, URI.create(url), headers, RedirectPolicy.NONE),
                r.exchange().eventLoop()).thenApply(a -> new AttestationGate.Fetched(a.status(), a.body()));
    }

    private FileOrigins origins(dev.dualtrack.config.PypiConfig.Upstream u) {
        return fileOrigins.computeIfAbsent(u.name(), k -> new FileOrigins(u));
    }

    /** {@code /pypi/<project>/json} and {@code /pypi/<project>/<version>/json}. */
    private void jsonApi(Exchange ex, PypiPath p) {
        String project = p.project();
        String version = p.version().orElse(null);
        resolveFor(ex, project, res -> {
            if (!(res instanceof ProjectResolver.Found found)) {
                answerMissing(ex, project, res);
                return;
            }
            Optional<Refusal> hidden = gates.hiddenProject(ex, found);
            if (hidden.isPresent()) {
                hiddenProject(ex, hidden.get());
                return;
            }
            Optional<String> url = JsonApi.upstreamUrl(ProjectResolver.base(found.upstream()), project, version);
            if (url.isEmpty()) {
                ex.respondText(HttpResponseStatus.NOT_FOUND, "index '" + found.upstream().name()
                        + "' has no JSON API\n");
                return;
            }
            java.util.Set<String> allowed = new java.util.HashSet<>();
            gates.filterPage(ex, found).page().files().forEach(f -> allowed.add(f.filename()));
            then(ex, resolver.metadata(new UpstreamRequest(HttpMethod.GET, URI.create(url.get()),
                            resolver.headersFor(found.upstream()).set(HttpHeaderNames.ACCEPT, "application/json"),
                            RedirectPolicy.NONE), ex.eventLoop()), (r, e) -> {
                        if (e != null) {
                            LOG.warn("JSON API fetch failed for {}: {}", project, e.toString());
                            ex.respondText(HttpResponseStatus.BAD_GATEWAY, "JSON API fetch failed\n");
                        } else if (r.status() != 200) {
                            Refusals.PLAIN.upstreamStatus(ex, r.status(), "from the JSON API");
                        } else {
                            try {
                                byte[] body = JsonApi.filter(r.body(), allowed, name -> fileUrl(project,
                                        found.page().file(name).orElseThrow()));
                                ex.respond(HttpResponseStatus.OK, "application/json", body, null);
                            } catch (java.io.IOException | RuntimeException bad) {
                                LOG.warn("unreadable JSON API answer for {}: {}", project, bad.toString());
                                ex.respondText(HttpResponseStatus.BAD_GATEWAY, "unreadable JSON API answer\n");
                            }
                        }
                    });
        });
    }

    /**
     * Resolves a project for a page or JSON API request its principal may have: refused before any index is asked
     * when it may not have the project, and once resolved when it may not read the index that owns it. The index
     * that owns a name is asked with its credentials whoever asks (so an internal name never falls through to
     * PyPI); what it answers reaches only principals that may read it.
     */
    private void resolveFor(Exchange ex, String project, java.util.function.Consumer<ProjectResolver.Resolution> then) {
        if (denied(ex, project, Optional.empty())) {
            return;
        }
        // Resolution completes on this connection's event loop (a cache hit at once, a fetch from its listener).
        then(ex, resolver.resolve(project, ex.eventLoop()), (res, error) -> {
            if (error != null) {
                lookupFailed(ex, error);
            } else if (!(res instanceof ProjectResolver.Found found) || !denied(ex, project, Optional.of(found))) {
                then.accept(res);
            }
        });
    }

    /** Refuses (403, recorded) a request whose principal may not have the project or its index. */
    private boolean denied(Exchange ex, String project, Optional<ProjectResolver.Found> found) {
        Optional<Refusal> refusal = gates.deniedPage(ex, project, found);
        refusal.ifPresent(r -> Refusals.PLAIN.refuse(ex, r));
        return refusal.isPresent();
    }

    private void answerMissing(Exchange ex, String project, ProjectResolver.Resolution res) {
        if (res instanceof ProjectResolver.Failed failed) {
            // The reason is ours (a status, a timeout, an unreadable page), never the upstream's body.
            ex.respondText(failed.timeout() ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
                    "index '" + failed.upstream() + "' failed for " + project + ": " + failed.reason()
                            + " (its projects never fall through to later indexes)\n");
            return;
        }
        ProjectResolver.NotFound nf = (ProjectResolver.NotFound) res;
        if (nf.reserved()) {
            hiddenProject(ex, gates.reservedName(ex, project, nf.owner()));
            return;
        }
        ex.respondText(HttpResponseStatus.NOT_FOUND, "no index has project " + project + "\n");
    }

    /**
     * A hidden project is a 404, as if the index did not have it (resolvers then report "no matching
     * distribution"), with the rule and the decision in the headers and the text.
     */
    private static void hiddenProject(Exchange ex, Refusal r) {
        ex.outcome("blocked");
        HttpHeaders h = Refusals.refusalHeaders(r);
        ex.respond(HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8", ("dualtrack: " + r.verdict().rule()
                + ": " + r.verdict().reason() + " (decision " + r.decisionId() + ")\n").getBytes(StandardCharsets.UTF_8), h);
    }

    private static void notAcceptable(Exchange ex) {
        ex.respondText(HttpResponseStatus.NOT_ACCEPTABLE, "acceptable: " + SimpleFormat.JSON.mediaType + ", "
                + SimpleFormat.HTML_V1.mediaType + ", " + SimpleFormat.HTML.mediaType + "\n");
    }
}
