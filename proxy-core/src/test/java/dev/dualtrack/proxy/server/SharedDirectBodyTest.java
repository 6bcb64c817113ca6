package dev.dualtrack.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One direct buffer answers many clients (a rendered index page): every response carries all of it, a HEAD its
 * length only, and the buffer itself is never moved, so the next response still has every byte.
 */
@ExtendWith(LeakCheckExtension.class)
@Timeout(20)
class SharedDirectBodyTest {
    @TempDir
    static Path data;
    static ProxyRuntime runtime;
    static final byte[] PAGE = new byte[200_000];
    static final ByteBuffer SHARED = ByteBuffer.allocateDirect(PAGE.length);

    @BeforeAll
    static void start() throws Exception {
        new Random(7).nextBytes(PAGE);
        SHARED.put(PAGE).flip();
        runtime = ProxyRuntime.create(ConfigLoader.parse("t", "listen: {port: 0}\ncache: {dir: '" + data + "'}\n"),
                AuditLog.inMemory(false, l -> { }), Clock.systemUTC());
        runtime.start(runtime.newRouter().add("/page", ex -> ex.respond(HttpResponseStatus.OK,
                "application/octet-stream", SHARED, null)));
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    @Test
    void everyClientGetsTheWholeBufferAndItIsNeverMoved() throws Exception {
        try (RawHttpClient c = new RawHttpClient(runtime.port())) {
            for (int i = 0; i < 5; i++) {
                RawHttpClient.Response r = c.request("GET", "/page", true);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.headers()).containsEntry("content-length", Integer.toString(PAGE.length));
                assertThat(r.body()).as("response %d", i).isEqualTo(PAGE);
            }
            RawHttpClient.Response head = c.request("HEAD", "/page", true);
            assertThat(head.headers()).containsEntry("content-length", Integer.toString(PAGE.length));
            assertThat(head.body()).isEmpty();
        }
        for (int i = 0; i < 20; i++) {
            assertThat(RawHttpClient.get(runtime.port(), "/page").body()).isEqualTo(PAGE);
        }
        assertThat(SHARED.position()).isZero();
        assertThat(SHARED.limit()).isEqualTo(PAGE.length);
        byte[] still = new byte[PAGE.length];
        SHARED.duplicate().get(still);
        assertThat(still).as("the caller's buffer, written from 26 times, still holds its bytes").isEqualTo(PAGE);
    }
}
