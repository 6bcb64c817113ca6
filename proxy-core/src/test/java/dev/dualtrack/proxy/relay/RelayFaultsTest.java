package dev.dualtrack.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.testing.Awaits;
import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.proxy.testing.TestProxy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What clients see when the upstream or the client misbehaves: never a short body that looks complete. */
@ExtendWith(LeakCheckExtension.class)
class RelayFaultsTest {
    @TempDir
    static Path data;
    static ScriptedOrigin origin;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        origin = new ScriptedOrigin();
        proxy = TestProxy.start(data, "relay: {hold: 64KiB, hold-whole-below: 1MiB}\n"
                + "upstream-client: {read-timeout: 700ms, connect-timeout: 2s}\n",
                ex -> TestProxy.specFromQuery(ex, origin, Inspector::none));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        origin.close();
    }

    static Stream<RelayMode> modes() {
        return Stream.of(RelayMode.values());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void upstreamResetMidBodyFailsTheTransfer(RelayMode mode) throws Exception {
        long size = mode == RelayMode.HOLD_UNTIL_VERDICT ? 600_000 : 3_000_000;
        origin.on("/reset-" + mode, Script.ok(BodySource.generated(size, 1)).resetAfter(size / 2));
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/reset-" + mode + "?mode=" + mode.name());
        assertThat(r.status() == 200 && r.complete()).isFalse();
        if (mode == RelayMode.HOLD_UNTIL_VERDICT) {
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.text()).contains("closed the connection mid-body");
        } else {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyLength()).isLessThanOrEqualTo(size / 2);
        }
        assertNoTempFiles();
    }

    @Test
    void upstreamResetInAChunkedBodyLeavesNoTerminatingChunk() throws Exception {
        origin.on("/reset-chunked", Script.ok(BodySource.generated(3_000_000, 2)).chunked().resetAfter(2_000_000));
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/reset-chunked");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers()).containsEntry("transfer-encoding", "chunked");
        assertThat(r.complete()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void upstreamStallBeyondTheReadTimeoutFailsTheTransfer(RelayMode mode) throws Exception {
        long size = mode == RelayMode.HOLD_UNTIL_VERDICT ? 600_000 : 3_000_000;
        origin.on("/stall-" + mode, Script.ok(BodySource.generated(size, 3)).stallAfter(size / 3));
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/stall-" + mode + "?mode=" + mode.name());
        assertThat(r.status() == 200 && r.complete()).isFalse();
        if (mode == RelayMode.HOLD_UNTIL_VERDICT) {
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.text()).contains("read-timeout");
        } else {
            assertThat(r.bodyLength()).isLessThanOrEqualTo(size / 3);
        }
    }

    @Test
    void clientDisconnectMidBodyCancelsTheUpstreamFetch() throws Exception {
        // A slow, long body: the proxy can only stop it by closing its upstream connection.
        origin.on("/abandoned", Script.ok(BodySource.generated(512L << 20, 4)).chunkSize(64 * 1024).dribble(2));
        int abortsBefore = origin.clientAborts();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            OutputStream out = s.getOutputStream();
            out.write("GET /files/abandoned HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long got = 0;
            while (got < 1_000_000) {
                int n = in.read(buf);
                assertThat(n).isPositive();
                got += n;
            }
        }
        Awaits.until(() -> origin.clientAborts() > abortsBefore);
        Awaits.until(() -> proxy.runtime().fetcher().inFlight() == 0);
        assertNoTempFiles();
    }

    @Test
    void hundredConcurrentClientsOnOneUncachedBlobCauseExactlyOneUpstreamFetch() throws Exception {
        BodySource src = BodySource.generated(4_000_000, 5);
        String sha = src.sha256();
        origin.on("/popular", Script.ok(src).chunkSize(64 * 1024).dribble(15));
        ExecutorService pool = Executors.newFixedThreadPool(100);
        try {
            List<Future<RawHttpClient.Response>> all = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                all.add(pool.submit(() -> {
                    try (RawHttpClient c = new RawHttpClient(proxy.port())) {
                        return c.request("GET", "/files/popular?sha256=" + sha, false);
                    }
                }));
            }
            for (Future<RawHttpClient.Response> f : all) {
                RawHttpClient.Response r = f.get();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.complete()).isTrue();
                assertThat(r.bodySha256()).isEqualTo(sha);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(origin.requests("/popular")).isEqualTo(1);
    }

    @Test
    void upstreamClientErrorsPassThroughAndUnreachableUpstreamIs502() throws Exception {
        RawHttpClient.Response missing = RawHttpClient.get(proxy.port(), "/files/does-not-exist");
        assertThat(missing.status()).isEqualTo(404);
        int closedPort;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
            closedPort = ss.getLocalPort();
        }
        RawHttpClient.Response down = RawHttpClient.get(proxy.port(), "/files/x?url=http://127.0.0.1:" + closedPort + "/f");
        assertThat(down.status()).isEqualTo(502);
        assertThat(down.text()).contains("cannot connect");
    }

    @Test
    void upstreamConnectionsAreReusedAcrossRequests() throws Exception {
        try (ScriptedOrigin own = new ScriptedOrigin()) {
            own.on("/a", Script.ok(BodySource.generated(10_000, 6)));
            for (int i = 0; i < 4; i++) {
                RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/x?url=" + own.uri("/a"));
                assertThat(r.status()).isEqualTo(200);
                // Each request its own fetch: wait until this one's cache commit has settled its flight.
                Awaits.until(() -> proxy.runtime().fetcher().inFlight() == 0);
            }
            assertThat(own.requests("/a")).isEqualTo(4);
            // Event loops each have their own pool, so up to one connection per loop.
            assertThat(own.connections()).isLessThanOrEqualTo(Runtime.getRuntime().availableProcessors());
        }
    }

    private static void assertNoTempFiles() throws Exception {
        Awaits.until(() -> {
            try (Stream<Path> parts = Files.list(data.resolve("tmp"))) {
                return parts.findAny().isEmpty();
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }
}
