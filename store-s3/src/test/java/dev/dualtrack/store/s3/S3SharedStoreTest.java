package dev.dualtrack.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualtrack.proxy.ops.ProxyMetrics;
import dev.dualtrack.proxy.store.SharedStore;
import dev.dualtrack.proxy.store.SharedStoreClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The S3 shared store against a real S3 server (S3Proxy), not a mock. */
class S3SharedStoreTest {
    @TempDir
    static Path dir;
    static S3ProxyProcess s3;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyProcess.start(dir);
        s3.createBucket("fleet");
    }

    @AfterAll
    static void stop() {
        s3.stop();
    }

    static S3SharedStore store(String prefix) {
        return new S3SharedStore(s3.endpoint(), "fleet", "us-east-1", prefix, true, "id", "secret",
                Duration.ofSeconds(5));
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void objectsRoundTripUnderThePrefix() throws Exception {
        try (S3SharedStore store = store("team-a")) {
            assertThat(store.get("verdicts/abc.json", 1 << 20)).isEmpty();
            store.put("verdicts/abc.json", b("{\"blocked\":true}"));
            assertThat(store.get("verdicts/abc.json", 1 << 20)).hasValueSatisfying(v -> assertThat(v).isEqualTo(b(
                    "{\"blocked\":true}")));
            try (S3SharedStore other = store("team-b")) {
                assertThat(other.get("verdicts/abc.json", 1 << 20)).isEmpty();
            }
        }
    }

    @Test
    void anObjectLargerThanItsKindMayBeIsRefusedWithoutReadingIt() throws Exception {
        try (S3SharedStore store = store("huge")) {
            byte[] big = new byte[3 << 20];
            java.util.Arrays.fill(big, (byte) ' ');
            store.put("verdicts/forged.json", big);
            assertThatThrownBy(() -> store.get("verdicts/forged.json", SharedStore.MAX_SMALL_OBJECT))
                    .isInstanceOf(IOException.class).hasMessageContaining("more than the " + SharedStore.MAX_SMALL_OBJECT);
            assertThat(store.get("verdicts/forged.json", 4 << 20)).hasValueSatisfying(v -> assertThat(v).hasSize(
                    3 << 20));
        }
    }

    @Test
    void theFirstValueCreatedWinsAndLaterCreatorsAreToldIt() throws Exception {
        try (S3SharedStore a = store("fs"); S3SharedStore b = store("fs")) {
            assertThat(a.createIfAbsent("first-seen/pypi/x/x-1.0.tar.gz", b("aaa"))).isEqualTo(b("aaa"));
            assertThat(b.createIfAbsent("first-seen/pypi/x/x-1.0.tar.gz", b("bbb"))).isEqualTo(b("aaa"));
            assertThat(a.get("first-seen/pypi/x/x-1.0.tar.gz", 1 << 20)).hasValueSatisfying(v -> assertThat(v)
                    .isEqualTo(b("aaa")));
        }
    }

    @Test
    void aStoreThatIsDownFailsWithAnIoErrorAndTheClientCountsIt() throws Exception {
        S3SharedStore down = new S3SharedStore(java.net.URI.create("http://127.0.0.1:9"), "fleet", "us-east-1", "",
                true, "id", "secret", Duration.ofSeconds(2));
        assertThatThrownBy(() -> down.get("k", 1 << 20)).isInstanceOf(IOException.class);
        ProxyMetrics metrics = new ProxyMetrics();
        try (SharedStoreClient client = new SharedStoreClient(down, metrics, Duration.ofSeconds(5), 2)) {
            assertThatThrownBy(() -> client.get("k").get()).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(IOException.class);
            assertThat(metrics.scrape()).containsPattern(
                    "dualtrack_shared_store_requests_total\\{op=\"get\",outcome=\"error\"} 1");
        }
    }
}
