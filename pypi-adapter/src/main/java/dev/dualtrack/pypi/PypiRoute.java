package dev.dualtrack.pypi;

import dev.dualtrack.pypi.policy.Filenames;
import dev.dualtrack.pypi.policy.PackagePolicy;
import dev.dualtrack.pypi.simple.SimpleCodec;
import dev.dualtrack.pypi.provenance.AttestationGate;
import dev.dualtrack.pypi.simple.SimpleFile;
import dev.dualtrack.pypi.simple.SimpleFormat;
import dev.dualtrack.pypi.simple.SimplePage;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.policy.Judge;
import dev.dualtrack.proxy.relay.BlobFetcher;
import dev.dualtrack.proxy.relay.FetchSpec;
import dev.dualtrack.proxy.relay.Refusal;
import dev.dualtrack.proxy.relay.Refusals;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.server.Route;
import dev.dualtrack.proxy.upstream.RedirectPolicy;
import dev.dualtrack.proxy.upstream.UpstreamRequest;
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
    private final com.github.benmanes.caffeine.cache.Cache<String, Rendered> rendered =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(10_000)
                    .expireAfterWrite(java.time.Duration.ofSeconds(5)).build();

    private record Rendered(SimplePage source, byte[] body, List<PackagePolicy.Decision> hidden,
            List<PackagePolicy.Kept> letThrough) {
    }

    private final PypiGates gates;

    public PypiRoute(ProjectResolver resolver, BlobFetcher fetcher, DecisionRecorder recorder, PackagePolicy policy) {
        this(resolver, fetcher, recorder, policy, Judge.enforcing());
    }

    /** With the {@code policy} section's judge (actions, monitor mode, waivers). */
    public PypiRoute(ProjectResolver resolver, BlobFetcher fetcher, DecisionRecorder recorder, PackagePolicy policy,
            Judge judge) {
        this.gates = new PypiGates(policy, judge, recorder);
        this.resolver = resolver;
        this.fetcher = fetcher;
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
        // Resolution completes on this connection's event loop (a cache hit at once, a fetch from its listener).
        then(ex, resolver.resolve(normalized, ex.eventLoop()), (res, error) -> {
            if (error != null) {
                lookupFailed(ex, error);
                return;
            }
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
                        Rendered made = new Rendered(found.page(), SimpleCodec.render(page, format.get(),
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
        ex.respond(HttpResponseStatus.OK, format.mediaType, r.body(), h);
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
            Optional<String> sha = metadata ? Optional.ofNullable(f.get().coreMetadata().get().get("sha256"))
                    : f.get().sha256();
            String link = f.get().url() + (metadata ? ".metadata" : "");
            FileOrigins origins = origins(found.upstream());
            if (fleetFirstSeen.isPresent() && f.get().sha256().isPresent()) {
                // Fleet mode: the first hash any replica saw for this file decides, before the other gates.
                then(ex, fleetFirstSeen.get().confirm("pypi", project, distribution, f.get().sha256().get()),
                        (answer, e) -> attested(ex, found, f.get(), filename, sha, origins, link, metadata,
                                PypiGates.fleetBlocks(answer, distribution)));
                return;
            }
            attested(ex, found, f.get(), filename, sha, origins, link, metadata, List.of());
        });
    }

    /**
     * The PEP 740 gate, for a distribution (not its .metadata): attestations fetched and verified before any
     * byte, when the project must be attested; then the other gates and the fetch.
     */
    private void attested(Exchange ex, ProjectResolver.Found found, SimpleFile f, String filename,
            Optional<String> sha, FileOrigins origins, String link, boolean metadata,
            List<dev.dualtrack.scanner.Verdict> earlier) {
        if (metadata) {
            fetch(ex, found, f, filename, sha, origins, link, metadata, earlier);
            return;
        }
        then(ex, attestations.check(found.page(), f, f.sha256(), integrityApi(found, f),
                url -> provenance(ex, found, origins, url)),
                (outcome, e) -> {
                    List<dev.dualtrack.scanner.Verdict> all = new java.util.ArrayList<>(earlier);
                    all.addAll(outcome.blocks());
                    gates.warn(ex, found.page().name(), f, outcome.warnings());
                    fetch(ex, found, f, filename, sha, origins, link, metadata, all);
                });
    }

    /** PyPI's Integrity API address for a file: {@code /integrity/<project>/<version>/<filename>/provenance}. */
    private static Optional<String> integrityApi(ProjectResolver.Found found, SimpleFile f) {
        String project = found.page().name();
        return Filenames.version(project, f.filename()).map(v -> {
            URI index = found.upstream().url();
            return index.resolve("/integrity/" + URLEncoder.encode(project, StandardCharsets.UTF_8) + "/"
                    + URLEncoder.encode(v, StandardCharsets.UTF_8) + "/" + URLEncoder.encode(f.filename(),
                    StandardCharsets.UTF_8) + "/provenance").toString();
        });
    }

    /** A provenance object from the file's own index, under the same origin rules as its files. */
    private java.util.concurrent.CompletableFuture<AttestationGate.Fetched> provenance(Exchange ex,
            ProjectResolver.Found found, FileOrigins origins, String url) {
        if (origins.refusal(url).isPresent()) {
            return java.util.concurrent.CompletableFuture.failedFuture(new IllegalArgumentException(
                    "provenance URL outside the index's origins"));
        }
        HttpHeaders headers = resolver.headersFor(found.upstream()).set(HttpHeaderNames.ACCEPT,
                "application/vnd.pypi.integrity.v1+json");
        if (!origins.sendsCredentials(url)) {
            headers.remove(HttpHeaderNames.AUTHORIZATION);
        }
        return resolver.metadata(new UpstreamRequest(HttpMethod.GET, URI.create(url), headers, RedirectPolicy.NONE),
                ex.eventLoop()).thenApply(r -> new AttestationGate.Fetched(r.status(), r.body()));
    }

    private AttestationGate attestations = new AttestationGate(List.of(), dev.dualtrack.config.RuleAction.WARN,
            dev.dualtrack.provenance.TrustedRoot.production(), Runnable::run);

    /** PEP 740: the projects that must be attested, the trusted root, and where verification runs. */
    public PypiRoute verifyAttestations(AttestationGate gate) {
        this.attestations = gate;
        return this;
    }

    /** The file's gates (with what the fleet's ledger said, if asked), then the fetch through the relay. */
    private void fetch(Exchange ex, ProjectResolver.Found found, SimpleFile f, String filename,
            Optional<String> sha, FileOrigins origins, String link, boolean metadata,
            List<dev.dualtrack.scanner.Verdict> fleet) {
        String project = found.page().name();
        if (!gates.admitFile(ex, found, f, filename, sha, origins, link, fleet)) {
            return; // refused, recorded and answered by the gates
        }
        URI source = URI.create(link);
        HttpHeaders headers = resolver.headersFor(found.upstream());
        headers.remove(HttpHeaderNames.ACCEPT);
        if (!origins.sendsCredentials(link)) {
            headers.remove(HttpHeaderNames.AUTHORIZATION);
        }
        DecisionRecorder.Subject subject = new DecisionRecorder.Subject(ex.clientAddress(), "pypi", project,
                filename, f.sha256().orElse(""));
        FetchSpec spec = FetchSpec.builder(subject, new UpstreamRequest(HttpMethod.GET, source, headers,
                        RedirectPolicy.NONE))
                .expectedSha256(sha.get())
                .version(Filenames.version(project, f.filename()))
                .hashMismatchRule(PypiRules.HASH_MISMATCH)
                .redirectRule(PypiRules.REDIRECT_HOST)
                .contentType(metadata ? "text/plain; charset=utf-8" : "application/octet-stream")
                .build();
        fetcher.serve(ex, spec);
    }

    private Optional<dev.dualtrack.proxy.store.SharedFirstSeen> fleetFirstSeen = Optional.empty();

    /** Fleet mode: the first-seen ledger shared with the other replicas. */
    public PypiRoute shareFirstSeen(dev.dualtrack.proxy.store.SharedFirstSeen ledger) {
        this.fleetFirstSeen = Optional.of(ledger);
        return this;
    }

    private FileOrigins origins(dev.dualtrack.config.PypiConfig.Upstream u) {
        return fileOrigins.computeIfAbsent(u.name(), k -> new FileOrigins(u));
    }

    /** {@code /pypi/<project>/json} and {@code /pypi/<project>/<version>/json}. */
    private void jsonApi(Exchange ex, PypiPath p) {
        String project = p.project();
        String version = p.version().orElse(null);
        then(ex, resolver.resolve(project, ex.eventLoop()), (res, error) -> {
            if (error != null || !(res instanceof ProjectResolver.Found found)) {
                if (error == null) {
                    answerMissing(ex, project, res);
                } else {
                    lookupFailed(ex, error);
                }
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
