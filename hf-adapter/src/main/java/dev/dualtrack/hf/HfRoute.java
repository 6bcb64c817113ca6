package dev.dualtrack.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualtrack.config.HfConfig;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.relay.BlobFetcher;
import dev.dualtrack.proxy.relay.FetchSpec;
import dev.dualtrack.proxy.relay.ScannerInspector;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.server.Route;
import dev.dualtrack.proxy.upstream.BodyCollector;
import dev.dualtrack.proxy.upstream.RedirectPolicy;
import dev.dualtrack.proxy.upstream.UpstreamClient;
import dev.dualtrack.proxy.upstream.UpstreamException;
import dev.dualtrack.proxy.upstream.UpstreamRequest;
import dev.dualtrack.scanner.ScanPolicy;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * Track 2's routes under {@code /hf}; clients set {@code HF_ENDPOINT=http://HOST:PORT/hf}.
 *
 * <table>
 *   <caption>Routes</caption>
 *   <tr><td>{@code /api/{models,datasets}/{repo}[/revision/{rev}]}</td><td>repo info, Xet keys and known-blocked
 *       siblings removed</td></tr>
 *   <tr><td>{@code /api/.../tree/{rev}[/{path}]}</td><td>the listing, the same, with its next-page
 *       {@code Link} rewritten onto dualtrack</td></tr>
 *   <tr><td>{@code POST /api/.../paths-info/{rev}}</td><td>the same for the form and JSON bodies</td></tr>
 *   <tr><td>{@code HEAD|GET /[datasets/]{repo}/resolve/{rev}/{path}}</td><td>the file: the revision pinned to its
 *       commit, the Hub's HEAD contract answered by dualtrack, the bytes fetched by dualtrack (never a client
 *       redirect), verified against the LFS sha256 or the git blob id, and scanned as they stream</td></tr>
 *   <tr><td>{@code /api/.../xet-read-token/...}</td><td>refused: every byte goes through dualtrack</td></tr>
 * </table>
 */
public final class HfRoute implements Route {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HfRoute.class);
    /** Metadata answers are small; a listing page of a large repo stays well under this. */
    private static final int MAX_API_BYTES = 64 << 20;
    /** Hub headers worth passing on with API answers: rate limits and the request id for support. */
    private static final List<String> PASSED_HEADERS = List.of("RateLimit", "RateLimit-Policy", "Retry-After",
            "X-Request-Id", "X-Total-Count", "X-Error-Code", "X-Error-Message", "X-Repo-Commit");

    private final URI hub;
    private final HfConfig config;
    private final ScanPolicy scanPolicy;
    /** The name of this route's inspection, stored with every blob it commits ({@code FetchSpec.inspection}). */
    private final String inspection;
    private final Optional<String> upstreamToken;
    private final UpstreamClient client;
    private final RevisionResolver revisions;
    private final FileMetaLookup files;
    private final BlobFetcher fetcher;
    /** What listings taught of each file's sha256; listings are rewritten (Xet), never filtered. */
    private final ListingFilter listings;
    private final HubGates gates;
    /** The commits' declared licenses ({@code licenses}), judged before their files and kept for the AI-BOM. */
    private final LicenseGate licenses;
    /** The AI-BOM of a commit, from what this route served ({@code /-/bom/hf/...} on the admin listener). */
    private final HubBom bom;
    private final Optional<URI> publicUrl;
    private final dev.dualtrack.proxy.access.AccessControl access;

    private HfRoute(dev.dualtrack.proxy.ProxyRuntime runtime, Optional<String> upstreamToken,
            RevisionResolver revisions, FileMetaLookup files, ModelSignatureGate signatures) {
        this.licenses = new LicenseGate(runtime.config().licenses(), runtime.caches());
        this.bom = new HubBom(runtime.recorder().served(), licenses, signatures,
                sha -> runtime.blobCache().find(sha).map(dev.dualtrack.proxy.cache.BlobCache.Cached::blob));
        this.config = runtime.config().hf();
        this.hub = config.upstream();
        this.scanPolicy = HfScanPolicy.of(config);
        this.inspection = "scanner:" + scanPolicy.version();
        this.upstreamToken = upstreamToken;
        this.client = runtime.upstream();
        this.revisions = revisions;
        this.files = files;
        this.fetcher = runtime.fetcher();
        this.gates = new HubGates(config, fetcher.known(), new dev.dualtrack.proxy.gate.Gates(runtime.judge(),
                runtime.recorder()), runtime.access(), licenses,
                r -> (repo, commit) -> commitFile(r.exchange(), repo, commit, LicenseGate.CARD, r.authorization(),
                        dev.dualtrack.licenses.ModelCardLicense.MAX_CARD_BYTES),
                signatures, r -> (repo, commit) -> commitFile(r.exchange(), repo, commit,
                        dev.dualtrack.provenance.ModelSignature.FILE_NAME, r.authorization(), MAX_API_BYTES));
        this.publicUrl = runtime.config().listen().publicUrl();
        this.access = runtime.access();
        this.listings = new ListingFilter(runtime.caches());
    }

    /** The route with policy from the config's {@code hf} section, the token from the env; signatures unverified. */
    public static HfRoute create(dev.dualtrack.proxy.ProxyRuntime runtime, dev.dualtrack.config.Secrets secrets) {
        return create(runtime, secrets, dev.dualtrack.provenance.TrustedRoot.production(), Runnable::run);
    }

    /** As {@code serve} runs it: hf.signatures verified against {@code root}, verification on {@code verifyOn}. */
    public static HfRoute create(dev.dualtrack.proxy.ProxyRuntime runtime, dev.dualtrack.config.Secrets secrets,
            dev.dualtrack.provenance.TrustedRoot root, java.util.concurrent.Executor verifyOn) {
        HfConfig hf = runtime.config().hf();
        java.time.Duration ttl = runtime.config().cache().metadataTtl();
        Optional<String> token = hf.tokenEnv().flatMap(secrets::get);
        RevisionResolver revisions = new RevisionResolver(runtime.upstream(), hf.upstream(), token, ttl,
                runtime.caches(), runtime.sharedMetadata());
        FileMetaLookup files = new FileMetaLookup(runtime.upstream(), ttl, runtime.caches(), runtime.sharedMetadata());
        return new HfRoute(runtime, token, revisions, files, new ModelSignatureGate(hf.signatures(), root, verifyOn,
                runtime.caches()));
    }

    /** The admin route that answers the AI-BOM of a commit. */
    public dev.dualtrack.proxy.server.Route bom() {
        return bom;
    }

    @Override
    public void handle(Exchange ex) {
        String raw = ex.uri();
        int q = raw.indexOf('?');
        String rawPath = (q < 0 ? raw : raw.substring(0, q)).substring("/hf".length());
        HubPath p = HubPath.parse(rawPath);
        switch (p.kind()) {
            case XET_READ_TOKEN -> HubRefusals.answer(ex, HttpResponseStatus.FORBIDDEN, "dualtrack serves Hub files "
                    + "over HTTP only, so that every byte is verified and scanned; Xet is not available through it",
                    null);
            case UNKNOWN, RESOLVE_CACHE -> HubRefusals.answer(ex, HttpResponseStatus.NOT_FOUND, "dualtrack does not "
                    + "serve this Hub route: " + ex.path(), null);
            default -> {
                boolean post = ex.method().equals(HttpMethod.POST);
                boolean read = ex.method().equals(HttpMethod.GET) || ex.method().equals(HttpMethod.HEAD);
                if (p.kind() == HubPath.Kind.PATHS_INFO ? !post : !read) {
                    HubRefusals.answer(ex, HttpResponseStatus.METHOD_NOT_ALLOWED, "the Hub is read-only through "
                            + "dualtrack", null);
                    return;
                }
                HubFile.Early early = new HubFile.Early(ex, p, HubGates.subject(ex, p, ""));
                gates.runner().run(early, gates.requestGates(), admitted -> {
                    if (p.kind() == HubPath.Kind.RESOLVE) {
                        resolve(ex, p);
                    } else {
                        api(ex, p, rawPath, q < 0 ? "" : raw.substring(q));
                    }
                });
            }
        }
    }

    // ---- API: repo info, tree, paths-info -----------------------------------------------------------------------

    private void api(Exchange ex, HubPath p, String rawPath, String query) {
        HttpHeaders headers = new DefaultHttpHeaders().set(HttpHeaderNames.ACCEPT, "application/json");
        authorization(ex).ifPresent(a -> headers.set(HttpHeaderNames.AUTHORIZATION, a));
        byte[] body = new byte[0];
        HttpMethod method = ex.method().equals(HttpMethod.HEAD) ? HttpMethod.GET : ex.method();
        if (method.equals(HttpMethod.POST)) {
            body = ex.body();
            String type = ex.headers().get(HttpHeaderNames.CONTENT_TYPE);
            headers.set(HttpHeaderNames.CONTENT_TYPE, type == null ? "application/x-www-form-urlencoded" : type);
        }
        URI upstream = URI.create(base(hub) + rawPath + query);
        BodyCollector.fetch(client, ex.eventLoop(), new UpstreamRequest(method, upstream, headers,
                RedirectPolicy.NONE, body), MAX_API_BYTES).whenComplete(guarded(ex, (r, error) -> {
                    if (error != null) {
                        upstreamFailed(ex, error);
                    } else {
                        answerApi(ex, p, r);
                    }
                }));
    }

    private void answerApi(Exchange ex, HubPath p, BodyCollector.Response r) {
        HttpHeaders out = passed(r.headers());
        if (r.status() != 200) {
            // The Hub's own refusal (404 RepoNotFound, 401 gated…): status, error headers and body as they were.
            String type = r.headers().get(HttpHeaderNames.CONTENT_TYPE);
            ex.respond(HttpResponseStatus.valueOf(r.status()), type == null ? "application/json" : type, r.body(), out);
            return;
        }
        JsonNode json;
        try {
            json = JSON.readTree(r.body());
        } catch (java.io.IOException | RuntimeException e) {
            HubRefusals.answer(ex, HttpResponseStatus.BAD_GATEWAY, "the Hub's answer is not JSON", null);
            return;
        }
        if (p.kind() == HubPath.Kind.REPO_INFO) {
            listings.filterRepoInfo(json, p.type(), p.repo());
        } else {
            listings.filterEntries(json, p.type(), p.repo(), p.rev().filter(rev -> rev.matches("[0-9a-f]{40}")));
        }
        // The Hub's Link may also carry the Xet rels: they go before the rest is rewritten onto dualtrack.
        HttpHeaders upstreamHeaders = new DefaultHttpHeaders().add(r.headers());
        XetStripping.stripResponse(upstreamHeaders);
        String link = upstreamHeaders.get("Link");
        if (link != null) {
            PaginationLinks.rewrite(link, hub, proxyBase(ex, publicUrl)).ifPresent(l -> out.set("Link", l));
        }
        try {
            ex.respond(HttpResponseStatus.OK, "application/json; charset=utf-8", JSON.writeValueAsBytes(json), out);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- files ----------------------------------------------------------------------------------------------

    /**
     * A file: the revision pinned to its commit, a block a listing already told of, the file's HEAD contract,
     * the commit's signature when one is required; then the file's gates, and the HEAD answer or the fetch.
     */
    private void resolve(Exchange ex, HubPath p) {
        Optional<String> auth = authorization(ex);
        Optional<String> clientAuth = clientAuthorization(ex);
        then(ex, revisions.resolve(p.type(), p.repo(), p.rev().orElseThrow(), clientAuth, ex.eventLoop()),
                (res, error) -> {
                    if (error != null) {
                        upstreamFailed(ex, error);
                    } else if (res instanceof RevisionResolver.Refused refused) {
                        refuse(ex, refused.status(), refused.errorHeaders(), refused.reason());
                    } else {
                        String commit = ((RevisionResolver.Commit) res).sha();
                        Optional<String> oid = listings.knownOid(p.type(), p.repo(), commit, p.path());
                        HubFile.Early early = new HubFile.Early(ex, p, HubGates.subject(ex, p, oid.orElse("")));
                        gates.runner().run(early, oid.map(sha -> List.of(gates.knownFromListing(sha)))
                                .orElse(List.of()), admitted -> lookup(ex, p, commit, auth));
                    }
                });
    }

    private void lookup(Exchange ex, HubPath p, String commit, Optional<String> auth) {
        then(ex, files.lookup(resolveUrl(p, commit), auth, ex.eventLoop()), (answer, error) -> {
            if (error != null) {
                upstreamFailed(ex, error);
            } else if (answer instanceof FileMetaLookup.Refused refused) {
                refuse(ex, refused.status(), refused.errorHeaders(), refused.reason());
            } else {
                FileMeta meta = ((FileMetaLookup.Found) answer).meta();
                meta.lfsSha256().ifPresent(sha -> listings.learn(p.type(), p.repo(), meta.commit(), p.path(), sha));
                admit(ex, p, meta, auth);
            }
        });
    }

    /** The Hub's own refusal of a revision or a file, as the Hub said it. */
    private static void refuse(Exchange ex, int status, HttpHeaders errorHeaders, String reason) {
        HubRefusals.answer(ex, statusOf(status), errorHeaders.contains("X-Error-Message")
                ? errorHeaders.get("X-Error-Message") : reason, errorHeaders);
    }

    /**
     * One small file at {@code commit} (model.sig, the card), from the Hub or the CDN it redirects an LFS copy to,
     * read whole up to {@code maxBytes} (the card no more than its reader reads, so a hostile card costs at most that).
     */
    private java.util.concurrent.CompletableFuture<CommitFileFetcher.Fetched> commitFile(Exchange ex, HubPath p,
            String commit, String name, Optional<String> auth, int maxBytes) {
        HttpHeaders headers = new DefaultHttpHeaders();
        auth.ifPresent(a -> headers.set(HttpHeaderNames.AUTHORIZATION, a));
        HubPath sig = new HubPath(p.kind(), p.type(), p.repo(), Optional.of(commit), name);
        return BodyCollector.fetch(client, ex.eventLoop(), new UpstreamRequest(HttpMethod.GET, resolveUrl(sig, commit),
                headers, gates.cdnHosts()), maxBytes)
                .thenApply(r -> new CommitFileFetcher.Fetched(r.status(), r.body()));
    }

    /** The file's gates, then its HEAD contract or its bytes. */
    private void admit(Exchange ex, HubPath p, FileMeta meta, Optional<String> auth) {
        HubFile request = new HubFile(ex, p, meta, auth, HubGates.subject(ex, p, meta.lfsSha256().orElse("")),
                spec(ex, p, meta, auth, Optional.empty()));
        gates.runner().run(request, gates.fileGates(), admitted -> {
            if (ex.isHead()) {
                // The HEAD contract with the file's own size: Content-Length is the file's, not this empty body's.
                FullHttpResponse head = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.EMPTY_BUFFER);
                head.headers().add(meta.clientHeaders()).set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
                ex.respond(head);
            } else {
                Optional<String> signed = admitted.fact(HubFile.Signed.class).map(HubFile.Signed::sha256);
                fetcher.deliver(ex, signed.isEmpty() ? request.spec() : spec(ex, p, meta, auth, signed), admitted);
            }
        });
    }

    /** The fetch of a file, with the digest a signed manifest gives it when there is one. */
    private FetchSpec spec(Exchange ex, HubPath p, FileMeta meta, Optional<String> auth,
            Optional<String> signedSha256) {
        Subject subject = HubGates.subject(ex, p, meta.lfsSha256().orElse(""));
        HttpHeaders headers = new DefaultHttpHeaders();
        auth.ifPresent(a -> headers.set(HttpHeaderNames.AUTHORIZATION, a));
        Optional<String> blobId = meta.lfsSha256().isPresent() ? Optional.empty() : Optional.of(meta.etag());
        FetchSpec.Builder spec = FetchSpec.builder(subject, new UpstreamRequest(HttpMethod.GET,
                        resolveUrl(p, meta.commit()), headers, gates.cdnHosts()))
                .expectedSha256(meta.lfsSha256().or(() -> signedSha256))
                .revision(meta.commit())
                .inspector(inspection, () -> new ScannerInspector(scanPolicy,
                        p.path().substring(p.path().lastIndexOf('/') + 1)))
                .expectedGitBlob(blobId.map(oid -> new FetchSpec.GitBlob(oid, meta.size(), HfRules.BLOB_OID_MISMATCH)))
                .hashMismatchRule(signedSha256.isPresent() ? HfRules.SIGNATURE_MISMATCH : HfRules.LFS_OID_MISMATCH)
                .redirectRule(HfRules.REDIRECT_HOST)
                .refusals(HubRefusals.INSTANCE)
                .clientHeaders(upstream -> fileHeaders(meta))
                .contentType("application/octet-stream");
        files.secondHand(resolveUrl(p, meta.commit()), auth).ifPresent(spec::secondHand);
        return spec.build();
    }

    /** The file response's head: the HEAD contract (commit, ETag, linked ETag and size); the relay adds lengths. */
    private static HttpHeaders fileHeaders(FileMeta meta) {
        HttpHeaders h = meta.clientHeaders();
        h.remove(HttpHeaderNames.CONTENT_LENGTH);
        h.remove(HttpHeaderNames.ACCEPT_RANGES);
        return h;
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static <T> java.util.function.BiConsumer<T, Throwable> guarded(Exchange ex,
            java.util.function.BiConsumer<T, Throwable> body) {
        return dev.dualtrack.proxy.server.Callbacks.guarded(ex, body);
    }

    private static <T> void then(Exchange ex, java.util.concurrent.CompletionStage<T> stage,
            java.util.function.BiConsumer<T, Throwable> body) {
        dev.dualtrack.proxy.server.Callbacks.then(ex, stage, body);
    }

    private URI resolveUrl(HubPath p, String commit) {
        StringBuilder b = new StringBuilder(base(hub)).append('/').append(p.type().resolvePrefix).append(p.repo())
                .append("/resolve/").append(commit);
        for (String segment : p.path().split("/")) {
            b.append('/').append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return URI.create(b.toString());
    }

    /**
     * What goes to the Hub host (only) as this request's credentials. With open access: the client's own token,
     * else the configured upstream token. With tokens: the client's Authorization is its dualtrack token and is
     * never forwarded; the upstream token is used, and only for repos the principal may pull (the access gate
     * refused the others before this is asked).
     */
    private Optional<String> authorization(Exchange ex) {
        Optional<String> ours = upstreamToken.map(t -> "Bearer " + t);
        return access.open() ? clientAuthorization(ex).or(() -> ours) : ours;
    }

    /** The client's own Hub credentials: its Authorization with open access; none with tokens (it is ours). */
    private Optional<String> clientAuthorization(Exchange ex) {
        return access.open() ? Optional.ofNullable(ex.headers().get(HttpHeaderNames.AUTHORIZATION))
                : Optional.empty();
    }

    /** Where this client reaches the track, for absolute links: its own Host header, as it addressed us. */
    private static String proxyBase(Exchange ex, Optional<URI> publicUrl) {
        if (publicUrl.isPresent()) {
            String base = publicUrl.get().toString();
            return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/hf";
        }
        // The server accepted only a single, plain host[:port] Host header (ServerHandler).
        String host = ex.headers().get(HttpHeaderNames.HOST, "localhost");
        return "http://" + host + "/hf";
    }

    private static HttpHeaders passed(HttpHeaders upstream) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (String name : PASSED_HEADERS) {
            if (upstream.contains(name)) {
                h.set(name, upstream.get(name));
            }
        }
        return h;
    }

    private static HttpResponseStatus statusOf(int status) {
        return status >= 400 && status < 600 ? HttpResponseStatus.valueOf(status) : HttpResponseStatus.BAD_GATEWAY;
    }

    private static void upstreamFailed(Exchange ex, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        dev.dualtrack.proxy.ops.UpstreamFailures.report("the Hub", ex.method() + " " + ex.path(),
                dev.dualtrack.proxy.ops.Causes.describe(cause));
        if (ex.isDone() || ex.headSent()) {
            return;
        }
        if (cause instanceof UpstreamException u) {
            HubRefusals.INSTANCE.upstreamFailed(ex, u);
        } else {
            HubRefusals.answer(ex, HttpResponseStatus.BAD_GATEWAY, "dualtrack failed to ask the Hub: " + cause, null);
        }
    }

    private static String base(URI hub) {
        String s = hub.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
