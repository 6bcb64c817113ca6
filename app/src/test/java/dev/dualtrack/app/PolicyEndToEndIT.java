package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.pypi.FakeIndex;
import dev.dualtrack.pypi.WheelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy section with the real pip against the real process: monitor mode lets a typosquat install and says
 * so in the metrics and the audit log; a waiver by sha256 lets one blocked wheel install until it expires, and
 * the same install is refused after.
 */
class PolicyEndToEndIT {
    @TempDir
    static Path dir;
    static FakeIndex pypi;
    /** An internal index like devpi or pypiserver: PEP 503 HTML with no upload times. */
    static FakeIndex internal;
    static CliIT.Served monitor;
    static CliIT.Served waiving;
    static Path venv;
    static Instant waiverExpiry;
    static byte[] young;

    @BeforeAll
    static void start() throws Exception {
        pypi = new FakeIndex(false);
        internal = new FakeIndex(true);
        internal.file("acme-internal", WheelBuilder.filename("acme-internal", "1.0"),
                WheelBuilder.wheel("acme-internal", "1.0", "VERSION = 'internal'\n"));
        byte[] squat = WheelBuilder.wheel("reqeusts", "1.0", "VERSION = 'squat'\n");
        pypi.file("reqeusts", WheelBuilder.filename("reqeusts", "1.0"), squat, squat,
                java.time.Instant.now().minus(java.time.Duration.ofDays(1)).toString()); // young: a typosquat
        // Uploaded a minute ago: min-release-age (72 h) blocks it.
        young = WheelBuilder.wheel("dualtrack-young-demo", "1.0", "VERSION = 'young'\n");
        pypi.file("dualtrack-young-demo", WheelBuilder.filename("dualtrack-young-demo", "1.0"), young, young,
                Instant.now().minus(1, ChronoUnit.MINUTES).toString());
        monitor = CliIT.serve(config("monitor", "policy: {mode: monitor}\n"));
        waiverExpiry = Instant.now().plusSeconds(30).truncatedTo(ChronoUnit.SECONDS);
        waiving = CliIT.serve(config("waiver", """
                pypi:
                  upstreams: [{name: internal, url: '%s', internal: true}, {name: pypi, url: '%s'}]
                  reserved: [{namespace: acme, upstream: internal}]
                  min-release-age: {age: 72h, action: block}
                policy:
                  waivers:
                    - {track: pypi, sha256: '%s', reason: 'reviewed the young release', expires: '%s',
                       ticket: SEC-42, approved-by: alice}
                """.formatted(internal.simpleUrl(), pypi.simpleUrl(), FakeIndex.sha256(young), waiverExpiry)));
        venv = dir.resolve("venv");
        assertThat(ClientTools.run(dir, Map.of(), List.of("python3", "-m", "venv", venv.toString())).exit()).isZero();
    }

    static Path config(String name, String extra) throws Exception {
        Path data = Files.createDirectories(dir.resolve(name));
        String pypiSection = extra.contains("pypi:") ? "" : "pypi:\n  upstreams: [{name: pypi, url: '"
                + pypi.simpleUrl() + "'}]\n";
        Path cfg = data.resolve("dualtrack.yaml");
        Files.writeString(cfg, "listen: {port: 0}\ncache: {dir: '" + data.resolve("cache") + "'}\naudit: {output: '"
                + data.resolve("audit.log") + "'}\n" + pypiSection + extra);
        return cfg;
    }

    @AfterAll
    static void stop() throws Exception {
        for (CliIT.Served s : new CliIT.Served[] {monitor, waiving}) {
            if (s != null) {
                s.stop();
            }
        }
        pypi.close();
        internal.close();
    }

    static ClientTools.Result pip(CliIT.Served proxy, String... args) throws Exception {
        return ClientTools.pipInstall(dir, venv, proxy.port(), args);
    }

    /** The audit log once it holds {@code needle} (lines are written by a background thread), or as it is. */
    static String audit(String name, String needle) throws Exception {
        Path log = dir.resolve(name).resolve("audit.log");
        for (int i = 0; i < 200; i++) {
            if (Files.exists(log) && Files.readString(log).contains(needle)) {
                break;
            }
            Thread.sleep(50);
        }
        return Files.readString(log);
    }

    @Test
    void monitorModeLetsATyposquatInstallAndCountsTheWarning() throws Exception {
        ClientTools.Result r = pip(monitor, "reqeusts");
        assertThat(r.exit()).as(r.out()).isZero();
        String metrics = RawHttpClient.get(monitor.port(), "/metrics").text();
        assertThat(metrics).containsPattern("dualtrack_warned_total\\{rule=\"pypi.typosquat\",track=\"pypi\"} [1-9]")
                .contains("dualtrack_blocked_total{rule=\"pypi.typosquat\",track=\"pypi\"} 0.0");
        assertThat(audit("monitor", "pypi.typosquat")).contains("\"decision\":\"warn\"")
                .contains("\"rule\":\"pypi.typosquat\"");
    }

    /** Release age judges public sources: an internal index without upload times installs with it on. */
    @Test
    void anInternalPackageWithoutUploadTimesInstallsWithReleaseAgeOn() throws Exception {
        ClientTools.Result r = pip(waiving, "acme-internal");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(ClientTools.run(dir, Map.of(), List.of(venv.resolve("bin/python").toString(), "-c",
                "import acme_internal; print(acme_internal.VERSION)")).out().trim()).isEqualTo("internal");
    }

    @Test
    void aWaiverBySha256InstallsOneBlockedWheelUntilItExpires() throws Exception {
        ClientTools.Result ok = pip(waiving, "dualtrack-young-demo");
        assertThat(ok.exit()).as(ok.out()).isZero();
        assertThat(audit("waiver", "\"waived\"")).contains("\"decision\":\"waived\"").contains("SEC-42")
                .contains(FakeIndex.sha256(young));
        assertThat(RawHttpClient.get(waiving.port(), "/metrics").text())
                .containsPattern("dualtrack_waived_total\\{rule=\"pypi.min-release-age\",track=\"pypi\"} [1-9]");
        long wait = waiverExpiry.toEpochMilli() - System.currentTimeMillis() + 6000; // past the 5 s page cache
        Thread.sleep(Math.max(0, wait));
        ClientTools.Result refused = pip(waiving, "dualtrack-young-demo");
        assertThat(refused.exit()).as(refused.out()).isNotZero();
        assertThat(RawHttpClient.get(waiving.port(), "/pypi/files/dualtrack-young-demo/"
                + WheelBuilder.filename("dualtrack-young-demo", "1.0")).headers())
                .containsEntry("x-dualtrack-rule", "pypi.min-release-age");
    }
}
