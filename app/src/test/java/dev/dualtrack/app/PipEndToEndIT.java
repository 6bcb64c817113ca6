package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.pypi.FakeIndex;
import dev.dualtrack.pypi.WheelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real pip, in a fresh venv, installing through the real dualtrack process from a fake internal index and
 * a fake PyPI, with wheels built here. This is the torchtriton scenario: PyPI offers a higher version of an
 * internal name, and must neither win nor even be asked.
 */
class PipEndToEndIT {
    @TempDir
    static Path dir;
    static FakeIndex internal;
    static FakeIndex pypi;
    static Process proxy;
    static int port;
    static Path venv;

    @BeforeAll
    static void start() throws Exception {
        internal = new FakeIndex(false);
        pypi = new FakeIndex(false);
        internal.file("acme-utils", WheelBuilder.filename("acme-utils", "1.0"),
                WheelBuilder.wheel("acme-utils", "1.0", "VERSION = 'internal-1.0'\n"));
        pypi.file("acme-utils", WheelBuilder.filename("acme-utils", "99.0"),
                WheelBuilder.wheel("acme-utils", "99.0", "import os\nVERSION = 'attacker-99.0'\n"));
        pypi.file("tinylib", WheelBuilder.filename("tinylib", "1.0"),
                WheelBuilder.wheel("tinylib", "1.0", "VERSION = 'public-1.0'\n"));
        byte[] real = WheelBuilder.wheel("swapped", "1.0", "VERSION = 'real'\n");
        byte[] evil = WheelBuilder.wheel("swapped", "1.0", "VERSION = 'tampered'\n");
        pypi.file("swapped", WheelBuilder.filename("swapped", "1.0"), real, evil);

        Path cfg = dir.resolve("dualtrack.yaml");
        Files.writeString(cfg, """
                listen: {port: 0}
                cache: {dir: '%s'}
                audit: {output: '%s'}
                pypi:
                  upstreams:
                    - {name: internal, url: '%s', internal: true}
                    - {name: pypi, url: '%s'}
                  reserved: [{namespace: acme, upstream: internal}]
                """.formatted(dir.resolve("data"), dir.resolve("audit.log"), internal.simpleUrl(), pypi.simpleUrl()));
        proxy = CliIT.start("serve", "--config", cfg.toString());
        BufferedReader lines = new BufferedReader(new InputStreamReader(proxy.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            Matcher m = listening.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
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
        venv = dir.resolve("venv");
        assertThat(run(List.of("python3", "-m", "venv", venv.toString())).exit()).isZero();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.destroy();
            proxy.waitFor(30, TimeUnit.SECONDS);
        }
        internal.close();
        pypi.close();
    }

    record Result(int exit, String out) {
    }

    static Result run(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        // Neutralise this machine's pip configuration: the test must use dualtrack and nothing else.
        env.put("PIP_CONFIG_FILE", "/dev/null");
        env.remove("PIP_FIND_LINKS");
        env.remove("PIP_INDEX_URL");
        env.remove("PIP_EXTRA_INDEX_URL");
        env.put("PIP_DISABLE_PIP_VERSION_CHECK", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    static Result pip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(venv.resolve("bin/pip").toString(), "install", "--no-cache-dir",
                "--index-url", "http://127.0.0.1:" + port + "/pypi/simple/"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    static String version(String module) throws Exception {
        Result r = run(List.of(venv.resolve("bin/python").toString(), "-c", "import " + module
                + "; print(" + module + ".VERSION)"));
        return r.out().trim();
    }

    @Test
    void pipInstallsTheInternalPackageNotPypisHigherVersionAndPypiIsNeverAsked() throws Exception {
        Result r = pip("acme-utils", "tinylib");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(version("acme_utils")).isEqualTo("internal-1.0");
        assertThat(version("tinylib")).isEqualTo("public-1.0");
        assertThat(pypi.pageRequests("acme-utils")).isZero();
    }

    @Test
    void pipFailsOnAFileWhoseBytesDoNotMatchTheIndex() throws Exception {
        Result r = pip("swapped");
        assertThat(r.exit()).as(r.out()).isNotZero();
        assertThat(run(List.of(venv.resolve("bin/python").toString(), "-c", "import swapped")).exit()).isNotZero();
        assertThat(Files.readString(dir.resolve("audit.log"))).contains("\"rule\":\"pypi.hash-mismatch\"");
    }
}
