package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real jar, started as a process, as a user would run it. */
class CliIT {
    static final Path JAR = Path.of(System.getProperty("dualtrack.jar", "target/dualtrack.jar"));

    static Process start(String... args) throws Exception {
        return start(java.util.Map.of(), args);
    }

    static Process start(java.util.Map<String, String> env, String... args) throws Exception {
        return startIn(null, env, args);
    }

    /** As above, with {@code dir} as the working directory (null: this one). */
    static Process startIn(Path dir, java.util.Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", JAR.toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        return pb.start();
    }

    /**
     * Starts {@code serve} on {@code config} (which listens on port 0) and returns the port it reports; the rest
     * of its output is read and dropped, so the process never blocks on a full pipe.
     */
    static Served serve(Path config) throws Exception {
        return serve(config, java.util.Map.of());
    }

    static Served serve(Path config, java.util.Map<String, String> env) throws Exception {
        Process p = start(env, "serve", "--config", config.toString());
        BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening on https?://127\\.0\\.0\\.1:(\\d+)( \\(admin on port (\\d+)\\))?");
        int port = -1;
        int admin = -1;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            Matcher m = listening.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                admin = m.group(3) == null ? -1 : Integer.parseInt(m.group(3));
                break;
            }
        }
        assertThat(port).as("dualtrack started").isPositive();
        Thread drain = new Thread(() -> {
            try {
                lines.transferTo(java.io.Writer.nullWriter());
            } catch (java.io.IOException ignored) {
                // process ended
            }
        });
        drain.setDaemon(true);
        drain.start();
        return new Served(p, port, admin);
    }

    /** A running {@code serve} process, its port, and its admin port (-1 without one). */
    record Served(Process process, int port, int adminPort) {
        void stop() throws InterruptedException {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    static String finish(Process p) throws Exception {
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void versionNamesTheCommitAndHealthReadsTheConfig(@TempDir Path dir) throws Exception {
        Process v = start("--version");
        assertThat(finish(v)).containsPattern("dualtrack \\S+ \\(commit [0-9a-f]{7}");
        Path cfg = dir.resolve("d.yaml");
        Files.writeString(cfg, "listen: {port: 0}\ncache: {dir: '" + dir.resolve("c") + "'}\n");
        Served served = serve(cfg);
        try {
            Path fixed = dir.resolve("fixed.yaml");
            Files.writeString(fixed, "listen: {port: " + served.port() + "}\ncache: {dir: '" + dir.resolve("c")
                    + "'}\n");
            Process h = start("health", "--config", fixed.toString());
            assertThat(finish(h)).contains("healthy");
            assertThat(h.exitValue()).isZero();
        } finally {
            served.stop();
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void theAccessLogHasALinePerRequestWithoutTheQuery(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("a.yaml");
        Files.writeString(cfg, "listen: {port: 0, access-log: true}\ncache: {dir: '" + dir.resolve("c") + "'}\n");
        Process p = start("serve", "--config", cfg.toString());
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8));
            int port = -1;
            while (port < 0) {
                String line = lines.readLine();
                if (line == null) {
                    break;
                }
                Matcher m = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)").matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertThat(port).isPositive();
            HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/healthz?token=secret")).build(), HttpResponse.BodyHandlers.discarding());
            String access = null;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.contains("dualtrack.access")) {
                    access = line;
                    break;
                }
            }
            assertThat(access).isNotNull().contains("127.0.0.1 GET /healthz 200 3B").doesNotContain("secret");
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void serveWithABadConfigExitsTwoWithFileLineColumnErrors(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "listen:\n  host: 127.0.0.1\n  prot: 9000\npypi:\n  reserved: [{project: x, upstream: nope}]\n");
        Process p = start("serve", "--config", bad.toString());
        String out = finish(p);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains(bad + ":3:3: listen.prot: unknown key (did you mean 'port'?)")
                .contains(bad + ":5:37: pypi.reserved[0].upstream: reservation names upstream 'nope'")
                .contains("not starting");
    }

    @Test
    void checkConfigWarnsOfExpiredAndExpiringWaiversWithTheirLocation(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("waivers.yaml");
        String sha = "a".repeat(64);
        Files.writeString(cfg, "policy:\n  waivers:\n"
                + "    - {track: pypi, sha256: '" + sha + "', reason: old, expires: 2020-01-01, ticket: SEC-1}\n"
                + "    - {track: hf, sha256: '" + sha + "', reason: soon, expires: '"
                + java.time.Instant.now().plus(java.time.Duration.ofDays(3)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                + "', ticket: SEC-2}\n"
                + "    - {track: hf, project: 'acme/*', reason: later, expires: 2999-01-01}\n");
        Process p = start("check-config", cfg.toString());
        String out = finish(p);
        assertThat(p.exitValue()).isZero();
        assertThat(out).contains(cfg + ":3:").contains("warning: policy.waivers[0].expires: waiver SEC-1 expired")
                .contains(cfg + ":4:").contains("warning: policy.waivers[1].expires: waiver SEC-2 expires")
                .doesNotContain("waivers[2]").contains(cfg + ": ok");
    }

    @Test
    void checkConfigSaysOkOrListsErrors(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "listen: {port: 18080}\n");
        Process ok = start("check-config", good.toString());
        assertThat(finish(ok)).contains(good + ": ok");
        assertThat(ok.exitValue()).isZero();
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "relay: {hold: 2 parsecs}\n");
        Process no = start("check-config", bad.toString());
        assertThat(finish(no)).contains(bad + ":1:15: relay.hold: not a size");
        assertThat(no.exitValue()).isEqualTo(2);
    }

    @Test
    void unknownCommandsAndOptionsAreUsageErrors() throws Exception {
        Process p = start("serve", "--no-such-flag");
        assertThat(finish(p)).contains("Unknown option");
        assertThat(p.exitValue()).isEqualTo(2);
    }

    @Test
    void serveWithAGoodConfigAnswersHealthAndListsTheMetrics(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("dualtrack.yaml");
        Files.writeString(cfg, "listen: {port: 0}\nadmin: {port: 0}\ncache: {dir: '" + dir.resolve("data")
                + "'}\naudit: {output: '" + dir.resolve("audit.log") + "'}\n");
        Process p = start("serve", "--config", cfg.toString());
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+) \\(admin on port (\\d+)\\)");
            Matcher m = null;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                Matcher candidate = listening.matcher(line);
                if (candidate.find()) {
                    m = candidate;
                    break;
                }
            }
            assertThat(m).as("the listening line").isNotNull();
            int port = Integer.parseInt(m.group(1));
            int admin = Integer.parseInt(m.group(2));
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("ok\n");
            Process probe = start("health", "--url", "http://127.0.0.1:" + port + "/healthz");
            assertThat(finish(probe)).contains("healthy");
            assertThat(probe.exitValue()).isZero();
            Process down = start("health", "--url", "http://127.0.0.1:1/healthz", "--timeout", "2");
            assertThat(finish(down)).contains("unhealthy");
            assertThat(down.exitValue()).isEqualTo(1);
            for (int target : new int[] {port, admin}) {
                String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target
                        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains(
                        "dualtrack_blocked_total{rule=\"pypi.reserved-name\",track=\"pypi\"} 0.0",
                        "dualtrack_blocked_total{rule=\"hf.pickle.dangerous-import\",track=\"hf\"} 0.0",
                        "dualtrack_requests_total{outcome=\"ok\",track=\"none\"}",
                        "dualtrack_upstream_request_seconds_bucket{host=\"pypi.org\"",
                        "dualtrack_upstream_request_seconds_bucket{host=\"huggingface.co\"",
                        "dualtrack_bytes_total{direction=\"upstream\",track=\"hf\"} 0.0",
                        "dualtrack_cache_hits_total", "dualtrack_cache_misses_total",
                        "dualtrack_inspection_seconds_bucket{track=\"hf\"");
            }
        } finally {
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
