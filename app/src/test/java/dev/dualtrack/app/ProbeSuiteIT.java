package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.hf.FakeHub;
import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.pypi.FakeIndex;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probes of the hardening issue, replayed against the real dualtrack process: a client on the network, and
 * index pages and Hub answers under an attacker's control. Every fake upstream logs what it was asked, and the
 * assertions are on those logs ("never asked"), not only on the status codes. One test per item of the issue;
 * the item number is in each test's name.
 */
@Timeout(120)
class ProbeSuiteIT {
    static final byte[] TINY = "tinylib 1.0".getBytes(StandardCharsets.UTF_8);
    static final byte[] POPULAR = "popular clean wheel".getBytes(StandardCharsets.UTF_8);
    static final String HUB_COMMIT = "7".repeat(40);
    static final String MALLORY_COMMIT = "8".repeat(40);

    @TempDir
    static Path dir;
    static FakeIndex internal;
    static FakeIndex pypi;
    static FakeHub hub;
    static ScriptedOrigin otherPort;
    static dev.dualtrack.proxy.testing.BannerServer banner;
    static CliIT.Served proxy;
    static final ExecutorService POOL = Executors.newFixedThreadPool(50);

    @BeforeAll
    static void start() throws Exception {
        internal = new FakeIndex(false);
        pypi = new FakeIndex(false);
        otherPort = new ScriptedOrigin();
        otherPort.on("/portlink-1.0-py3-none-any.whl", Script.ok(BodySource.of(TINY)));
        banner = new dev.dualtrack.proxy.testing.BannerServer();

        internal.file("corp-lib", "corp_lib-1.0-py3-none-any.whl", TINY);
        pypi.file("tinylib", "tinylib-1.0-py3-none-any.whl", TINY);
        pypi.file("goodlib", "goodlib-1.0-py3-none-any.whl", POPULAR);
        pypi.file("mallory", "mallory-1.0-py3-none-any.whl", POPULAR, "not what was announced".getBytes(
                StandardCharsets.UTF_8));
        page(internal.origin(), "portlink", entry("portlink-1.0-py3-none-any.whl",
                otherPort.uri("/portlink-1.0-py3-none-any.whl").toString(), sha("portlink")));
        page(internal.origin(), "metadata-svc", entry("metadata_svc-1.0-py3-none-any.whl",
                "http://169.254.169.254/latest/meta-data/metadata_svc-1.0-py3-none-any.whl", sha("metadata")));
        page(internal.origin(), "filelink", entry("filelink-1.0-py3-none-any.whl", "file:///etc/passwd",
                sha("file")));
        page(internal.origin(), "banner", entry("banner-1.0-py3-none-any.whl", "http://127.0.0.1:"
                + banner.port() + "/banner-1.0-py3-none-any.whl", sha("banner")));
        String forged = "newline-1.0-py3-none-any.whl\n{\"project\":\"goodlib\",\"filename\":"
                + "\"goodlib-1.0-py3-none-any.whl\",\"sha256\":\"" + "0".repeat(64) + "\"}";
        page(pypi.origin(), "newline", entry(forged, pypi.origin().uri("/packages/n.whl").toString(), sha("n")));
        byte[] slow = "{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"trickle\",\"files\":[]}"
                .getBytes(StandardCharsets.UTF_8);
        pypi.origin().on("/simple/trickle/", Script.ok(BodySource.of(slow)).chunkSize(1).dribble(300)
                .header("Content-Type", "application/vnd.pypi.simple.v1+json"));
        pypi.origin().on("/simple/crowd/", Script.ok(BodySource.of(("{\"meta\":{\"api-version\":\"1.1\"},"
                + "\"name\":\"crowd\",\"files\":[]}").getBytes(StandardCharsets.UTF_8))).delayHeaders(500)
                .header("Content-Type", "application/vnd.pypi.simple.v1+json"));

        byte[] popularVocab = "a popular, clean vocabulary\n".repeat(2000).getBytes(StandardCharsets.UTF_8);
        hub = new FakeHub("acme/bert", HUB_COMMIT).pageSize(1)
                .lfsFile("popular.vocab", popularVocab, popularVocab)
                .lfsFile("big.vocab", bigBytes(), bigBytes());
        hub.cdn().on("/mallory/payload", Script.ok(BodySource.of(evilPickle())).chunked());
        hub.anotherRepo("mallory/lookalike", MALLORY_COMMIT).lfsRedirect("popular.vocab", popularVocab,
                hub.cdn().uri("/mallory/payload"));

        proxy = CliIT.serve(config(dir.resolve("main")), Map.of("PROBE_TOKEN", "s3cret-probe-token"));
    }

    static Path config(Path data) throws Exception {
        Files.createDirectories(data);
        Path cfg = data.resolve("dualtrack.yaml");
        Files.writeString(cfg, """
                listen: {port: 0, write-stall-timeout: 1s, public-url: 'https://dualtrack.corp.example'}
                admin: {port: 0, metrics-only: true}
                cache: {dir: '%s', metadata-ttl: 1s}
                audit: {output: '%s'}
                upstream-client: {metadata-deadline: 2s}
                pypi:
                  upstreams:
                    - {name: internal, url: '%s', internal: true, auth: {bearer-env: PROBE_TOKEN},
                       file-hosts: ['127.0.0.1:%d']}
                    - {name: pypi, url: '%s'}
                  reserved: [{project: torchtriton, upstream: internal}]
                hf:
                  upstream: '%s'
                  redirect-hosts: ['127.0.0.1:%d']
                """.formatted(data.resolve("cache"), data.resolve("audit.log"), internal.simpleUrl(),
                banner.port(), pypi.simpleUrl(), hub.hub().uri(""), hub.cdn().port()));
        return cfg;
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.stop();
        }
        internal.close();
        pypi.close();
        hub.close();
        otherPort.close();
        banner.close();
        POOL.shutdownNow();
    }

    static String sha(String seed) {
        return FakeIndex.sha256(seed.getBytes(StandardCharsets.UTF_8));
    }

    static String entry(String filename, String url, String sha) {
        return "{\"filename\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(filename) + ",\"url\":\"" + url
                + "\",\"hashes\":{\"sha256\":\"" + sha + "\"}}";
    }

    static void page(ScriptedOrigin origin, String project, String... entries) {
        String body = "{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"" + project + "\",\"files\":["
                + String.join(",", entries) + "]}";
        origin.on("/simple/" + project + "/", Script.ok(BodySource.of(body.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/vnd.pypi.simple.v1+json"));
    }

    /** {@code os.system("aaa…")} with a 600 KB argument, so the block comes long before the end. */
    static byte[] evilPickle() {
        return dev.dualtrack.hf.HfRouteTest.bigEvilPickle();
    }

    static byte[] bigBytes() {
        byte[] b = new byte[24 << 20];
        java.util.Arrays.fill(b, (byte) 'v');
        return b;
    }

    static RawHttpClient.Response get(String path) throws Exception {
        return RawHttpClient.get(proxy.port(), path, "Accept: application/vnd.pypi.simple.v1+json");
    }

    static List<String> pypiAsked() {
        List<String> paths = new ArrayList<>();
        for (ScriptedOrigin o : List.of(internal.origin(), pypi.origin(), otherPort)) {
            o.requestHeaders().forEach(h -> paths.add(h.get(":path")));
        }
        return paths;
    }

    static String audit() throws Exception {
        Path log = dir.resolve("main/audit.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    static void awaitAudit(String... parts) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            String a = audit();
            if (a.lines().anyMatch(l -> java.util.Arrays.stream(parts).allMatch(l::contains))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no audit line with " + List.of(parts) + " in:\n" + audit());
    }

    // ---- 1 -----------------------------------------------------------------------------------------------------

    @Test
    void item1ReservedNamesTyposquatsAndDotSegmentsNeverReachAnUpstream() throws Exception {
        for (String path : List.of("/pypi/files/torchtriton%23/torchtriton-99.0-py3-none-any.whl",
                "/pypi/files/torchtriton%3F/torchtriton-99.0-py3-none-any.whl",
                "/pypi/files/TorchTriton%23/torchtriton-99.0-py3-none-any.whl",
                "/pypi/files/requets%23/requets-1.0-py3-none-any.whl", "/pypi/simple/torchtriton%23/",
                "/pypi/tinylib/../json", "/pypi/tinylib%3Fx=1/json", "/pypi/tinylib/1.0%3Fx=1/json",
                "/pypi/tinylib/%2e%2e/json", "/pypi/simple/-bad-/", "/pypi/files/tinylib/..%2Fx.whl")) {
            assertThat(get(path).status()).as(path).isEqualTo(404);
        }
        assertThat(pypiAsked()).noneMatch(p -> p.toLowerCase(Locale.ROOT).contains("torch") || p.contains("requets")
                || p.contains("..") || p.contains("x=1") || p.contains("-bad-"));
    }

    // ---- 2 -----------------------------------------------------------------------------------------------------

    @Test
    void item2APoisonedDownloadNeverBlocksTheCleanFileItAnnounced() throws Exception {
        String cleanSha = FakeHub.sha256("a popular, clean vocabulary\n".repeat(2000)
                .getBytes(StandardCharsets.UTF_8));
        RawHttpClient.Response poisoned = RawHttpClient.get(proxy.port(),
                "/hf/mallory/lookalike/resolve/main/popular.vocab");
        assertThat(poisoned.status()).isEqualTo(403);
        awaitAudit("mallory/lookalike", "\"block\"");
        assertThat(audit().lines().filter(l -> l.contains("mallory/lookalike"))).noneMatch(l -> l.contains(cleanSha));
        int asked = hub.cdn().requests("/mallory/payload");
        assertThat(RawHttpClient.get(proxy.port(), "/hf/mallory/lookalike/resolve/main/popular.vocab").status())
                .isEqualTo(403);
        assertThat(hub.cdn().requests("/mallory/payload")).as("refused before any CDN byte").isEqualTo(asked);
        RawHttpClient.Response clean = RawHttpClient.get(proxy.port(), "/hf/acme/bert/resolve/main/popular.vocab");
        assertThat(clean.status()).isEqualTo(200);
        assertThat(clean.bodySha256()).isEqualTo(cleanSha);
        // The same on PyPI: a mismatch is about its source, not the hash it announced.
        assertThat(get("/pypi/files/mallory/mallory-1.0-py3-none-any.whl").status()).isEqualTo(403);
        RawHttpClient.Response good = get("/pypi/files/goodlib/goodlib-1.0-py3-none-any.whl");
        assertThat(good.status()).isEqualTo(200);
        assertThat(good.body()).isEqualTo(POPULAR);
    }

    // ---- 3 -----------------------------------------------------------------------------------------------------

    @Test
    void item3ANewlineInAFilenameCannotForgeTheLedgerEvenAcrossARestart() throws Exception {
        Path data = dir.resolve("ledger");
        CliIT.Served own = CliIT.serve(config(data), Map.of("PROBE_TOKEN", "t"));
        try {
            RawHttpClient.Response page = RawHttpClient.get(own.port(), "/pypi/simple/newline/",
                    "Accept: application/vnd.pypi.simple.v1+json");
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.text()).doesNotContain("goodlib").doesNotContain("newline-1.0");
            assertThat(RawHttpClient.get(own.port(), "/pypi/files/goodlib/goodlib-1.0-py3-none-any.whl").status())
                    .isEqualTo(200);
        } finally {
            own.stop();
        }
        List<String> ledger = Files.readAllLines(data.resolve("cache/pypi-first-seen.jsonl"));
        assertThat(ledger).isNotEmpty().noneMatch(l -> l.contains("0".repeat(64)));
        CliIT.Served again = CliIT.serve(config(data), Map.of("PROBE_TOKEN", "t"));
        try {
            RawHttpClient.Response genuine = RawHttpClient.get(again.port(),
                    "/pypi/files/goodlib/goodlib-1.0-py3-none-any.whl");
            assertThat(genuine.status()).isEqualTo(200);
            assertThat(genuine.body()).isEqualTo(POPULAR);
        } finally {
            again.stop();
        }
    }

    // ---- 4, 5, 8 -----------------------------------------------------------------------------------------------

    @Test
    void item4TheTokenNeverGoesToAnotherPort() throws Exception {
        RawHttpClient.Response r = get("/pypi/files/portlink/portlink-1.0-py3-none-any.whl");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.headers()).containsEntry("x-dualtrack-rule", "pypi.file-host");
        assertThat(otherPort.connections()).as("never asked").isZero();
        // The index itself did get the token.
        assertThat(internal.origin().requestHeaders()).anySatisfy(h -> assertThat(h)
                .containsEntry("authorization", "Bearer s3cret-probe-token"));
    }

    @Test
    void item5LinksToMetadataAddressesOrPlaintextServicesAreNotFollowedOrEchoed() throws Exception {
        RawHttpClient.Response meta = get("/pypi/files/metadata-svc/metadata_svc-1.0-py3-none-any.whl");
        assertThat(meta.status()).isEqualTo(403);
        assertThat(meta.headers()).containsEntry("x-dualtrack-rule", "pypi.file-host");
        // An allowed host that speaks no HTTP: its banner never comes back, in text or in hex.
        RawHttpClient.Response b = get("/pypi/files/banner/banner-1.0-py3-none-any.whl");
        assertThat(b.status()).isEqualTo(502);
        assertThat(banner.connections()).isPositive();
        assertThat(b.text()).doesNotContain("secret-banner").doesNotContain("SSH")
                .doesNotContainIgnoringCase(HexFormat.of().formatHex("secret".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    @Timeout(10)
    void item8AFileSchemeLinkIsAnsweredAtOnce() throws Exception {
        long t0 = System.nanoTime();
        RawHttpClient.Response r = get("/pypi/files/filelink/filelink-1.0-py3-none-any.whl");
        assertThat(r.status()).isEqualTo(403);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1000);
    }

    // ---- 6 -----------------------------------------------------------------------------------------------------

    @Test
    void item6CredentialsInAnUpstreamUrlFailCheckConfigWithoutBeingShown() throws Exception {
        Path cfg = dir.resolve("userinfo.yaml");
        Files.writeString(cfg, "pypi:\n  upstreams:\n    - {name: corp, url: 'http://user:hunter2@127.0.0.1:1/simple/'}\n");
        Process p = CliIT.start("check-config", cfg.toString());
        String out = CliIT.finish(p);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("auth").contains("bearer-env").doesNotContain("hunter2");
    }

    // ---- 7 and 9 -----------------------------------------------------------------------------------------------

    @Test
    void item7ACrowdOfFirstRequestsCostsOneUpstreamFetch() throws Exception {
        List<CompletableFuture<Integer>> crowd = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            crowd.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return get("/pypi/simple/crowd/").status();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, POOL));
        }
        for (CompletableFuture<Integer> f : crowd) {
            assertThat(f.get()).isEqualTo(200);
        }
        assertThat(pypi.pageRequests("crowd")).isEqualTo(1);
    }

    @Test
    void item9ATrickledPageEndsAtTheDeadline() throws Exception {
        long t0 = System.nanoTime();
        assertThat(get("/pypi/simple/trickle/").status()).isEqualTo(504);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
    }

    @Test
    void item9AClientThatStopsReadingACachedFileIsCutOff() throws Exception {
        // Cache the 24 MiB file first.
        assertThat(RawHttpClient.get(proxy.port(), "/hf/acme/bert/resolve/main/big.vocab").status()).isEqualTo(200);
        long total = RawHttpClient.bytesBeforeCutOff(proxy.port(), "/hf/acme/bert/resolve/main/big.vocab", 4000);
        assertThat(total).as("cut off before the whole cached file").isLessThan(24 << 20);
    }

    // ---- 10 ----------------------------------------------------------------------------------------------------

    static String raw(int port, String request) throws Exception {
        return RawHttpClient.raw(port, request);
    }

    @Test
    void item10HostHeadersLinksMetricsAndReadiness() throws Exception {
        assertThat(raw(proxy.port(), "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw(proxy.port(), "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 400");
        // The next-page Link is built on public-url, whatever Host the client sent.
        String tree = raw(proxy.port(), "GET /hf/api/models/acme/bert/tree/main HTTP/1.1\r\nHost: evil.example\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(tree).startsWith("HTTP/1.1 200").contains("<https://dualtrack.corp.example/hf/")
                .doesNotContain("evil.example");
        // /metrics names upstream hosts: only on the admin port here.
        assertThat(RawHttpClient.get(proxy.port(), "/metrics").status()).isEqualTo(404);
        RawHttpClient.Response m = RawHttpClient.get(proxy.adminPort(), "/metrics");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.text()).contains("dualtrack_audit_dropped_total")
                .contains("dualtrack_blocked_total{rule=\"pypi.file-host\",track=\"pypi\"}");
        assertThat(RawHttpClient.get(proxy.port(), "/readyz").status()).isEqualTo(200);
    }
}
