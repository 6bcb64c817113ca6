package dev.dualtrack.proxy.relay;

import dev.dualtrack.proxy.policy.Subject;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.proxy.testing.TestProxy;
import dev.dualtrack.proxy.upstream.UpstreamRequest;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * G6: memory is bounded independently of file size. A 2 GiB body goes through origin, relay and client in one
 * JVM that has a 256 MiB heap (and, by the JVM's default, 256 MiB of direct memory): any buffering of the body
 * would fail with OutOfMemoryError. The relay verifies the sha256 it computes against the expected one, and the
 * client checks it again. Surefire runs this class alone with -Xmx256m (proxy-core/pom.xml).
 */
@ExtendWith(LeakCheckExtension.class)
class BoundedMemoryTest {
    static final long SIZE = 2L << 30;

    @Test
    void twoGibibytesStreamThroughA256MiBHeapAndHashCorrectly(@TempDir Path data) throws Exception {
        assertThat(Runtime.getRuntime().maxMemory()).as("run with -Xmx256m").isLessThanOrEqualTo(256L << 20);
        BodySource body = BodySource.generated(SIZE, 2026);
        String sha = body.sha256();
        try (ScriptedOrigin origin = new ScriptedOrigin();
             TestProxy proxy = TestProxy.start(data, "cache: {dir: '" + data + "', max-size: 1GiB}\n", ex ->
                     FetchSpec.builder(new Subject(ex.clientAddress(), "test", "big", "2GiB.bin", ""),
                             UpstreamRequest.get(origin.uri("/big"))).expectedSha256(sha).build())) {
            origin.on("/big", Script.ok(body).chunkSize(256 * 1024));
            long t0 = System.nanoTime();
            RawHttpClient.Response r;
            try (RawHttpClient client = new RawHttpClient(proxy.port())) {
                r = client.request("GET", "/files/big", false);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.complete()).isTrue();
            assertThat(r.bodyLength()).isEqualTo(SIZE);
            assertThat(r.bodySha256()).isEqualTo(sha);
            long peakHeap = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            // Informational only: speed is measured in load-tests, against sha256sum, not asserted here.
            System.out.printf("G6: 2 GiB in %.1f s (origin, proxy and client in one JVM), peak heap pools %d MiB%n",
                    seconds, peakHeap >> 20);
        }
    }
}
