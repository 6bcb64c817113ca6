package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.PolicyConfig;
import dev.dualtrack.proxy.testing.Awaits;
import dev.dualtrack.proxy.testing.RawHttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Policy and waivers reload without a restart: a good file, a bad file (the old one stays), a waiver added live. */
class ReloadIT {
    static final String SHA = "b".repeat(64);

    static String config(Path dir, String policy) {
        return "listen: {port: 0}\ncache: {dir: '" + dir.resolve("cache") + "'}\naudit: {output: '"
                + dir.resolve("audit.log") + "'}\n" + policy;
    }

    @Test
    void goodBadAndLiveChangesInProcess(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dualtrack.yaml");
        Files.writeString(file, config(dir, ""));
        try (DualtrackServer server = DualtrackServer.start(ConfigLoader.load(file));
             ConfigReloader reloader = server.reloadFrom(file, ConfigLoader.load(file))) {
            assertThat(server.judge().policy().mode()).isEqualTo(PolicyConfig.Mode.ENFORCE);
            // A good file: in force at once.
            Files.writeString(file, config(dir, "policy: {mode: monitor}\n"));
            assertThat(reloader.reload("test")).isTrue();
            assertThat(server.judge().policy().mode()).isEqualTo(PolicyConfig.Mode.MONITOR);
            // A bad file: refused, the running policy stays.
            Files.writeString(file, config(dir, "policy: {mode: monitor, rules: {pypi.typosqat: warn}}\n"));
            assertThat(reloader.reload("test")).isFalse();
            assertThat(server.judge().policy().mode()).isEqualTo(PolicyConfig.Mode.MONITOR);
            // An empty file (how a file being rewritten looks for a moment) is refused: it would mean all defaults.
            Files.writeString(file, "");
            assertThat(reloader.reload("test")).isFalse();
            assertThat(server.judge().policy().mode()).isEqualTo(PolicyConfig.Mode.MONITOR);
            // A waiver added by editing the file: the watcher puts it in force.
            Files.writeString(file, config(dir, "policy:\n  waivers:\n    - {track: hf, sha256: '" + SHA
                    + "', reason: live, expires: 2999-01-01}\n"));
            Awaits.until(() -> server.judge().policy().waivers().size() == 1, Duration.ofSeconds(10));
            assertThat(server.judge().policy().mode()).isEqualTo(PolicyConfig.Mode.ENFORCE);
            String metrics = RawHttpClient.get(server.port(), "/metrics").text();
            assertThat(metrics).containsPattern("dualtrack_config_reloads_total\\{result=\"ok\"} [2-9]")
                    .containsPattern("dualtrack_config_reloads_total\\{result=\"error\"} [1-9]")
                    .doesNotContain("dualtrack_waiver_next_expiry_timestamp_seconds NaN");
        }
    }

    @Test
    void aChangeToTheWaiversFileReloadsToo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dualtrack.yaml");
        Files.createDirectories(dir.resolve("sec"));
        Path waivers = dir.resolve("sec/waivers.yaml");
        Files.writeString(waivers, "waivers: []\n");
        Files.writeString(file, config(dir, "policy: {waivers-file: sec/waivers.yaml}\n"));
        try (DualtrackServer server = DualtrackServer.start(ConfigLoader.load(file));
             ConfigReloader reloader = server.reloadFrom(file, ConfigLoader.load(file))) {
            assertThat(server.judge().policy().waivers()).isEmpty();
            Files.writeString(waivers, "waivers:\n  - {track: pypi, sha256: '" + SHA
                    + "', reason: 'owned by the security team', expires: 2999-01-01}\n");
            Awaits.until(() -> server.judge().policy().waivers().size() == 1, Duration.ofSeconds(10));
            assertThat(server.judge().policy().waivers().get(0).reason()).isEqualTo("owned by the security team");
        }
    }

    @Test
    void aKubernetesConfigMapUpdateReloadsWithinSeconds(@TempDir Path dir) throws Exception {
        // The kubelet's layout: the mounted folder holds dualtrack.yaml -> ..data/dualtrack.yaml, and ..data is a
        // symlink to a timestamped folder. An update writes a new folder and swaps ..data; no event names the file.
        Path mount = Files.createDirectories(dir.resolve("config"));
        Path v1 = Files.createDirectories(mount.resolve("..2026_12_06_10_00_00.1"));
        Files.writeString(v1.resolve("dualtrack.yaml"), config(dir, "policy:\n  waivers:\n    - {track: hf, sha256: '"
                + SHA + "', reason: revoked-soon, expires: 2999-01-01}\n"));
        Files.createSymbolicLink(mount.resolve("..data"), v1.getFileName());
        Files.createSymbolicLink(mount.resolve("dualtrack.yaml"), Path.of("..data/dualtrack.yaml"));
        Path file = mount.resolve("dualtrack.yaml");
        try (DualtrackServer server = DualtrackServer.start(ConfigLoader.load(file));
             ConfigReloader reloader = server.reloadFrom(file, ConfigLoader.load(file))) {
            assertThat(server.judge().policy().waivers()).hasSize(1);
            Path v2 = Files.createDirectories(mount.resolve("..2026_12_06_10_05_00.2"));
            Files.writeString(v2.resolve("dualtrack.yaml"), config(dir, "policy: {mode: enforce}\n"));
            Path tmp = mount.resolve("..data_tmp");
            Files.createSymbolicLink(tmp, v2.getFileName());
            Files.move(tmp, mount.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            long t0 = System.nanoTime();
            Awaits.until(() -> server.judge().policy().waivers().isEmpty(), Duration.ofSeconds(5));
            System.out.printf("ConfigMap swap reloaded in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        }
    }

    @Test
    void aWaiversFileAddedByAReloadIsWatchedAndAFailedReloadIsVisible(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dualtrack.yaml");
        Files.writeString(file, config(dir, ""));
        Path waivers = dir.resolve("waivers.yaml");
        Files.writeString(waivers, "waivers: []\n");
        try (DualtrackServer server = DualtrackServer.start(ConfigLoader.load(file));
             ConfigReloader reloader = server.reloadFrom(file, ConfigLoader.load(file))) {
            Files.writeString(file, config(dir, "policy: {waivers-file: waivers.yaml}\n"));
            Awaits.until(() -> server.judge().policy().waiversFile().isPresent(), Duration.ofSeconds(5));
            Files.writeString(waivers, "waivers:\n  - {track: pypi, sha256: '" + SHA
                    + "', reason: 'added later', expires: 2999-01-01}\n");
            Awaits.until(() -> server.judge().policy().waivers().size() == 1, Duration.ofSeconds(5));
            // A broken edit: the old policy stays, and the gauge the alert watches says so.
            Files.writeString(file, config(dir, "policy: {mode: monitr}\n"));
            Awaits.until(() -> metric(server).contains("dualtrack_config_last_reload_successful 0.0"),
                    Duration.ofSeconds(5));
            assertThat(server.judge().policy().waivers()).hasSize(1);
            Files.writeString(file, config(dir, "policy: {waivers-file: waivers.yaml}\n"));
            Awaits.until(() -> metric(server).contains("dualtrack_config_last_reload_successful 1.0"),
                    Duration.ofSeconds(5));
        }
    }

    static String metric(DualtrackServer server) {
        try {
            return RawHttpClient.get(server.port(), "/metrics").text();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void sighupReloadsTheRunningProcess(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("dualtrack.yaml");
        Files.writeString(file, config(dir, ""));
        CliIT.Served served = CliIT.serve(file);
        try {
            new ProcessBuilder("kill", "-HUP", Long.toString(served.process().pid())).start().waitFor();
            Awaits.until(() -> {
                try {
                    return RawHttpClient.get(served.port(), "/metrics").text()
                            .contains("dualtrack_config_reloads_total{result=\"ok\"} 1.0");
                } catch (Exception e) {
                    return false;
                }
            }, Duration.ofSeconds(10));
            assertThat(served.process().isAlive()).isTrue();
        } finally {
            served.stop();
        }
    }
}
