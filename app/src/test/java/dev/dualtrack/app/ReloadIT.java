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
