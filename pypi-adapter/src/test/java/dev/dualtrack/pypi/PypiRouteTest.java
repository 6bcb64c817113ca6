package dev.dualtrack.pypi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.config.Secrets;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.server.Router;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The simple API through the real proxy, against a fake internal index and a fake PyPI. */
@ExtendWith(LeakCheckExtension.class)
class PypiRouteTest {
    static final String JSON_ACCEPT = "Accept: application/vnd.pypi.simple.v1+json, "
            + "application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";
    static final byte[] ACME_OK = "internal acme-utils 1.0".getBytes(StandardCharsets.UTF_8);
    static final byte[] ACME_EVIL = "attacker acme-utils 99.0".getBytes(StandardCharsets.UTF_8);
    static final byte[] TINY = "tinylib 1.0".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path data;
    static FakeIndex internal;
    static FakeIndex pypi;
    static ProxyRuntime runtime;
    static final List<String> audit = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        internal = new FakeIndex(true);
        pypi = new FakeIndex(false);
        internal.file("acme-utils", "acme_utils-1.0-py3-none-any.whl", ACME_OK);
        internal.file("corp-only", "corp_only-2.0-py3-none-any.whl", "corp".getBytes(StandardCharsets.UTF_8));
        pypi.file("acme-utils", "acme_utils-99.0-py3-none-any.whl", ACME_EVIL);
        pypi.file("corp-only", "corp_only-99.0-py3-none-any.whl", ACME_EVIL);
        pypi.file("acmex", "acmex-1.0-py3-none-any.whl", TINY);
        pypi.file("tinylib", "tinylib-1.0-py3-none-any.whl", TINY);
        pypi.file("tampered", "tampered-1.0-py3-none-any.whl", TINY, "something else".getBytes(StandardCharsets.UTF_8));
        // A typosquat is a young project; an established one that resembles a popular name is not (httpx2).
        pypi.file("reqeusts", "reqeusts-2.0-py3-none-any.whl", TINY, TINY,
                java.time.Instant.now().minus(java.time.Duration.ofDays(2)).toString());
        pypi.file("httpx2", "httpx2-0.1-py3-none-any.whl", TINY, TINY, "2024-01-10T00:00:00Z");
        DualtrackConfig config = ConfigLoader.parse("test", """
                listen: {port: 0}
                cache: {dir: '%s', metadata-ttl: 200ms}
                pypi:
                  upstreams:
                    - {name: internal, url: '%s', internal: true, auth: {bearer-env: INTERNAL_TOKEN}}
                    - {name: pypi, url: '%s'}
                  reserved: [{namespace: acme, upstream: internal}, {project: torchtriton, upstream: internal}]
                """.formatted(data, internal.simpleUrl(), pypi.simpleUrl()));
        runtime = ProxyRuntime.create(config, AuditLog.inMemory(true, audit::add), Clock.systemUTC());
        ProjectResolver resolver = new ProjectResolver(new OriginRules(config.pypi()), runtime.upstream(),
                Secrets.of(java.util.Map.of("INTERNAL_TOKEN", "s3cret")), runtime.caches().metadata("pypi-pages", ProjectResolver::weigh));
        Router router = runtime.newRouter().add("/pypi", new PypiRoute(resolver, runtime.fetcher(), runtime.recorder(),
                dev.dualtrack.pypi.policy.PackagePolicy.fromConfig(config.pypi(), Clock.systemUTC())));
        runtime.start(router);
    }

    @AfterAll
    static void stop() throws Exception {
        runtime.close();
        internal.close();
        pypi.close();
    }

    static RawHttpClient.Response get(String path, String... headers) throws Exception {
        return RawHttpClient.get(runtime.port(), path, headers);
    }

    @Test
    void projectPagesAreServedAsJsonWithOurFileUrlsAndTheIndexHashes() throws Exception {
        RawHttpClient.Response r = get("/pypi/simple/tinylib/", JSON_ACCEPT);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers()).containsEntry("content-type", "application/vnd.pypi.simple.v1+json")
                .containsEntry("vary", "Accept");
        JsonNode page = new ObjectMapper().readTree(r.body());
        JsonNode f = page.path("files").get(0);
        assertThat(f.path("url").asText()).isEqualTo("/pypi/files/tinylib/tinylib-1.0-py3-none-any.whl");
        assertThat(f.path("hashes").path("sha256").asText()).isEqualTo(FakeIndex.sha256(TINY));
        assertThat(f.path("upload-time").asText()).isEqualTo("2024-05-01T10:00:00.000000Z");
        assertThat(r.text()).doesNotContain("127.0.0.1");
    }

    @Test
    void negotiationRedirectsAnd406() throws Exception {
        RawHttpClient.Response html = get("/pypi/simple/tinylib/", "Accept: text/html");
        assertThat(html.headers()).containsEntry("content-type", "text/html");
        assertThat(html.text()).contains("href=\"/pypi/files/tinylib/tinylib-1.0-py3-none-any.whl#sha256="
                + FakeIndex.sha256(TINY) + "\"");
        assertThat(get("/pypi/simple/tinylib/", "Accept: application/xml").status()).isEqualTo(406);
        assertThat(get("/pypi/simple/tinylib/?format=application/vnd.pypi.simple.v1+json", "Accept: text/html")
                .headers()).containsEntry("content-type", "application/vnd.pypi.simple.v1+json");
        RawHttpClient.Response moved = get("/pypi/simple/TinyLib");
        assertThat(moved.status()).isEqualTo(301);
        assertThat(moved.headers()).containsEntry("location", "/pypi/simple/tinylib/");
    }

    @Test
    void aReservedNamespaceIsNeverAskedOfPypi() throws Exception {
        RawHttpClient.Response r = get("/pypi/simple/acme-utils/", JSON_ACCEPT);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("acme_utils-1.0-py3-none-any.whl").doesNotContain("99.0");
        RawHttpClient.Response file = get("/pypi/files/acme-utils/acme_utils-1.0-py3-none-any.whl");
        assertThat(file.body()).isEqualTo(ACME_OK);
        assertThat(pypi.pageRequests("acme-utils")).isZero();
        // acmex is not in the acme namespace (PEP 752): it may come from PyPI.
        assertThat(get("/pypi/simple/acmex/", JSON_ACCEPT).status()).isEqualTo(200);
    }

    @Test
    void aReservedNameTheOwnerLacksIsABlockAndPypiIsStillNotAsked() throws Exception {
        RawHttpClient.Response r = get("/pypi/simple/torchtriton/", JSON_ACCEPT);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.text()).contains("pypi.reserved-name");
        assertThat(pypi.pageRequests("torchtriton")).isZero();
        assertThat(runtime.metrics().scrape())
                .containsPattern("dualtrack_blocked_total\\{rule=\"pypi.reserved-name\",track=\"pypi\"} [1-9]");
    }

    @Test
    void theInternalIndexGetsItsTokenFromTheEnvironmentAndPypiNever() throws Exception {
        get("/pypi/simple/corp-only/", JSON_ACCEPT);
        get("/pypi/simple/tinylib/", JSON_ACCEPT);
        assertThat(internal.origin().requestHeaders()).anySatisfy(h -> assertThat(h)
                .containsEntry(":path", "/simple/corp-only/").containsEntry("authorization", "Bearer s3cret"));
        assertThat(pypi.origin().requestHeaders()).isNotEmpty()
                .allSatisfy(h -> assertThat(h).doesNotContainKey("authorization"));
    }

    @Test
    void namesTheInternalIndexHasAreImplicitlyReserved() throws Exception {
        RawHttpClient.Response r = get("/pypi/simple/corp-only/", JSON_ACCEPT);
        assertThat(r.text()).contains("corp_only-2.0").doesNotContain("99.0");
        assertThat(pypi.pageRequests("corp-only")).isZero();
    }

    @Test
    void whenTheInternalIndexFailsNothingFallsThroughToPypi() throws Exception {
        internal.origin().on("/simple/flaky-pkg/", Script.status(500));
        pypi.file("flaky-pkg", "flaky_pkg-1.0-py3-none-any.whl", TINY);
        RawHttpClient.Response r = get("/pypi/simple/flaky-pkg/", JSON_ACCEPT);
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.text()).contains("index 'internal' failed", "never fall through");
        assertThat(pypi.pageRequests("flaky-pkg")).isZero();
    }

    @Test
    void aFileWhoseBytesDoNotMatchTheIndexNeverCompletes() throws Exception {
        RawHttpClient.Response r = get("/pypi/files/tampered/tampered-1.0-py3-none-any.whl");
        assertThat(r.status() == 200 && r.complete()).isFalse();
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.text()).contains("pypi.hash-mismatch");
        runtime.audit().flush();
        assertThat(audit).anySatisfy(l -> assertThat(l).contains("\"rule\":\"pypi.hash-mismatch\"",
                "\"artifact\":\"tampered\""));
    }

    @Test
    void theJsonApiIsFilteredAndPointsAtDualtrack() throws Exception {
        RawHttpClient.Response r = get("/pypi/tinylib/json");
        assertThat(r.status()).isEqualTo(200);
        JsonNode doc = new ObjectMapper().readTree(r.body());
        assertThat(doc.path("urls").get(0).path("url").asText())
                .isEqualTo("/pypi/files/tinylib/tinylib-1.0-py3-none-any.whl");
        assertThat(doc.path("releases").path("1.0").get(0).path("digests").path("sha256").asText())
                .isEqualTo(FakeIndex.sha256(TINY));
        assertThat(r.text()).doesNotContain("127.0.0.1");
        // The fake index has no per-version document: its 404 comes through as a 404.
        RawHttpClient.Response perVersion = get("/pypi/tinylib/1.0/json");
        assertThat(perVersion.status()).isEqualTo(404);
        assertThat(perVersion.text()).contains("upstream answered 404");
    }

    @Test
    void typosquatsAreHiddenFromPagesAndTheJsonApiAndTheirFilesRefused() throws Exception {
        RawHttpClient.Response page = get("/pypi/simple/reqeusts/", JSON_ACCEPT);
        assertThat(page.status()).isEqualTo(404);
        // The reason names the evidence: age, releases, the resemblance and the target's rank.
        assertThat(page.text()).contains("pypi.typosquat", "reqeusts is 2 days old, has 1 release, and is 1 edit "
                + "from 'requests' (rank ");
        assertThat(get("/pypi/reqeusts/json").status()).isEqualTo(404);
        RawHttpClient.Response file = get("/pypi/files/reqeusts/reqeusts-2.0-py3-none-any.whl");
        assertThat(file.status()).isEqualTo(403);
        assertThat(file.text()).contains("pypi.typosquat");
        assertThat(pypi.origin().requests("/packages/reqeusts-2.0-py3-none-any.whl")).isZero();
    }

    @Test
    void anEstablishedProjectThatResemblesAPopularNameIsServed() throws Exception {
        RawHttpClient.Response page = get("/pypi/simple/httpx2/", JSON_ACCEPT);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.text()).contains("httpx2-0.1-py3-none-any.whl");
        assertThat(get("/pypi/files/httpx2/httpx2-0.1-py3-none-any.whl").body()).isEqualTo(TINY);
    }

    @Test
    void expiredPagesAreRevalidatedWithTheirEtag() throws Exception {
        byte[] page = ("{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"etagged\",\"versions\":[],\"files\":[{\"filename\":"
                + "\"etagged-1.0.tar.gz\",\"url\":\"https://files.example/etagged-1.0.tar.gz\",\"hashes\":{\"sha256\":\""
                + "d".repeat(64) + "\"},\"size\":1}]}").getBytes(StandardCharsets.UTF_8);
        pypi.origin().on("/simple/etagged/", Script.ok(dev.dualtrack.proxy.testing.BodySource.of(page))
                .header("Content-Type", "application/vnd.pypi.simple.v1+json").header("ETag", "\"v1\""));
        assertThat(get("/pypi/simple/etagged/", JSON_ACCEPT).text()).contains("etagged-1.0.tar.gz");
        // From now on the index answers only "not modified": a page can only come from the revalidated copy.
        pypi.origin().on("/simple/etagged/", Script.status(304).header("ETag", "\"v1\""));
        dev.dualtrack.proxy.testing.Awaits.until(() -> pypi.origin().requestHeaders().stream().anyMatch(h ->
                "/simple/etagged/".equals(h.get(":path")) && "\"v1\"".equals(h.get("if-none-match"))) || poke());
        RawHttpClient.Response again = get("/pypi/simple/etagged/", JSON_ACCEPT);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.text()).contains("etagged-1.0.tar.gz");
    }

    @Test
    void coreMetadataIsAdvertisedAndServedVerifiedAgainstItsHash() throws Exception {
        byte[] meta = "Metadata-Version: 2.1\nName: withmeta\nVersion: 1.0\n".getBytes(StandardCharsets.UTF_8);
        byte[] wheel = "wheel bytes".getBytes(StandardCharsets.UTF_8);
        String base = pypi.origin().uri("/packages/withmeta-1.0-py3-none-any.whl").toString();
        byte[] page = ("{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"withmeta\",\"versions\":[\"1.0\"],\"files\":["
                + "{\"filename\":\"withmeta-1.0-py3-none-any.whl\",\"url\":\"" + base + "\",\"hashes\":{\"sha256\":\""
                + FakeIndex.sha256(wheel) + "\"},\"size\":11,\"core-metadata\":{\"sha256\":\"" + FakeIndex.sha256(meta)
                + "\"},\"upload-time\":\"2024-01-01T00:00:00.000000Z\"}]}").getBytes(StandardCharsets.UTF_8);
        pypi.origin().on("/simple/withmeta/", Script.ok(dev.dualtrack.proxy.testing.BodySource.of(page))
                .header("Content-Type", "application/vnd.pypi.simple.v1+json"));
        pypi.origin().on("/packages/withmeta-1.0-py3-none-any.whl.metadata",
                Script.ok(dev.dualtrack.proxy.testing.BodySource.of(meta)));
        RawHttpClient.Response html = get("/pypi/simple/withmeta/", "Accept: text/html");
        assertThat(html.text()).contains("data-core-metadata=\"sha256=" + FakeIndex.sha256(meta) + "\"",
                "data-dist-info-metadata=\"sha256=" + FakeIndex.sha256(meta) + "\"");
        RawHttpClient.Response m = get("/pypi/files/withmeta/withmeta-1.0-py3-none-any.whl.metadata");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.body()).isEqualTo(meta);
        // Metadata that does not match its announced hash is refused like any file.
        pypi.origin().on("/packages/withmeta-1.0-py3-none-any.whl.metadata",
                Script.ok(dev.dualtrack.proxy.testing.BodySource.of("Name: evil\n".getBytes(StandardCharsets.UTF_8))));
        assertThat(get("/pypi/files/withmeta/withmeta-1.0-py3-none-any.whl.metadata").status())
                .as("served from the verified cache, not refetched").isEqualTo(200);
    }

    /** Asks for the page again (after the TTL it is revalidated); false, so the wait goes on. */
    private static boolean poke() {
        try {
            get("/pypi/simple/etagged/", JSON_ACCEPT);
            Thread.sleep(50);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return false;
    }

    @Test
    void unknownProjectsAndFilesAre404() throws Exception {
        assertThat(get("/pypi/simple/does-not-exist/", JSON_ACCEPT).status()).isEqualTo(404);
        assertThat(get("/pypi/files/tinylib/tinylib-9.9.tar.gz").status()).isEqualTo(404);
    }
}
