package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a first-time operator reads when {@code serve} cannot start: the thing that failed and why, in words, and a
 * non-zero exit. Each test runs the real jar, from another working folder than the config's where it matters.
 */
class StartupErrorsIT {
    @TempDir
    Path dir;

    String serveFails(Path workingDir, Map<String, String> env, Path config) throws Exception {
        Process p = CliIT.startIn(workingDir, env, "serve", "--config", config.toString());
        String out = CliIT.finish(p);
        assertThat(p.exitValue()).as(out).isNotZero();
        assertThat(out).as("no Java class names for an operator").doesNotContain("Exception");
        return out;
    }

    Path config(String yaml) throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Path cfg = etc.resolve("dualtrack.yaml");
        Files.writeString(cfg, yaml);
        return cfg;
    }

    @Test
    void aPortInUseNamesTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path cfg = config("listen: {port: " + taken.getLocalPort() + "}\ncache: {dir: '" + dir.resolve("c")
                    + "'}\n");
            assertThat(serveFails(null, Map.of(), cfg)).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .contains("already in use");
        }
    }

    @Test
    void aCacheDirectoryThatCannotBeUsedSaysWhy() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        Path cfg = config("listen: {port: 0}\ncache: {dir: '" + file + "'}\n");
        assertThat(serveFails(null, Map.of(), cfg)).contains("cache directory " + file).contains("cache.dir")
                .containsAnyOf("not a folder", "not a directory", "exists");
    }

    @Test
    void anAuditLogThatCannotBeOpenedSaysWhy() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("audit-is-a-folder"));
        Path cfg = config("listen: {port: 0}\ncache: {dir: '" + dir.resolve("c") + "'}\naudit: {output: '" + folder
                + "'}\n");
        assertThat(serveFails(null, Map.of(), cfg)).contains("audit log " + folder).contains("audit.output");
    }

    @Test
    void anUnsetTokenVariableIsReportedAtStart() throws Exception {
        Path cfg = config("""
                listen: {port: 0}
                cache: {dir: '%s'}
                pypi:
                  upstreams:
                    - {name: internal, url: 'http://127.0.0.1:9/simple/', internal: true, auth: {bearer-env: NO_SUCH_TOKEN_VAR}}
                """.formatted(dir.resolve("c")));
        assertThat(serveFails(null, Map.of(), cfg)).contains("pypi.upstreams[internal].auth.bearer-env names "
                + "NO_SUCH_TOKEN_VAR").contains("not set");
    }

    @Test
    void aWrongFeedPathFailsClosedAndPathsAreTakenFromTheConfigsFolder() throws Exception {
        Path cfg = config("listen: {port: 0}\ncache: {dir: data}\npypi:\n  malicious-feed: {path: osv-typo}\n");
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        String out = serveFails(elsewhere, Map.of(), cfg);
        assertThat(out).contains(cfg + ":4:").contains("pypi.malicious-feed.path")
                .contains(dir.resolve("etc/osv-typo").toString()).contains("does not exist");
        Process check = CliIT.startIn(elsewhere, Map.of(), "check-config", cfg.toString());
        assertThat(CliIT.finish(check)).contains("does not exist");
        assertThat(check.exitValue()).isEqualTo(2);
        // Fixed: the cache is created beside the config, not in the working folder.
        Files.createDirectories(dir.resolve("etc/osv-typo"));
        CliIT.Served served = CliIT.serve(cfg);
        try {
            assertThat(dir.resolve("etc/data/blobs")).isDirectory();
            // serve ran in this JVM's working folder: a cache resolved from there would be ./data.
            assertThat(Path.of("data").toAbsolutePath()).doesNotExist();
        } finally {
            served.stop();
        }
    }

    @Test
    void aMissingConfigFileSaysSo() throws Exception {
        Path missing = dir.resolve("nope.yaml");
        Process p = CliIT.start("serve", "--config", missing.toString());
        String out = CliIT.finish(p);
        assertThat(out).contains("cannot read the config file " + missing).contains("does not exist")
                .doesNotContain("NoSuchFileException");
        assertThat(p.exitValue()).isEqualTo(2);
    }
}
