package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.hf.FakeHub;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.pypi.FakeIndex;
import dev.dualtrack.pypi.WheelBuilder;
import dev.dualtrack.scanner.fixtures.ModelFixtures;
import dev.dualtrack.store.s3.S3ProxyProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fleet mode: two real dualtrack processes sharing one real S3 server (S3Proxy). What one replica learns, the
 * other acts on, asserted on the fake upstreams' request logs ("never asked").
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class FleetModeIT {
    static final String REPO = "acme/fleet";
    static final String COMMIT = "6".repeat(40);

    @TempDir
    static Path dir;
    static S3ProxyProcess s3;
    static FakeIndex indexA;
    static FakeIndex indexB;
    static FakeHub hub;
    static CliIT.Served one;
    static CliIT.Served two;
    static byte[] evil;
    static byte[] clean;

    static Path config(String name, FakeIndex index) throws Exception {
        Path cfg = dir.resolve(name + ".yaml");
        Files.writeString(cfg, """
                listen: {port: 0}
                cache:
                  dir: '%s'
                  metadata-ttl: 1s
                  shared: {s3: {endpoint: '%s', bucket: fleet, prefix: 'dualtrack/', access-key-env: S3_KEY, secret-key-env: S3_SECRET, timeout: 3s}}
                pypi:
                  upstreams: [{name: pypi, url: '%s'}]
                hf:
                  upstream: '%s'
                  redirect-hosts: ['127.0.0.1:%d']
                """.formatted(dir.resolve(name + "-data"), s3.endpoint(), index.simpleUrl(), hub.hub().uri(""),
                hub.cdn().port()));
        return cfg;
    }

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyProcess.start(Files.createDirectories(dir.resolve("s3")));
        s3.createBucket("fleet");
        // The same filename with other bytes on the index replica 2 asks: a file that changed upstream.
        byte[] original = WheelBuilder.wheel("fleetpkg", "1.0", "VERSION = 'original'\n");
        byte[] swapped = WheelBuilder.wheel("fleetpkg", "1.0", "VERSION = 'swapped'\n");
        indexA = new FakeIndex(false).file("fleetpkg", WheelBuilder.filename("fleetpkg", "1.0"), original);
        indexB = new FakeIndex(false).file("fleetpkg", WheelBuilder.filename("fleetpkg", "1.0"), swapped);
        evil = ModelFixtures.systemCallPickle("echo pwned");
        clean = ModelFixtures.safetensors(4096, 9);
        hub = new FakeHub(REPO, COMMIT).lfsFile("evil.bin", evil, evil).lfsFile("model.safetensors", clean, clean);
        Map<String, String> env = Map.of("S3_KEY", "id", "S3_SECRET", "secret");
        one = CliIT.serve(config("one", indexA), env);
        two = CliIT.serve(config("two", indexB), env);
    }

    @AfterAll
    static void stop() throws Exception {
        one.stop();
        two.stop();
        s3.stop();
        indexA.close();
        indexB.close();
        hub.close();
    }

    static String file(String url) {
        return "/pypi/files/fleetpkg/" + WheelBuilder.filename("fleetpkg", "1.0");
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void aBlockFoundByOneReplicaIsRefusedByTheOtherBeforeAnyCdnByte() throws Exception {
        RawHttpClient.Response first = RawHttpClient.get(one.port(), "/hf/" + REPO + "/resolve/main/evil.bin");
        assertThat(first.status() == 200 && first.complete()).isFalse();
        int cdnBefore = hub.cdn().requests(cdnPath(evil));
        assertThat(cdnBefore).isEqualTo(1);
        Thread.sleep(500); // the block is shared asynchronously
        RawHttpClient.Response second = RawHttpClient.get(two.port(), "/hf/" + REPO + "/resolve/main/evil.bin");
        assertThat(second.status()).isEqualTo(403);
        assertThat(second.text()).contains("hf.pickle.dangerous-import");
        assertThat(hub.cdn().requests(cdnPath(evil))).as("replica 2 never asked the CDN").isEqualTo(cdnBefore);
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void aPypiFileWhoseBytesChangedBetweenReplicasIsRefusedAsTampering() throws Exception {
        String path = file(null);
        RawHttpClient.Response first = RawHttpClient.get(one.port(), path);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.complete()).isTrue();
        RawHttpClient.Response second = RawHttpClient.get(two.port(), path);
        assertThat(second.status()).isEqualTo(403);
        assertThat(second.text()).contains("pypi.hash-mismatch", "the fleet first saw");
        assertThat(indexB.origin().requests("/packages/" + WheelBuilder.filename("fleetpkg", "1.0")))
                .as("replica 2 never fetched the swapped bytes").isZero();
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void withTheStoreDownModelsStillComeFromUpstreamAndNewPypiFilesFailClosed() throws Exception {
        s3.stop();
        RawHttpClient.Response model = RawHttpClient.get(two.port(), "/hf/" + REPO + "/resolve/main/model.safetensors");
        assertThat(model.status()).isEqualTo(200);
        assertThat(model.complete()).isTrue();
        assertThat(model.body()).isEqualTo(clean);
        // A first sighting the fleet's ledger cannot confirm is refused, not silently trusted.
        indexB.file("fleetpkg", WheelBuilder.filename("fleetpkg", "2.0"), WheelBuilder.wheel("fleetpkg", "2.0",
                "VERSION = '2'\n"));
        Thread.sleep(1500); // the page's metadata TTL (1s)
        RawHttpClient.Response pkg = RawHttpClient.get(two.port(), "/pypi/files/fleetpkg/"
                + WheelBuilder.filename("fleetpkg", "2.0"));
        assertThat(pkg.status()).isEqualTo(403);
        assertThat(pkg.text()).contains("cannot be reached");
        String metrics = RawHttpClient.get(two.port(), "/metrics").text();
        assertThat(metrics).containsPattern("dualtrack_shared_store_requests_total\\{op=\"(get|create)\",outcome=\"(error|timeout)\"} [1-9]");
    }

    static String cdnPath(byte[] announced) {
        String sha = FakeHub.sha256(announced);
        return "/repos/" + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha;
    }
}
