package dev.dualtrack.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.TestProxy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP/1.1 server itself: keep-alive, HEAD, limits, timeouts, and the operational endpoints. */
@ExtendWith(LeakCheckExtension.class)
class ServerBehaviourTest {
    @TempDir
    static Path data;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        proxy = TestProxy.start(data, """
                listen: {port: 0, max-request-line: 1KiB, max-header-size: 2KiB, idle-timeout: 400ms,
                         request-header-timeout: 400ms, write-stall-timeout: 2s}
                """, ex -> {
                    throw new IllegalStateException("no files in this test");
                });
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @Test
    void healthAndReadinessAnswer() throws Exception {
        assertThat(RawHttpClient.get(proxy.port(), "/healthz").text()).isEqualTo("ok\n");
        assertThat(RawHttpClient.get(proxy.port(), "/readyz").status()).isEqualTo(200);
    }

    @Test
    void metricsListTheContractSeries() throws Exception {
        RawHttpClient.get(proxy.port(), "/healthz");
        RawHttpClient.Response m = RawHttpClient.get(proxy.port(), "/metrics");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.headers().get("content-type")).startsWith("text/plain; version=0.0.4");
        assertThat(m.text()).contains("dualtrack_requests_total{outcome=\"ok\",track=\"none\"}",
                "dualtrack_cache_hits_total", "dualtrack_cache_misses_total");
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnectionAndHeadHasNoBody() throws Exception {
        try (RawHttpClient c = new RawHttpClient(proxy.port())) {
            RawHttpClient.Response a = c.request("GET", "/healthz", true);
            RawHttpClient.Response h = c.request("HEAD", "/healthz", true);
            RawHttpClient.Response b = c.request("GET", "/readyz", true);
            assertThat(a.text()).isEqualTo("ok\n");
            assertThat(h.status()).isEqualTo(200);
            assertThat(h.headers()).containsEntry("content-length", "3");
            assertThat(h.body()).isEmpty();
            assertThat(b.text()).isEqualTo("ready\n");
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            s.getOutputStream().write(("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(all.indexOf("ok\n")).isPositive().isLessThan(all.indexOf("ready\n"));
        }
    }

    @Test
    void unknownPathsAre404WithAHint() throws Exception {
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/nowhere");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.text()).contains("/pypi, /hf, /metrics");
    }

    @Test
    void overlongRequestLineIs414AndOversizedHeadersAre431() throws Exception {
        assertThat(RawHttpClient.get(proxy.port(), "/healthz?" + "a".repeat(2000)).status()).isEqualTo(414);
        assertThat(RawHttpClient.get(proxy.port(), "/healthz", "X-Big: " + "b".repeat(3000)).status()).isEqualTo(431);
    }

    @Test
    void idleKeepAliveConnectionsAreClosed() throws Exception {
        try (RawHttpClient c = new RawHttpClient(proxy.port())) {
            assertThat(c.request("GET", "/healthz", true).status()).isEqualTo(200);
            c.socket().setSoTimeout(5000);
            // The server closes the idle connection: the next read sees the end of the stream.
            assertThat(c.socket().getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void slowRequestHeadersAreCutOff() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            // Never finish the headers: the request-header-timeout closes the connection without an answer.
            assertThat(in.read()).isEqualTo(-1);
        }
    }
}
