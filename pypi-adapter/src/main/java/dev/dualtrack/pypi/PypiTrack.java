package dev.dualtrack.pypi;

import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.config.policy.TrackDefinition;
import dev.dualtrack.provenance.TrustedRoot;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.Track;
import dev.dualtrack.pypi.policy.PackagePolicy;
import dev.dualtrack.pypi.provenance.AttestationGate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Track 1, package indexes, served under {@code /pypi} (registered in META-INF/services). */
public final class PypiTrack implements Track {
    @Override
    public String name() {
        return TrackDefinition.PYPI;
    }

    @Override
    public TrackDefinition definition() {
        return TrackDefinition.builtIn(TrackDefinition.PYPI);
    }

    @Override
    public Mounted mount(Context c) {
        ProxyRuntime runtime = c.runtime();
        DualtrackConfig config = runtime.config();
        PackagePolicy policy = PackagePolicy.fromConfig(config.pypi(), c.clock(), Optional.of(firstSeenLedger(config)));
        ProjectResolver resolver = new ProjectResolver(new OriginRules(config.pypi()), runtime.upstream(), c.secrets(),
                runtime.caches().metadata("pypi-pages", ProjectResolver::weigh), runtime.caches());
        PypiRoute route = new PypiRoute(resolver, runtime.fetcher(), runtime.recorder(), policy, runtime.judge(),
                new AttestationGate(config.pypi().provenance(), config.pypi().provenanceRegressed(),
                        TrustedRoot.fromFile(config.provenance().trustedRoot()), c.verifyOn(), runtime.caches()),
                runtime.sharedFirstSeen(), runtime.caches(), runtime.access(), config.licenses());
        PypiConfig p = config.pypi();
        advisoryMetrics(runtime, policy.vulnerabilityRule(), c.clock());
        return new Mounted(route, List.of(
                "pypi: " + p.upstreams().stream().map(PypiTrack::upstream).collect(Collectors.joining("; "))
                        + (p.reserved().isEmpty() ? "" : "; " + p.reserved().size() + " reservation(s)"),
                "malicious-package feed: " + p.maliciousFeed().map(f -> f.path() + ", " + policy.feedProjects()
                        .map(n -> n + " project(s) listed").orElse("action off")).orElse("none"),
                "vulnerability advisories: " + policy.vulnerabilityRule().map(v -> v.config().path() + ", "
                        + v.source().snapshot().records() + " record(s) for " + v.source().snapshot().projects()
                        + " project(s), the newest from " + v.source().snapshot().sourceModified()).orElse("none")),
                java.util.Map.of(dev.dualtrack.pypi.vuln.AdvisoryLookup.PREFIX,
                        new dev.dualtrack.pypi.vuln.AdvisoryLookup(policy.vulnerabilityRule()), PypiBom.PREFIX,
                        route.bom()));
    }

    /**
     * How many advisories are in force and how old the newest is: a source that stopped being synced is worse
     * than none, since it looks like protection. Present (zero, NaN) without a source, so alerts can be tested.
     */
    private static void advisoryMetrics(ProxyRuntime runtime, Optional<dev.dualtrack.pypi.vuln.VulnerabilityRule> rule,
            java.time.Clock clock) {
        io.micrometer.core.instrument.Gauge.builder("dualtrack.advisories.loaded",
                        () -> rule.map(r -> (double) r.source().snapshot().records()).orElse(0.0))
                .description("Vulnerability advisories in force (pypi.vulnerabilities)")
                .register(runtime.metrics().registry());
        io.micrometer.core.instrument.Gauge.builder("dualtrack.advisories.source.age", () -> rule.map(r ->
                        (double) java.time.Duration.between(r.source().snapshot().sourceModified(), clock.instant())
                                .toSeconds()).orElse(Double.NaN))
                .baseUnit("seconds").description("Age of the newest advisory record in pypi.vulnerabilities")
                .register(runtime.metrics().registry());
    }

    private static String upstream(PypiConfig.Upstream u) {
        return u.name() + " " + u.url() + (u.internal() ? " (internal" : " (public") + u.auth().map(a -> ", "
                + a.bearerEnv().map(v -> "token from $" + v).orElseGet(() -> "basic auth from $"
                        + a.usernameEnv().orElse("?"))).orElse("") + ")";
    }

    /**
     * The first-seen ledger. Its earlier tab-separated form could be forged by a filename holding a newline, so
     * it is not read: a ledger that may carry forged records would refuse genuine files for good.
     */
    private static Path firstSeenLedger(DualtrackConfig config) {
        Path old = config.cache().dir().resolve("pypi-first-seen.tsv");
        if (Files.exists(old)) {
            org.slf4j.LoggerFactory.getLogger(PypiTrack.class).warn("{} is in the old, injectable format and is no "
                    + "longer read; first-seen hashes start again in pypi-first-seen.jsonl", old);
        }
        return config.cache().dir().resolve("pypi-first-seen.jsonl");
    }
}
