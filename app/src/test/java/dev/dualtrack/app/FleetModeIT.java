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
    static byte[] shared;
    static byte[] corrupted;
    static byte[] forged;

    static Path config(String name, FakeIndex index) throws Exception {
        Path cfg = dir.resolve(name + ".yaml");
        Files.writeString(cfg, """
                listen: {port: 0}
                cache:
                  dir: '%s'
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
        shared = ModelFixtures.safetensors(300_000, 10);
        corrupted = ModelFixtures.safetensors(200_000, 11);
        forged = ModelFixtures.safetensors(50_000, 12);
        hub = new FakeHub(REPO, COMMIT).lfsFile("evil.bin", evil, evil).lfsFile("model.safetensors", clean, clean)
                .lfsFile("shared.safetensors", shared, shared).lfsFile("corrupted.safetensors", corrupted, corrupted)
                .lfsFile("forged.safetensors", forged, forged);
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
        Thread.sleep(500); // the block and the metadata are shared asynchronously
        int hubBefore = hub.hub().requestHeaders().size();
        RawHttpClient.Response second = RawHttpClient.get(two.port(), "/hf/" + REPO + "/resolve/main/evil.bin");
        assertThat(second.status()).isEqualTo(403);
        assertThat(second.text()).contains("hf.pickle.dangerous-import");
        assertThat(hub.cdn().requests(cdnPath(evil))).as("replica 2 never asked the CDN").isEqualTo(cdnBefore);
        assertThat(hub.hub().requestHeaders()).as("nor the Hub").hasSize(hubBefore);
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

    /** The bucket's object for a blob, read without credentials (S3Proxy runs with authorization off). */
    static int objectStatus(byte[] blob) throws Exception {
        String sha = FakeHub.sha256(blob);
        java.net.http.HttpResponse<Void> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(s3.endpoint().resolve("/fleet/dualtrack/blobs/sha256/" + sha.substring(0, 2) + "/" + sha))
                .build(), java.net.http.HttpResponse.BodyHandlers.discarding());
        return r.statusCode();
    }

    static void awaitObject(byte[] blob, int status) throws Exception {
        for (int i = 0; i < 100 && objectStatus(blob) != status; i++) {
            Thread.sleep(100);
        }
        assertThat(objectStatus(blob)).isEqualTo(status);
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void aModelOneReplicaVerifiedIsServedToTheOtherFromTheStoreWithNoCdnRequest() throws Exception {
        RawHttpClient.Response first = RawHttpClient.get(one.port(), "/hf/" + REPO + "/resolve/main/shared.safetensors");
        assertThat(first.complete()).isTrue();
        assertThat(first.body()).isEqualTo(shared);
        awaitObject(shared, 200);
        int hubBefore = hub.hub().requestHeaders().size();
        RawHttpClient.Response second = RawHttpClient.get(two.port(), "/hf/" + REPO
                + "/resolve/main/shared.safetensors");
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.complete()).isTrue();
        assertThat(second.body()).isEqualTo(shared);
        assertThat(hub.cdn().requests(cdnPath(shared))).as("only replica 1 asked the CDN").isEqualTo(1);
        assertThat(hub.hub().requestHeaders()).as("replica 2 asked the Hub nothing").hasSize(hubBefore);
    }

    @Test
    @org.junit.jupiter.api.Order(4)
    void aCorruptedObjectInTheBucketIsNeverServedCompleteAndIsFetchedAgainFromUpstream() throws Exception {
        assertThat(RawHttpClient.get(one.port(), "/hf/" + REPO + "/resolve/main/corrupted.safetensors").complete())
                .isTrue();
        awaitObject(corrupted, 200);
        String sha = FakeHub.sha256(corrupted);
        byte[] tampered = corrupted.clone();
        tampered[tampered.length - 1] ^= 1;
        s3.overwrite("fleet", "dualtrack/blobs/sha256/" + sha.substring(0, 2) + "/" + sha, tampered);
        RawHttpClient.Response bad = RawHttpClient.get(two.port(), "/hf/" + REPO
                + "/resolve/main/corrupted.safetensors");
        assertThat(bad.status() == 200 && bad.complete()).as("the tampered copy never completes").isFalse();
        awaitObject(corrupted, 404); // quarantined
        RawHttpClient.Response good = RawHttpClient.get(two.port(), "/hf/" + REPO
                + "/resolve/main/corrupted.safetensors");
        assertThat(good.complete()).isTrue();
        assertThat(good.body()).isEqualTo(corrupted);
        assertThat(hub.cdn().requests(cdnPath(corrupted))).isEqualTo(2);
    }

    @Test
    @org.junit.jupiter.api.Order(5)
    void forgedMetadataInTheBucketRefusesAtMostOnceThenTheHubIsAsked() throws Exception {
        // Someone with write access to the bucket plants file metadata announcing other bytes for a clean file.
        String url = hub.hub().uri("/" + REPO + "/resolve/" + COMMIT + "/forged.safetensors").toString();
        String what = "hf-file-meta\u0000" + url + "\u0000";
        String key = "dualtrack/metadata/" + java.util.HexFormat.of().formatHex(java.security.MessageDigest
                .getInstance("SHA-256").digest(what.getBytes(java.nio.charset.StandardCharsets.UTF_8))) + ".json";
        String value = "{\"key\":" + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(what)
                + ",\"learnt\":" + System.currentTimeMillis() + ",\"value\":{\"commit\":\"" + COMMIT
                + "\",\"etag\":\"\\\"x\\\"\",\"size\":" + forged.length + ",\"lfsSha256\":\"" + "e".repeat(64) + "\"}}";
        s3.overwrite("fleet", key, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        RawHttpClient.Response first = RawHttpClient.get(two.port(), "/hf/" + REPO
                + "/resolve/main/forged.safetensors");
        // The forged answer is used once: its bytes do not match, so the file is refused, and nothing is
        // remembered against it.
        assertThat(first.status()).as(first.text()).isEqualTo(403);
        assertThat(first.headers().get("x-dualtrack-rule")).isEqualTo("hf.lfs-oid-mismatch");
        RawHttpClient.Response second = RawHttpClient.get(two.port(), "/hf/" + REPO
                + "/resolve/main/forged.safetensors");
        assertThat(second.status()).as(second.text()).isEqualTo(200);
        assertThat(second.complete()).isTrue();
        assertThat(second.body()).isEqualTo(forged);
    }

    @Test
    @org.junit.jupiter.api.Order(6)
    void withTheStoreDownModelsStillComeFromUpstreamAndNewPypiFilesFailClosed() throws Exception {
        s3.stop();
        RawHttpClient.Response model = RawHttpClient.get(two.port(), "/hf/" + REPO + "/resolve/main/model.safetensors");
        assertThat(model.status()).isEqualTo(200);
        assertThat(model.complete()).isTrue();
        assertThat(model.body()).isEqualTo(clean);
        // A first sighting the fleet's ledger cannot confirm is refused, not silently trusted.
        indexB.file("freshpkg", WheelBuilder.filename("freshpkg", "1.0"), WheelBuilder.wheel("freshpkg", "1.0",
                "VERSION = '1'\n"));
        RawHttpClient.Response pkg = RawHttpClient.get(two.port(), "/pypi/files/freshpkg/"
                + WheelBuilder.filename("freshpkg", "1.0"));
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
