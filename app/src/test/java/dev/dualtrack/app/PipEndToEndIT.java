package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.pypi.FakeIndex;
import dev.dualtrack.pypi.WheelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
        pypi.file("report-tool", WheelBuilder.filename("report-tool", "3.0"),
                WheelBuilder.wheel("report-tool", "3.0", "VERSION = 'public-3.0'\n", "acme-utils>=1.0"));
        pypi.file("tinylib", WheelBuilder.filename("tinylib", "1.0"),
                WheelBuilder.wheel("tinylib", "1.0", "VERSION = 'public-1.0'\n"));
        // A typosquat is a young project; httpx2 resembles httpx too, but has been on the index for years.
        byte[] typo = WheelBuilder.wheel("reqeusts", "2.0", "VERSION = 'typosquat'\n");
        pypi.file("reqeusts", WheelBuilder.filename("reqeusts", "2.0"), typo, typo,
                java.time.Instant.now().minus(java.time.Duration.ofDays(5)).toString());
        byte[] near = WheelBuilder.wheel("httpx2", "0.3", "VERSION = 'established'\n");
        pypi.file("httpx2", WheelBuilder.filename("httpx2", "0.3"), near, near, "2023-03-01T09:00:00Z");
        pypi.file("evilpkg", WheelBuilder.filename("evilpkg", "1.0"),
                WheelBuilder.wheel("evilpkg", "1.0", "VERSION = 'malware'\n"));
        byte[] fresh = WheelBuilder.wheel("freshpkg", "1.0", "VERSION = 'fresh'\n");
        pypi.file("freshpkg", WheelBuilder.filename("freshpkg", "1.0"), fresh, fresh,
                java.time.Instant.now().minusSeconds(3600).toString());
        Path osv = Files.createDirectories(dir.resolve("osv/osv/malicious/pypi/evilpkg"));
        Files.writeString(osv.resolve("MAL-2099-1.json"),
                "{\"id\":\"MAL-2099-1\",\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"evilpkg\"},"
                        + "\"versions\":[\"1.0\"]}]}");
        // A name far from every popular project, so only the hash rule can stop it.
        byte[] real = WheelBuilder.wheel("dualtrack-tamper-demo", "1.0", "VERSION = 'real'\n");
        byte[] evil = WheelBuilder.wheel("dualtrack-tamper-demo", "1.0", "VERSION = 'tampered'\n");
        pypi.file("dualtrack-tamper-demo", WheelBuilder.filename("dualtrack-tamper-demo", "1.0"), real, evil);

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
                  malicious-feed: {path: '%s'}
                  min-release-age: {age: 72h, action: block}
                """.formatted(dir.resolve("data"), dir.resolve("audit.log"), internal.simpleUrl(), pypi.simpleUrl(),
                dir.resolve("osv")));
        CliIT.Served served = CliIT.serve(cfg);
        proxy = served.process();
        port = served.port();
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

    static ClientTools.Result run(List<String> cmd) throws Exception {
        return ClientTools.run(Path.of("."), Map.of(), cmd);
    }

    static ClientTools.Result pip(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(venv.resolve("bin/pip").toString(), "install", "--no-cache-dir",
                "--index-url", "http://127.0.0.1:" + port + "/pypi/simple/"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    static String version(String module) throws Exception {
        ClientTools.Result r = run(List.of(venv.resolve("bin/python").toString(), "-c", "import " + module
                + "; print(" + module + ".VERSION)"));
        return r.out().trim();
    }

    @Test
    void aPublicPackageThatDependsOnAnInternalNameGetsTheInternalVersion() throws Exception {
        Path other = dir.resolve("venv-deps");
        assertThat(run(List.of("python3", "-m", "venv", other.toString())).exit()).isZero();
        ClientTools.Result r = run(List.of(other.resolve("bin/pip").toString(), "install", "--no-cache-dir", "--index-url",
                "http://127.0.0.1:" + port + "/pypi/simple/", "report-tool"));
        assertThat(r.exit()).as(r.out()).isZero();
        ClientTools.Result v = run(List.of(other.resolve("bin/python").toString(), "-c",
                "import acme_utils, report_tool; print(acme_utils.VERSION, report_tool.VERSION)"));
        assertThat(v.out().trim()).isEqualTo("internal-1.0 public-3.0");
        assertThat(pypi.pageRequests("acme-utils")).isZero();
    }

    @Test
    void pipInstallsTheInternalPackageNotPypisHigherVersionAndPypiIsNeverAsked() throws Exception {
        ClientTools.Result r = pip("acme-utils", "tinylib");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(version("acme_utils")).isEqualTo("internal-1.0");
        assertThat(version("tinylib")).isEqualTo("public-1.0");
        assertThat(pypi.pageRequests("acme-utils")).isZero();
    }

    static String audit() throws Exception {
        for (int i = 0; i < 50 && !Files.exists(dir.resolve("audit.log")); i++) {
            Thread.sleep(100);
        }
        return Files.readString(dir.resolve("audit.log"));
    }

    @Test
    void typosquatsMaliciousAndTooYoungReleasesAreRefused() throws Exception {
        ClientTools.Result typo = pip("reqeusts");
        assertThat(typo.exit()).as(typo.out()).isNotZero();
        ClientTools.Result evil = pip("evilpkg==1.0");
        assertThat(evil.exit()).as(evil.out()).isNotZero();
        assertThat(evil.out()).contains("No matching distribution found for evilpkg==1.0");
        ClientTools.Result fresh = pip("freshpkg");
        assertThat(fresh.exit()).as(fresh.out()).isNotZero();
        Thread.sleep(300);
        String log = audit();
        // The evidence is in the audit line: the candidate's age, its releases, and what it resembles.
        assertThat(log).contains("\"rule\":\"pypi.typosquat\"",
                "reqeusts is 5 days old, has 1 release, and is 1 edit from 'requests' (rank ");
        assertThat(log).contains("\"rule\":\"pypi.malicious-feed\"", "MAL-2099-1");
        assertThat(log).contains("\"rule\":\"pypi.min-release-age\"");
        String metrics = new String(new java.net.URL("http://127.0.0.1:" + port + "/metrics").openStream()
                .readAllBytes(), StandardCharsets.UTF_8);
        // The typosquat's project was refused (its page asked for); the malicious and too-young files were left
        // out of their pages, which pip then found nothing installable in: hidden, not refused fetches.
        assertThat(metrics).containsPattern("dualtrack_blocked_total\\{rule=\"pypi\\.typosquat\",track=\"pypi\"} [1-9]");
        for (String rule : List.of("pypi.malicious-feed", "pypi.min-release-age")) {
            assertThat(metrics).containsPattern("dualtrack_hidden_total\\{rule=\"" + rule.replace(".", "\\.")
                    + "\",track=\"pypi\"} [1-9]");
        }
    }

    @Test
    void anEstablishedProjectWhoseNameResemblesAPopularOneInstalls() throws Exception {
        ClientTools.Result r = pip("httpx2");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("Successfully installed httpx2-0.3");
        assertThat(audit()).doesNotContain("httpx2 is");
    }

    @Test
    void requireHashesWorksThroughTheProxy() throws Exception {
        byte[] wheel = WheelBuilder.wheel("tinylib", "1.0", "VERSION = 'public-1.0'\n");
        Path req = dir.resolve("requirements.txt");
        Files.writeString(req, "tinylib==1.0 --hash=sha256:" + FakeIndex.sha256(wheel) + "\n");
        Path other = dir.resolve("venv-hashes");
        assertThat(run(List.of("python3", "-m", "venv", other.toString())).exit()).isZero();
        ClientTools.Result r = run(List.of(other.resolve("bin/pip").toString(), "install", "--no-cache-dir", "--require-hashes",
                "--index-url", "http://127.0.0.1:" + port + "/pypi/simple/", "-r", req.toString()));
        assertThat(r.exit()).as(r.out()).isZero();
    }

    @Test
    void debiansPoetry132ResolvesThroughTheHtmlPages() throws Exception {
        ClientTools.assumeInstalled("poetry", "python3-poetry");
        // poetry 1.3.2 (Debian 12) sends "Accept: */*" and reads only PEP 503 HTML.
        Path project = Files.createDirectories(dir.resolve("poetry-project"));
        Files.writeString(project.resolve("pyproject.toml"), """
                [tool.poetry]
                name = "consumer"
                version = "0.1.0"
                description = "uses dualtrack"
                authors = ["Test <test@example.com>"]

                [tool.poetry.dependencies]
                python = "^3.8"
                acme-utils = "*"
                tinylib = "*"

                [build-system]
                requires = ["poetry-core"]
                build-backend = "poetry.core.masonry.api"
                """);
        Map<String, String> env = Map.of("HOME", dir.resolve("poetry-home").toString(),
                "POETRY_CACHE_DIR", dir.resolve("poetry-cache").toString(), "POETRY_VIRTUALENVS_IN_PROJECT", "true");
        // The command docs/pypi.md gives for poetry before 1.5 (Debian's 1.3.2 has --default, not --priority).
        ClientTools.Result add = ClientTools.run(project, env, List.of("poetry", "source", "add", "--default",
                "dualtrack", "http://127.0.0.1:" + port + "/pypi/simple/"));
        assertThat(add.exit()).as(add.out()).isZero();
        assertThat(Files.readString(project.resolve("pyproject.toml"))).contains("default = true");
        ClientTools.Result lockRun = ClientTools.run(project, env,
                List.of("poetry", "lock", "--no-interaction", "--directory", project.toString()));
        assertThat(lockRun.exit()).as(lockRun.out()).isZero();
        String lock = Files.readString(project.resolve("poetry.lock"));
        assertThat(lock).contains("name = \"acme-utils\"\nversion = \"1.0\"", "name = \"tinylib\"")
                .doesNotContain("99.0");
        assertThat(pypi.pageRequests("acme-utils")).isZero();
    }

    @Test
    void whatPipAndPoetrySayForAHiddenProjectAndAHiddenRelease() throws Exception {
        ClientTools.Result typo = pip("reqeusts");
        assertThat(typo.out()).contains("No matching distribution found for reqeusts");
        ClientTools.Result evil = pip("evilpkg==1.0");
        assertThat(evil.out()).contains("No matching distribution found for evilpkg==1.0");
        ClientTools.assumeInstalled("poetry", "python3-poetry");
        Path project = ClientTools.poetryProject(dir.resolve("poetry-hidden"), port, "reqeusts = \"*\"");
        ClientTools.Result lock = ClientTools.poetryLock(dir, project, Map.of());
        assertThat(lock.exit()).as(lock.out()).isNotZero();
        assertThat(lock.out()).containsIgnoringCase("reqeusts");
        System.out.println("what the clients print for a hidden project or release:\n  pip: "
                + lastLines(typo.out(), 1) + "\n  pip: " + lastLines(evil.out(), 1) + "\n  poetry 1.3.2: "
                + lastLines(lock.out(), 3));
    }

    static String lastLines(String out, int n) {
        String[] lines = out.strip().split("\n");
        return String.join(" / ", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - n), lines.length));
    }

    @Test
    void pipFailsOnAFileWhoseBytesDoNotMatchTheIndex() throws Exception {
        ClientTools.Result r = pip("dualtrack-tamper-demo");
        assertThat(r.exit()).as(r.out()).isNotZero();
        assertThat(run(List.of(venv.resolve("bin/python").toString(), "-c", "import dualtrack_tamper_demo")).exit())
                .isNotZero();
        Thread.sleep(300);
        assertThat(audit()).contains("\"rule\":\"pypi.hash-mismatch\"");
    }
}
