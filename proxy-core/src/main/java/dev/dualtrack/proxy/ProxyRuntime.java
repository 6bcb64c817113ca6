package dev.dualtrack.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.proxy.cache.BlobCache;
import dev.dualtrack.proxy.cache.Caches;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.relay.BlobFetcher;
import dev.dualtrack.proxy.server.OpsRoutes;
import dev.dualtrack.proxy.server.ProxyServer;
import dev.dualtrack.proxy.server.Router;
import dev.dualtrack.proxy.store.SharedStoreClient;
import dev.dualtrack.proxy.upstream.UpstreamClient;
import io.netty.channel.EventLoopGroup;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/**
 * Everything one dualtrack process shares, built from the config in one place: metrics, the audit log, the
 * blob cache, the verdict cache, the upstream client, the fetcher, the event loops, and the listeners.
 *
 * <pre>{@code
 * try (ProxyRuntime rt = ProxyRuntime.create(config, AuditLog.open("stdout", false), Clock.systemUTC())) {
 *     Router router = rt.newRouter().add("/pypi", pypiRoute).add("/hf", hfRoute);
 *     rt.start(router);
 * }
 * }</pre>
 */
public final class ProxyRuntime implements AutoCloseable {
    private final DualtrackConfig config;
    private final ProxyMetrics metrics;
    private final AuditLog audit;
    private final DecisionRecorder recorder;
    private final BlobCache blobs;
    private final Caches caches;
    private final UpstreamClient upstream;
    private final BlobFetcher fetcher;
    private final dev.dualtrack.proxy.policy.Judge judge;
    private final dev.dualtrack.proxy.access.AccessControl access;
    private final EventLoopGroup workers;
    /** Every file served whole, for the AI-BOM ({@code /-/bom/...}). */
    private final dev.dualtrack.proxy.bom.ServedLedger served;
    private final List<ProxyServer> servers = new ArrayList<>();

    private ProxyRuntime(DualtrackConfig config, AuditLog audit, Clock clock, Ticker ticker,
            Optional<dev.dualtrack.proxy.store.SharedStore> fleet) {
        this.config = config;
        this.audit = audit;
        this.metrics = new ProxyMetrics();
        this.served = dev.dualtrack.proxy.bom.ServedLedger.at(config.cache().dir().resolve("served.jsonl"));
        this.recorder = new DecisionRecorder(metrics, audit, clock, served);
        io.micrometer.core.instrument.FunctionCounter.builder("dualtrack.audit.dropped", audit, AuditLog::dropped)
                .description("Audit lines dropped because the audit writer could not keep up")
                .register(metrics.registry());
        metrics.primeSharedStore(); // at zero outside fleet mode too, so its alert's series always exists
        this.caches = new Caches(config.cache(), ticker, ForkJoinPool.commonPool(), metrics.registry());
        this.upstream = new UpstreamClient(config.upstreamClient(), metrics);
        this.judge = new dev.dualtrack.proxy.policy.Judge(config.policy(), clock);
        this.access = new dev.dualtrack.proxy.access.AccessControl(config.access());
        // The earliest expiry among waivers still in force (NaN with none), for the "expires soon" alert.
        io.micrometer.core.instrument.Gauge.builder("dualtrack.waiver.next.expiry.timestamp",
                        () -> judge.nextExpiry().map(i -> (double) i.getEpochSecond()).orElse(Double.NaN))
                .baseUnit("seconds").description("When the next waiver in force expires (Unix time)")
                .register(metrics.registry());
        // Fleet mode: blocks, verified blobs, first-seen hashes and metadata shared with the other replicas. The
        // verdicts are trusted only between replicas whose verdict-deciding settings (the hf scanner settings)
        // are the same: their hash is the policy version.
        this.sharedStore = fleet.map(store -> new SharedStoreClient(store, metrics,
                config.cache().shared().map(s -> s.s3().timeout()).orElse(java.time.Duration.ofSeconds(10)), 8));
        Optional<dev.dualtrack.proxy.store.SharedBlobs> sharedBlobs = sharedStore
                .map(dev.dualtrack.proxy.store.SharedBlobs::new);
        this.blobs = new BlobCache(config.cache().dir(), config.cache().maxSize().bytes(), metrics,
                (sha, path) -> sharedBlobs.ifPresent(shared -> shared.upload(sha, path)));
        dev.dualtrack.proxy.relay.VerdictMemory memory = new dev.dualtrack.proxy.relay.VerdictMemory(caches,
                caches.verdicts("verdicts"), sharedStore.map(c -> new dev.dualtrack.proxy.store.SharedVerdicts(c,
                        policyVersion(config))));
        this.sharedFirstSeen = sharedStore.map(c -> new dev.dualtrack.proxy.store.SharedFirstSeen(c, caches));
        this.sharedMetadata = sharedStore.map(c -> new dev.dualtrack.proxy.store.SharedMetadata(c,
                config.cache().metadataTtl(), java.time.Clock.systemUTC()));
        sharedStore.ifPresent(c -> org.slf4j.LoggerFactory.getLogger(ProxyRuntime.class).info("fleet mode: sharing "
                + "verdicts, verified blobs and first-seen hashes through {}", c.describe()));
        this.fetcher = new BlobFetcher(config.relay(), config.cache().prefetch(), blobs, memory, upstream, recorder,
                judge, sharedBlobs);
        this.workers = ProxyServer.newWorkerGroup(config.listen().ioThreads());
    }

    public static ProxyRuntime create(DualtrackConfig config, AuditLog audit, Clock clock) {
        return create(config, audit, clock, Optional.empty());
    }

    /** In fleet mode when {@code fleet} is present: shared with the other replicas through that store. */
    public static ProxyRuntime create(DualtrackConfig config, AuditLog audit, Clock clock,
            Optional<dev.dualtrack.proxy.store.SharedStore> fleet) {
        return new ProxyRuntime(config, audit, clock, Ticker.systemTicker(), fleet);
    }

    public DualtrackConfig config() {
        return config;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public DecisionRecorder recorder() {
        return recorder;
    }

    public BlobCache blobCache() {
        return blobs;
    }

    public Caches caches() {
        return caches;
    }

    public UpstreamClient upstream() {
        return upstream;
    }

    /** The policy section applied to blocks: actions, mode, waivers. */
    public dev.dualtrack.proxy.policy.Judge judge() {
        return judge;
    }

    public BlobFetcher fetcher() {
        return fetcher;
    }

    /** Who may pull what ({@code access}); replaced whole on a config reload. */
    public dev.dualtrack.proxy.access.AccessControl access() {
        return access;
    }

    private final Optional<SharedStoreClient> sharedStore;
    private final Optional<dev.dualtrack.proxy.store.SharedFirstSeen> sharedFirstSeen;
    private final Optional<dev.dualtrack.proxy.store.SharedMetadata> sharedMetadata;

    /** Upstream metadata shared across the fleet, in fleet mode. */
    public Optional<dev.dualtrack.proxy.store.SharedMetadata> sharedMetadata() {
        return sharedMetadata;
    }

    /** The fleet's first-seen ledger, in fleet mode. */
    public Optional<dev.dualtrack.proxy.store.SharedFirstSeen> sharedFirstSeen() {
        return sharedFirstSeen;
    }

    /** What decides a verdict besides the bytes: the scanner's settings, and this scanner's generation. */
    static String policyVersion(DualtrackConfig config) {
        String settings = dev.dualtrack.scanner.ScanPolicy.GENERATION + "|" + config.hf().pickle() + "|"
                + config.hf().enforceSafetensors();
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(settings.getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public AuditLog audit() {
        return audit;
    }

    /**
     * Free space the cache disk must have for {@code /readyz}: enough for the queue of a few downloads to commit.
     * Below it every verified download would fail at its commit, so traffic should go elsewhere.
     */
    public static final long READY_MIN_FREE = 256L << 20;

    /**
     * A router with the operational endpoints already on it ({@code /metrics} not, with admin.metrics-only).
     * {@code /-/verdicts} is never on the main listener: it would tell any client what was found in any file
     * anyone fetched, and the waivers' tickets and reasons.
     */
    public Router newRouter() {
        boolean metricsElsewhere = config.admin().map(dev.dualtrack.config.AdminConfig::metricsOnly).orElse(false);
        return metricsElsewhere ? opsRoutes().addProbesTo(new Router(access)) : opsRoutes().addTo(new Router(access));
    }

    private OpsRoutes opsRoutes() {
        return opsRoutes(null);
    }

    private OpsRoutes opsRoutes(dev.dualtrack.proxy.server.Route verdicts) {
        return new OpsRoutes(metrics, () -> OpsRoutes.cacheUsable(config.cache().dir(),
                Math.min(READY_MIN_FREE, config.cache().maxSize().bytes())), verdicts);
    }

    /**
     * {@code GET /-/verdicts/<sha256>} (admin listener only): the verdict known for those bytes with all its
     * findings, the rules a request is judged on, and the waivers in force that name them. 404 when no verdict is
     * known.
     */
    private void verdict(dev.dualtrack.proxy.server.Exchange ex) {
        String sha = ex.path().substring("/-/verdicts".length()).replaceFirst("^/", "").toLowerCase(java.util.Locale.ROOT);
        if (!sha.matches("[0-9a-f]{64}")) {
            ex.respondText(io.netty.handler.codec.http.HttpResponseStatus.NOT_FOUND, "expected /-/verdicts/<sha256>\n");
            return;
        }
        java.util.Optional<dev.dualtrack.scanner.Verdict> v = fetcher.known().of(sha);
        if (v.isEmpty()) {
            ex.respondText(io.netty.handler.codec.http.HttpResponseStatus.NOT_FOUND, "no verdict cached for " + sha + "\n");
            return;
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode out = json.createObjectNode();
        out.put("sha256", sha).put("verdict", v.get().blocked() ? "block" : "allow");
        if (v.get().blocked()) {
            out.put("rule", v.get().rule()).put("reason", v.get().reason());
        }
        // Every rule a request would be judged on: a waiver must name each of them to serve these bytes.
        var rules = out.putArray("rules");
        judge.decide(new Subject("", "", "", "", sha),
                java.util.Optional.empty(), v.get()).judgements().forEach(j -> rules.add(j.verdict().rule()));
        var findings = out.putArray("findings");
        v.get().findings().forEach(f -> findings.addObject().put("rule", f.rule())
                .put("severity", f.severity().name().toLowerCase(java.util.Locale.ROOT)).put("detail", f.detail()));
        var waivers = out.putArray("waivers");
        judge.waiversFor(sha).forEach(w -> waivers.addObject().put("label", w.label()).put("reason", w.reason())
                .put("expires", w.expiry().toString()).put("track", w.track()));
        try {
            ex.respond(io.netty.handler.codec.http.HttpResponseStatus.OK, "application/json",
                    json.writeValueAsBytes(out), null);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Binds the main port (and the admin port, if configured) and starts serving. */
    public void start(Router router) throws InterruptedException {
        start(router, java.util.Map.of());
    }

    /**
     * Starts the listeners; {@code adminRoutes} (prefix → route: lookups the tracks offer operators) are served on
     * the admin listener only, beside {@code /-/verdicts}.
     */
    public void start(Router router, java.util.Map<String, dev.dualtrack.proxy.server.Route> adminRoutes)
            throws InterruptedException {
        servers.add(ProxyServer.start(config.listen(), router, metrics, workers));
        if (config.admin().isPresent()) {
            var admin = config.admin().get();
            Router ops = opsRoutes(this::verdict).addTo(new Router());
            adminRoutes.forEach(ops::add);
            servers.add(ProxyServer.start(admin.host(), admin.port(), config.listen().withoutTls(), ops, metrics,
                    workers));
        }
    }

    /** The bound main port (useful when the config said 0). */
    public int port() {
        return servers.get(0).port();
    }

    /** The bound admin port, or -1. */
    public int adminPort() {
        return servers.size() > 1 ? servers.get(1).port() : -1;
    }

    @Override
    public void close() {
        servers.forEach(ProxyServer::close);
        sharedStore.ifPresent(SharedStoreClient::close);
        upstream.close();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        served.close();
        audit.close();
    }
}
