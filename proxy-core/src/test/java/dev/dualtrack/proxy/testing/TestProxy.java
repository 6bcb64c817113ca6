package dev.dualtrack.proxy.testing;

import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.relay.FetchSpec;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.server.Router;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A real dualtrack proxy on an ephemeral loopback port, with one extra route, {@code /files/...}, whose fetch
 * the test describes. Audit lines are kept in memory for assertions.
 */
public final class TestProxy implements AutoCloseable {
    private final ProxyRuntime runtime;
    private final List<String> audit = new CopyOnWriteArrayList<>();

    private TestProxy(DualtrackConfig config, Function<Exchange, FetchSpec> files) throws InterruptedException {
        this.runtime = ProxyRuntime.create(config, AuditLog.inMemory(true, audit::add), Clock.systemUTC());
        Router router = runtime.newRouter();
        router.add("/files", ex -> runtime.fetcher().serve(ex, files.apply(ex)));
        runtime.start(router);
    }

    /**
     * Starts a proxy. {@code yaml} is merged under a base that binds port 0 and caches in {@code dataDir};
     * give whole sections (e.g. {@code "relay: {hold: 1KiB}"}).
     */
    public static TestProxy start(Path dataDir, String yaml, Function<Exchange, FetchSpec> files) throws Exception {
        String base = yaml.contains("listen:") ? "" : "listen: {port: 0}\n";
        String cache = yaml.contains("cache:") ? "" : "cache: {dir: '" + dataDir + "'}\n";
        DualtrackConfig config = ConfigLoader.parse("test-config", base + cache + yaml);
        return new TestProxy(config, files);
    }

    /**
     * The usual test route: {@code /files/PATH} fetches {@code PATH} from {@code origin} (or {@code ?url=}), with
     * {@code ?mode=}, {@code ?sha256=} and {@code ?inspection=} setting the relay mode, the expected hash and the
     * inspection's name (default {@code test}).
     */
    public static FetchSpec specFromQuery(Exchange ex, ScriptedOrigin origin,
            java.util.function.Supplier<dev.dualtrack.proxy.relay.Inspector> inspector) {
        var q = ex.query().parameters();
        java.net.URI target = q.containsKey("url") ? java.net.URI.create(q.get("url").get(0))
                : origin.uri(ex.path().substring("/files".length()));
        FetchSpec.Builder spec = FetchSpec.builder(new Subject(
                ex.clientAddress(), "test", "pkg", ex.path(), ""),
                dev.dualtrack.proxy.upstream.UpstreamRequest.get(target)).inspector(q.containsKey("inspection") ? q.get("inspection").get(0) : "test",
                inspector);
        if (q.containsKey("mode")) {
            spec.mode(dev.dualtrack.proxy.relay.RelayMode.valueOf(q.get("mode").get(0)));
        }
        if (q.containsKey("sha256")) {
            spec.expectedSha256(q.get("sha256").get(0));
        }
        return spec.build();
    }

    public int port() {
        return runtime.port();
    }

    public ProxyRuntime runtime() {
        return runtime;
    }

    public List<String> auditLines() {
        runtime.audit().flush();
        return audit;
    }

    public String metrics() {
        return runtime.metrics().scrape();
    }

    @Override
    public void close() {
        runtime.close();
    }
}
