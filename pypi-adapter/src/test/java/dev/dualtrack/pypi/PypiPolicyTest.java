package dev.dualtrack.pypi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.config.Secrets;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.testing.Awaits;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.pypi.policy.PackagePolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The policy section on the PyPI track: a waiver keeps one young file on the page and serves it; others stay hidden. */
@ExtendWith(LeakCheckExtension.class)
class PypiPolicyTest {
    static final byte[] YOUNG = "young 1.0".getBytes(StandardCharsets.UTF_8);
    static final byte[] OTHER = "young 2.0".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path data;
    static FakeIndex pypi;
    /** An internal index in the style of devpi or pypiserver: PEP 503 HTML, no upload times. */
    static FakeIndex internal;
    static ProxyRuntime runtime;
    static final List<String> audit = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        pypi = new FakeIndex(false);
        internal = new FakeIndex(true);
        internal.file("acme-utils", "acme_utils-1.0-py3-none-any.whl", YOUNG);
        String now = Instant.now().toString();
        pypi.file("young", "young-1.0-py3-none-any.whl", YOUNG, YOUNG, now);
        pypi.file("young", "young-2.0-py3-none-any.whl", OTHER, OTHER, now);
        DualtrackConfig config = ConfigLoader.parse("test", """
                listen: {port: 0}
                cache: {dir: '%s'}
                pypi:
                  upstreams: [{name: internal, url: '%s', internal: true}, {name: pypi, url: '%s'}]
                  reserved: [{namespace: acme, upstream: internal}]
                  min-release-age: {age: 72h, action: block}
                policy:
                  waivers:
                    - {track: pypi, sha256: '%s', reason: reviewed, expires: 2999-01-01, ticket: SEC-9}
                """.formatted(data, internal.simpleUrl(), pypi.simpleUrl(), FakeIndex.sha256(YOUNG)));
        runtime = ProxyRuntime.create(config, AuditLog.inMemory(true, audit::add), Clock.systemUTC());
        ProjectResolver resolver = new ProjectResolver(new OriginRules(config.pypi()), runtime.upstream(),
                Secrets.of(Map.of()), runtime.caches().metadata("pypi-pages", ProjectResolver::weigh));
        runtime.start(runtime.newRouter().add("/pypi", new PypiRoute(resolver, runtime.fetcher(), runtime.recorder(),
                PackagePolicy.fromConfig(config.pypi(), Clock.systemUTC()), runtime.judge())));
    }

    @AfterAll
    static void stop() throws Exception {
        runtime.close();
        pypi.close();
        internal.close();
    }

    @Test
    void anInternalIndexWithoutUploadTimesIsNotJudgedByReleaseAge() throws Exception {
        RawHttpClient.Response page = RawHttpClient.get(runtime.port(), "/pypi/simple/acme-utils/",
                PypiRouteTest.JSON_ACCEPT);
        assertThat(page.text()).contains("acme_utils-1.0-py3-none-any.whl");
        assertThat(RawHttpClient.get(runtime.port(), "/pypi/files/acme-utils/acme_utils-1.0-py3-none-any.whl")
                .status()).isEqualTo(200);
    }

    @Test
    void aWaivedFileStaysOnThePageAndDownloadsTheOthersStayHidden() throws Exception {
        RawHttpClient.Response page = RawHttpClient.get(runtime.port(), "/pypi/simple/young/",
                PypiRouteTest.JSON_ACCEPT);
        assertThat(page.status()).as(page.text()).isEqualTo(200);
        assertThat(page.text()).contains("young-1.0-py3-none-any.whl").doesNotContain("young-2.0");
        RawHttpClient.Response file = RawHttpClient.get(runtime.port(), "/pypi/files/young/young-1.0-py3-none-any.whl");
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.body()).isEqualTo(YOUNG);
        assertThat(RawHttpClient.get(runtime.port(), "/pypi/files/young/young-2.0-py3-none-any.whl").status())
                .isEqualTo(403);
        Awaits.until(() -> audit.stream().anyMatch(l -> l.contains("\"waived\"") && l.contains("young-1.0")));
        assertThat(runtime.metrics().scrape())
                .containsPattern("dualtrack_waived_total\\{rule=\"pypi.min-release-age\",track=\"pypi\"} [1-9]");
    }
}
