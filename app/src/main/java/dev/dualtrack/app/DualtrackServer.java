package dev.dualtrack.app;

import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.Track;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.server.Router;
import java.time.Clock;
import java.util.List;

/**
 * The whole proxy as {@code serve} runs it: the shared runtime, the metric series primed for both tracks, and
 * the routes of both tracks: {@code /pypi} and {@code /hf}.
 */
final class DualtrackServer implements AutoCloseable {
    private final ProxyRuntime runtime;
    private final List<String> summary;

    private DualtrackServer(ProxyRuntime runtime, List<String> summary) {
        this.runtime = runtime;
        this.summary = summary;
    }

    /** What this server runs with, for the operator: listeners aside, one line per concern. */
    List<String> summary() {
        return summary;
    }

    static DualtrackServer start(DualtrackConfig config) throws InterruptedException {
        requireSecrets(config, dev.dualtrack.config.Secrets.environment());
        AuditLog audit = AuditLog.open(config.audit().output(), config.audit().logAllows());
        ProxyRuntime runtime = ProxyRuntime.create(config, audit, Clock.systemUTC(), config.cache().shared()
                .map(shared -> s3(shared.s3(), dev.dualtrack.config.Secrets.environment())));
        try {
            primeMetrics(runtime, config);
            Router router = runtime.newRouter();
            List<String> summary = new java.util.ArrayList<>();
            java.util.Map<String, dev.dualtrack.proxy.server.Route> admin = new java.util.LinkedHashMap<>();
            for (Track track : Track.registered()) {
                Track.Mounted mounted = track.mount(new Track.Context(runtime, dev.dualtrack.config.Secrets.environment(),
                        Clock.systemUTC(), java.util.concurrent.ForkJoinPool.commonPool()));
                router.add(track.definition().prefix(), mounted.route());
                summary.addAll(mounted.summary());
                admin.putAll(mounted.admin());
            }
            runtime.start(router, admin);
            return new DualtrackServer(runtime, StartupSummary.lines(config, summary));
        } catch (InterruptedException | RuntimeException e) {
            runtime.close();
            throw e;
        }
    }

    /**
     * Every environment variable the config names for a credential must be set: an unset {@code bearer-env} made
     * the internal index answer 401 to every request, with nothing said at start.
     */
    static void requireSecrets(DualtrackConfig config, dev.dualtrack.config.Secrets secrets) {
        java.util.List<String> missing = new java.util.ArrayList<>();
        for (PypiConfig.Upstream u : config.pypi().upstreams()) {
            u.auth().ifPresent(a -> {
                String at = "pypi.upstreams[" + u.name() + "].auth.";
                a.bearerEnv().filter(v -> secrets.get(v).isEmpty()).ifPresent(v -> missing.add(at + "bearer-env names "
                        + v));
                a.usernameEnv().filter(v -> secrets.get(v).isEmpty()).ifPresent(v -> missing.add(at
                        + "username-env names " + v));
                a.passwordEnv().filter(v -> secrets.get(v).isEmpty()).ifPresent(v -> missing.add(at
                        + "password-env names " + v));
            });
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException(String.join("; ", missing) + (missing.size() == 1 ? ", which is"
                    : ": they are") + " not set in dualtrack's environment (the index would refuse every request): "
                    + "set " + (missing.size() == 1 ? "it" : "them") + ", or remove the setting");
        }
        // The Hub serves public repos without a token, so a missing one is said, not fatal.
        config.hf().tokenEnv().filter(v -> secrets.get(v).isEmpty()).ifPresent(v -> org.slf4j.LoggerFactory
                .getLogger(DualtrackServer.class).warn("hf.token-env names {}, which is not set: gated and private "
                        + "repos are asked for without a token (clients' own tokens still pass through)", v));
    }

    /** The fleet's shared store: credentials from the environment variables the config names. */
    static dev.dualtrack.store.s3.S3SharedStore s3(dev.dualtrack.config.CacheConfig.S3 c,
            dev.dualtrack.config.Secrets secrets) {
        String access = secrets.get(c.accessKeyEnv()).orElseThrow(() -> new IllegalStateException(
                "cache.shared.s3.access-key-env names " + c.accessKeyEnv() + ", which is not set"));
        String secret = secrets.get(c.secretKeyEnv()).orElseThrow(() -> new IllegalStateException(
                "cache.shared.s3.secret-key-env names " + c.secretKeyEnv() + ", which is not set"));
        return new dev.dualtrack.store.s3.S3SharedStore(c.endpoint(), c.bucket(), c.region(), c.prefix(),
                c.pathStyle(), access, secret, c.timeout());
    }

    /** Every rule that can fire on a track gets its series at zero, from the registry (increase() sees the first). */
    private static void primeMetrics(ProxyRuntime runtime, DualtrackConfig config) {
        List<String> hosts = new java.util.ArrayList<>(config.pypi().upstreams().stream().map(PypiConfig.Upstream::url)
                .map(java.net.URI::getHost).toList());
        hosts.add(config.hf().upstream().getHost());
        for (dev.dualtrack.config.policy.TrackDefinition t : dev.dualtrack.config.policy.Tracks.all()) {
            runtime.metrics().prime(t.name(), ids(t.name()), List.of());
        }
        runtime.metrics().primeUpstreams(hosts.stream().distinct().toList());
    }

    private static List<String> ids(String track) {
        return dev.dualtrack.config.policy.RuleRegistry.firingOn(track).stream()
                .map(dev.dualtrack.config.policy.Rule::id).toList();
    }

    int port() {
        return runtime.port();
    }

    /** Watches {@code file} (the config this server started from) and reloads its policy on change or SIGHUP. */
    ConfigReloader reloadFrom(java.nio.file.Path file, DualtrackConfig started) throws java.io.IOException {
        return new ConfigReloader(file, started, runtime.judge(), runtime.access(), runtime.metrics());
    }

    dev.dualtrack.proxy.policy.Judge judge() {
        return runtime.judge();
    }

    int adminPort() {
        return runtime.adminPort();
    }

    @Override
    public void close() {
        runtime.close();
    }
}
