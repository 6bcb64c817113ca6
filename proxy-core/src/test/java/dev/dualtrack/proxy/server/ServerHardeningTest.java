package dev.dualtrack.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.testing.RawHttpClient;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The server-side items of the hardening issue: Host headers, cached-file stalls, readiness, metrics placement. */
@Timeout(30)
class ServerHardeningTest {
    static final int BLOB = 48 << 20;

    @TempDir
    static Path data;
    static ProxyRuntime runtime;
    static Path blob;

    @BeforeAll
    static void start() throws Exception {
        blob = data.resolve("blob.bin");
        try (OutputStream out = Files.newOutputStream(blob)) {
            byte[] chunk = new byte[1 << 20];
            for (int i = 0; i < BLOB >> 20; i++) {
                out.write(chunk);
            }
        }
        DualtrackConfig config = ConfigLoader.parse("test", """
                listen: {port: 0, write-stall-timeout: 300ms}
                admin: {port: 0, metrics-only: true}
                cache: {dir: '%s'}
                """.formatted(data.resolve("cache")));
        Files.createDirectories(data.resolve("cache"));
        runtime = ProxyRuntime.create(config, AuditLog.inMemory(false, l -> { }), Clock.systemUTC());
        runtime.start(runtime.newRouter().add("/blob", ex -> BlobResponder.serve(ex, blob, new DefaultHttpHeaders())));
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    static String raw(String request) throws Exception {
        return RawHttpClient.raw(runtime.port(), request);
    }

    @Test
    void duplicateMissingOrMalformedHostHeadersAreA400() throws Exception {
        assertThat(raw("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /healthz HTTP/1.1\r\nHost: evil.example/<script>\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(raw("GET /healthz HTTP/1.1\r\nHost: proxy_1.internal:8080\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 200");
        assertThat(raw("GET /healthz HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.1 200");
    }

    @Test
    void aClientThatStopsReadingACachedFileIsCutOffAfterTheWriteStallTimeout() throws Exception {
        long total = RawHttpClient.bytesBeforeCutOff(runtime.port(), "/blob", 2000);
        assertThat(total).as("the connection was closed before the whole file").isLessThan(BLOB);
    }

    @Test
    void metricsOnlyOnTheAdminPortWhenConfigured() throws Exception {
        assertThat(RawHttpClient.get(runtime.port(), "/metrics").status()).isEqualTo(404);
        assertThat(RawHttpClient.get(runtime.port(), "/readyz").status()).isEqualTo(200);
        RawHttpClient.Response m = RawHttpClient.get(runtime.adminPort(), "/metrics");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.text()).contains("dualtrack_audit_dropped_total");
    }

    @Test
    void aCacheDiskWithoutFreeSpaceIsNotReady() {
        Path dir = data.resolve("cache");
        assertThat(OpsRoutes.cacheUsable(dir, 1)).isTrue();
        assertThat(OpsRoutes.cacheUsable(dir, Long.MAX_VALUE)).as("a full disk").isFalse();
        assertThat(OpsRoutes.cacheUsable(data.resolve("missing"), 1)).isFalse();
    }
}
