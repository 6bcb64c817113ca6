package dev.dualtrack.pypi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.config.Secrets;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.server.Router;
import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.pypi.policy.FirstSeenHashes;
import dev.dualtrack.pypi.policy.PackagePolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks found by probing the running proxy (hardening issue), each replayed against the real proxy with
 * fake indexes that log every request. Assertions are on what the upstreams were asked, not only on statuses.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(30)
class PypiHardeningTest {
    static final byte[] TINY = "tinylib 1.0".getBytes(StandardCharsets.UTF_8);
    static final byte[] POPULAR = "popular clean wheel".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path data;
    static FakeIndex internal;
    static FakeIndex pypi;
    /** Another port on the internal index's host, and a service that answers no HTTP at all. */
    static ScriptedOrigin otherPort;
    static dev.dualtrack.proxy.testing.BannerServer plaintext;
    static ProxyRuntime runtime;
    static final List<String> audit = new CopyOnWriteArrayList<>();
    static final java.util.concurrent.ExecutorService POOL = java.util.concurrent.Executors.newFixedThreadPool(50);

    @BeforeAll
    static void start() throws Exception {
        internal = new FakeIndex(false);
        pypi = new FakeIndex(false);
        otherPort = new ScriptedOrigin();
        otherPort.on("/portlink-1.0-py3-none-any.whl", Script.ok(BodySource.of(TINY)));
        plaintext = new dev.dualtrack.proxy.testing.BannerServer();

        internal.file("corp-lib", "corp_lib-1.0-py3-none-any.whl", TINY);
        pypi.file("tinylib", "tinylib-1.0-py3-none-any.whl", TINY);
        pypi.file("goodlib", "goodlib-1.0-py3-none-any.whl", POPULAR);
        // mallory announces goodlib's hash and serves other bytes.
        pypi.file("mallory", "mallory-1.0-py3-none-any.whl", POPULAR, "not what was announced".getBytes(
                StandardCharsets.UTF_8));
        internalPage("portlink", "portlink-1.0-py3-none-any.whl", otherPort.uri("/portlink-1.0-py3-none-any.whl")
                .toString(), FakeIndex.sha256(TINY));
        internalPage("metadata-svc", "metadata_svc-1.0-py3-none-any.whl",
                "http://169.254.169.254/latest/meta-data/metadata_svc-1.0-py3-none-any.whl", FakeIndex.sha256(TINY));
        internalPage("filelink", "filelink-1.0-py3-none-any.whl", "file:///etc/passwd", FakeIndex.sha256(TINY));
        internalPage("ftplink", "ftplink-1.0-py3-none-any.whl", "ftp://127.0.0.1/ftplink-1.0-py3-none-any.whl",
                FakeIndex.sha256(TINY));
        internalPage("banner", "banner-1.0-py3-none-any.whl", "http://127.0.0.1:" + plaintext.port()
                + "/banner-1.0-py3-none-any.whl", FakeIndex.sha256("never cached".getBytes(StandardCharsets.UTF_8)));
        internal.origin().on("/packages/secret-1.0-py3-none-any.whl", Script.status(500)
                .header("Content-Type", "text/plain"));
        internalPage("secret", "secret-1.0-py3-none-any.whl",
                internal.origin().uri("/packages/secret-1.0-py3-none-any.whl").toString(),
                FakeIndex.sha256("never cached either".getBytes(StandardCharsets.UTF_8)));
        // A filename holding a newline and a forged ledger record for tinylib.
        String forged = "newline-1.0-py3-none-any.whl\n{\"project\":\"tinylib\",\"filename\":"
                + "\"tinylib-1.0-py3-none-any.whl\",\"sha256\":\"" + "0".repeat(64) + "\"}";
        pypiPage("newline", List.of(entry(forged, pypi.origin().uri("/packages/n.whl").toString(),
                FakeIndex.sha256(TINY)), entry("newline-2.0-py3-none-any.whl", pypi.origin()
                .uri("/packages/newline-2.0-py3-none-any.whl").toString(), FakeIndex.sha256(TINY))));
        pypi.origin().on("/packages/newline-2.0-py3-none-any.whl", Script.ok(BodySource.of(TINY)));
        // A page trickled a byte every 300 ms: each byte resets the read timeout, the deadline still ends it.
        byte[] slow = ("{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"trickle\",\"files\":[]}")
                .getBytes(StandardCharsets.UTF_8);
        pypi.origin().on("/simple/trickle/", Script.ok(BodySource.of(slow)).chunkSize(1).dribble(300)
                .header("Content-Type", "application/vnd.pypi.simple.v1+json"));
        // A page slow enough that a crowd of first requests arrives while it is being fetched.
        pypiPage("crowd", List.of(entry("crowd-1.0-py3-none-any.whl", pypi.origin()
                .uri("/packages/crowd-1.0-py3-none-any.whl").toString(), FakeIndex.sha256(TINY))));
        pypi.origin().on("/simple/crowd/", Script.ok(BodySource.of(("{\"meta\":{\"api-version\":\"1.1\"},"
                + "\"name\":\"crowd\",\"files\":[]}").getBytes(StandardCharsets.UTF_8))).delayHeaders(500)
                .header("Content-Type", "application/vnd.pypi.simple.v1+json"));

        DualtrackConfig config = ConfigLoader.parse("test", """
                listen: {port: 0}
                cache: {dir: '%s', metadata-ttl: 200ms}
                upstream-client: {metadata-deadline: 2s, read-timeout: 5s}
                pypi:
                  upstreams:
                    - {name: internal, url: '%s', internal: true, auth: {bearer-env: INTERNAL_TOKEN},
                       file-hosts: ['127.0.0.1:%d']}
                    - {name: pypi, url: '%s'}
                  reserved: [{namespace: acme, upstream: internal}, {project: torchtriton, upstream: internal}]
                """.formatted(data, internal.simpleUrl(), plaintext.port(), pypi.simpleUrl()));
        runtime = ProxyRuntime.create(config, AuditLog.inMemory(true, audit::add), Clock.systemUTC());
        ProjectResolver resolver = new ProjectResolver(new OriginRules(config.pypi()), runtime.upstream(),
                Secrets.of(Map.of("INTERNAL_TOKEN", "s3cret")),
                runtime.caches().metadata("pypi-pages", ProjectResolver::weigh));
        Router router = runtime.newRouter().add("/pypi", new PypiRoute(resolver, runtime.fetcher(),
                runtime.recorder(), PackagePolicy.fromConfig(config.pypi(), Clock.systemUTC(),
                        Optional.of(ledger()))));
        runtime.start(router);
    }

    static Path ledger() {
        return data.resolve("pypi-first-seen.jsonl");
    }

    static String entry(String filename, String url, String sha) {
        return "{\"filename\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(filename) + ",\"url\":\"" + url
                + "\",\"hashes\":{\"sha256\":\"" + sha + "\"},\"upload-time\":\"2024-05-01T10:00:00Z\"}";
    }

    static void page(ScriptedOrigin origin, String project, List<String> entries) {
        String body = "{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"" + project + "\",\"files\":["
                + String.join(",", entries) + "]}";
        origin.on("/simple/" + project + "/", Script.ok(BodySource.of(body.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/vnd.pypi.simple.v1+json"));
    }

    static void internalPage(String project, String filename, String url, String sha) {
        page(internal.origin(), project, List.of(entry(filename, url, sha)));
    }

    static void pypiPage(String project, List<String> entries) {
        page(pypi.origin(), project, entries);
    }

    @AfterAll
    static void stop() throws Exception {
        runtime.close();
        internal.close();
        pypi.close();
        otherPort.close();
        plaintext.close();
    }

    static RawHttpClient.Response get(String path) throws Exception {
        return RawHttpClient.get(runtime.port(), path, PypiRouteTest.JSON_ACCEPT);
    }

    /** Every path any fake upstream was asked for. */
    static List<String> askedPaths() {
        List<String> paths = new java.util.ArrayList<>();
        for (ScriptedOrigin o : List.of(internal.origin(), pypi.origin(), otherPort)) {
            o.requestHeaders().forEach(h -> paths.add(h.get(":path")));
        }
        return paths;
    }

    // ---- 1. names and paths ------------------------------------------------------------------------------------

    @Test
    void aReservedNameIsNotFetchableThroughAFileUrlWithAFragmentQueryOrDotSegment() throws Exception {
        for (String project : List.of("torchtriton%23", "torchtriton%3F", "torchtriton%3Fx=1", "Torchtriton%23",
                "torchtriton%2F..", "torchtriton%00", "torchtriton%0a", "..", "%2e%2e", "torch%20triton")) {
            RawHttpClient.Response r = get("/pypi/files/" + project + "/torchtriton-99.0-py3-none-any.whl");
            assertThat(r.status()).as(project).isEqualTo(404);
            assertThat(get("/pypi/simple/" + project + "/").status()).as(project).isEqualTo(404);
            assertThat(get("/pypi/" + project + "/json").status()).as(project).isEqualTo(404);
        }
        assertThat(askedPaths()).noneMatch(p -> p.toLowerCase(java.util.Locale.ROOT).contains("torch"));
    }

    @Test
    void aTyposquatIsNotFetchableThroughAFileUrlWithAFragment() throws Exception {
        assertThat(get("/pypi/files/requets%23/requets-1.0-py3-none-any.whl").status()).isEqualTo(404);
        assertThat(get("/pypi/files/requets%3F/requets-1.0-py3-none-any.whl").status()).isEqualTo(404);
        assertThat(askedPaths()).noneMatch(p -> p.contains("requets"));
    }

    @Test
    void jsonApiPathsWithDotSegmentsOrQueriesNeverReachAnUpstream() throws Exception {
        for (String path : List.of("/pypi/tinylib/../json", "/pypi/tinylib%3Fx=1/json", "/pypi/tinylib/1.0%3Fx=1/json",
                "/pypi/tinylib/..%2F..%2Fadmin/json", "/pypi/tinylib/%2e%2e/json", "/pypi/tinylib/1.0%23/json",
                "/pypi/tinylib/1.0/extra/json", "/pypi/files/tinylib/..%2Fsecret.whl",
                "/pypi/files/tinylib/tinylib-1.0-py3-none-any.whl%3Fx=1", "/pypi/simple/tinylib%2F..%2Fadmin/")) {
            assertThat(get(path).status()).as(path).isEqualTo(404);
        }
        assertThat(askedPaths()).noneMatch(p -> p.contains("..") || p.contains("x=1") || p.contains("admin")
                || p.contains("secret.whl"));
    }

    @Test
    void invalidProjectNamesAreA404WithoutAnyUpstreamRequest() throws Exception {
        for (String name : List.of("-lead", "trail-", "sp%20ace", "%C3%A9t%C3%A9", "%ff", "a%2Fb")) {
            assertThat(get("/pypi/simple/" + name + "/").status()).as(name).isEqualTo(404);
        }
        assertThat(askedPaths()).noneMatch(p -> p.contains("lead") || p.contains("trail") || p.contains("ace"));
    }

    // ---- 7 and 9. pages: one flight, a deadline ---------------------------------------------------------------

    @Test
    void aCrowdOfFirstRequestsForOnePageCostsOneUpstreamFetch() throws Exception {
        List<java.util.concurrent.CompletableFuture<Integer>> crowd = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            crowd.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return get("/pypi/simple/crowd/").status();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, POOL));
        }
        for (var f : crowd) {
            assertThat(f.get()).isEqualTo(200);
        }
        assertThat(pypi.pageRequests("crowd")).isEqualTo(1);
    }

    @Test
    void aTrickledPageEndsAtTheMetadataDeadline() throws Exception {
        long t0 = System.nanoTime();
        RawHttpClient.Response r = get("/pypi/simple/trickle/");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.status()).isEqualTo(504);
        assertThat(ms).as("ended by the 2 s deadline, not after the whole trickle").isLessThan(10_000);
    }

    // ---- 2. a mismatch is about its source, not the announced hash ------------------------------------------

    @Test
    void aPoisonedDownloadNeverBlocksTheCleanFileWhoseHashItAnnounced() throws Exception {
        RawHttpClient.Response poisoned = get("/pypi/files/mallory/mallory-1.0-py3-none-any.whl");
        assertThat(poisoned.status()).isEqualTo(403);
        assertThat(poisoned.headers()).containsEntry("x-dualtrack-rule", "pypi.hash-mismatch");
        RawHttpClient.Response clean = get("/pypi/files/goodlib/goodlib-1.0-py3-none-any.whl");
        assertThat(clean.status()).isEqualTo(200);
        assertThat(clean.body()).isEqualTo(POPULAR);
        // The attacker's own file stays refused for its short memory, without a second fetch.
        int asked = pypi.origin().requests("/packages/mallory-1.0-py3-none-any.whl");
        assertThat(get("/pypi/files/mallory/mallory-1.0-py3-none-any.whl").status()).isEqualTo(403);
        assertThat(pypi.origin().requests("/packages/mallory-1.0-py3-none-any.whl")).isEqualTo(asked);
    }

    // ---- 3. filenames and the first-seen ledger ----------------------------------------------------------------

    @Test
    void aNewlineInAnUpstreamFilenameCannotForgeAFirstSeenRecord() throws Exception {
        RawHttpClient.Response page = get("/pypi/simple/newline/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.text()).contains("newline-2.0-py3-none-any.whl").doesNotContain("newline-1.0")
                .doesNotContain("tinylib");
        assertThat(runtime.metrics().scrape())
                // Left out of the page, not a refused fetch: counted as hidden, which the hostile-index alert reads.
                .containsPattern("dualtrack_hidden_total\\{rule=\"pypi.invalid-entry\",track=\"pypi\"} [1-9]");
        assertThat(get("/pypi/files/newline/newline-2.0-py3-none-any.whl").status()).isEqualTo(200);
        // The ledger holds one well-formed record per line, and none for tinylib (written off the event loop).
        dev.dualtrack.proxy.testing.Awaits.until(() -> {
            try {
                return !Files.readAllLines(ledger()).isEmpty();
            } catch (java.io.IOException e) {
                return false;
            }
        });
        List<String> lines = Files.readAllLines(ledger());
        assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(l).path("sha256").asText()).matches("[0-9a-f]{64}"));
        assertThat(lines).noneMatch(l -> l.contains("tinylib"));
        // After a restart (the ledger read again) the genuine tinylib file is not "first seen" as anything else.
        try (FirstSeenHashes reread = new FirstSeenHashes(ledger())) {
            assertThat(reread.conflict("tinylib", "tinylib-1.0-py3-none-any.whl", FakeIndex.sha256(TINY))).isEmpty();
        }
        assertThat(get("/pypi/files/tinylib/tinylib-1.0-py3-none-any.whl").status()).isEqualTo(200);
    }

    // ---- 4 and 5. where file links may lead --------------------------------------------------------------------

    @Test
    void theIndexTokenNeverGoesToAnotherPortAndTheLinkIsNotFetched() throws Exception {
        RawHttpClient.Response r = get("/pypi/files/portlink/portlink-1.0-py3-none-any.whl");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.headers()).containsEntry("x-dualtrack-rule", "pypi.file-host");
        assertThat(otherPort.connections()).as("never asked").isZero();
        assertThat(otherPort.requestHeaders()).isEmpty();
    }

    @Test
    void aLinkToTheMetadataAddressIsRefusedWithoutConnecting() throws Exception {
        RawHttpClient.Response r = get("/pypi/files/metadata-svc/metadata_svc-1.0-py3-none-any.whl");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.headers()).containsEntry("x-dualtrack-rule", "pypi.file-host");
        dev.dualtrack.proxy.testing.Awaits.until(() -> audit.stream()
                .anyMatch(l -> l.contains("pypi.file-host") && l.contains("metadata-svc")));
    }

    @Test
    @Timeout(5)
    void fileAndFtpLinksAreRefusedAtOnceNotLeftHanging() throws Exception {
        for (String project : List.of("filelink", "ftplink")) {
            RawHttpClient.Response r = get("/pypi/files/" + project + "/" + project + "-1.0-py3-none-any.whl");
            assertThat(r.status()).as(project).isEqualTo(403);
            assertThat(r.headers()).containsEntry("x-dualtrack-rule", "pypi.file-host");
        }
    }

    @Test
    void upstreamErrorBodiesAndBannersAreNeverEchoed() throws Exception {
        // An allowed file host that speaks no HTTP: a plaintext service's banner must not come back.
        RawHttpClient.Response banner = get("/pypi/files/banner/banner-1.0-py3-none-any.whl");
        assertThat(banner.status()).isEqualTo(502);
        assertThat(plaintext.connections()).isPositive();
        String hexBanner = HexFormat.of().formatHex("secret-banner".getBytes(StandardCharsets.US_ASCII));
        assertThat(banner.text()).doesNotContain("secret-banner").doesNotContainIgnoringCase(hexBanner)
                .doesNotContain("SSH");
        RawHttpClient.Response secret = get("/pypi/files/secret/secret-1.0-py3-none-any.whl");
        assertThat(secret.status()).isEqualTo(502);
        assertThat(secret.text()).doesNotContain("127.0.0.1");
    }
}
