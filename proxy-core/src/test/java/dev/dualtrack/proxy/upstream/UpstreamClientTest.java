package dev.dualtrack.proxy.upstream;

import dev.dualtrack.proxy.policy.Subject;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.relay.FetchSpec;
import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.proxy.testing.TestProxy;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Redirect policy, credential scoping and TLS verification of the pooled upstream client. */
@ExtendWith(LeakCheckExtension.class)
class UpstreamClientTest {
    @TempDir
    static Path dir;
    static ScriptedOrigin hub;
    static ScriptedOrigin cdn;
    static HttpsServer tlsOrigin;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        hub = new ScriptedOrigin();
        cdn = new ScriptedOrigin();
        Path pem = makeTlsOrigin();
        Files.createDirectories(dir.resolve("data"));
        proxy = TestProxy.start(dir.resolve("data"), "upstream-client: {ca-file: '" + pem + "', max-redirects: 3}\n",
                ex -> {
                    URI target = URI.create(ex.query().parameters().get("url").get(0));
                    var headers = new DefaultHttpHeaders().set("Authorization", "Bearer hub-secret");
                    var req = new UpstreamRequest(HttpMethod.GET, target, headers,
                            RedirectPolicy.toHosts(Set.of("localhost")));
                    return FetchSpec.builder(new Subject(ex.clientAddress(), "test", "repo",
                            "f", ""), req).redirectRule("test.redirect-host").build();
                });
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        hub.close();
        cdn.close();
        tlsOrigin.stop(0);
    }

    private static RawHttpClient.Response fetch(String url) throws Exception {
        return RawHttpClient.get(proxy.port(), "/files/x?url=" + url);
    }

    @Test
    void followsRedirectsToAllowedHostsAndNeverForwardsTheTokenThere() throws Exception {
        BodySource body = BodySource.generated(50_000, 1);
        cdn.on("/blob", Script.ok(body));
        hub.on("/resolve", Script.redirect(302, "http://localhost:" + cdn.port() + "/blob?sig=abc"));
        RawHttpClient.Response r = fetch(hub.uri("/resolve").toString());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodySha256()).isEqualTo(body.sha256());
        assertThat(r.headers()).doesNotContainKey("location");
        Map<String, String> toHub = hub.requestHeaders().stream()
                .filter(h -> h.get(":path").equals("/resolve")).findFirst().orElseThrow();
        Map<String, String> toCdn = cdn.requestHeaders().stream()
                .filter(h -> h.get(":path").startsWith("/blob")).findFirst().orElseThrow();
        assertThat(toHub).containsEntry("authorization", "Bearer hub-secret");
        assertThat(toCdn).doesNotContainKey("authorization");
        assertThat(toCdn.get(":path")).isEqualTo("/blob?sig=abc");
        assertThat(toCdn).containsEntry("accept-encoding", "identity");
    }

    @Test
    void sameOriginRelativeRedirectsAreFollowed() throws Exception {
        hub.on("/api/resolve-cache/f", Script.ok(BodySource.of("cached".getBytes(StandardCharsets.UTF_8))));
        hub.on("/relative", Script.redirect(307, "/api/resolve-cache/f"));
        RawHttpClient.Response r = fetch(hub.uri("/relative").toString());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("cached");
    }

    @Test
    void redirectToAnotherHostIsABlockUnderTheAdaptersRule() throws Exception {
        hub.on("/evil", Script.redirect(302, "http://evil.example/payload.bin"));
        RawHttpClient.Response r = fetch(hub.uri("/evil").toString());
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.text()).contains("test.redirect-host", "evil.example");
        assertThat(proxy.metrics()).contains("dualtrack_blocked_total{rule=\"test.redirect-host\",track=\"test\"}");
    }

    @Test
    void redirectLoopsEndAfterMaxRedirects() throws Exception {
        hub.on("/loop", Script.redirect(302, "/loop"));
        RawHttpClient.Response r = fetch(hub.uri("/loop").toString());
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.text()).contains("more than 3 redirects");
    }

    @Test
    void httpsVerifiesTheCertificateAndTheHostName() throws Exception {
        int port = tlsOrigin.getAddress().getPort();
        RawHttpClient.Response ok = fetch("https://localhost:" + port + "/tls");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.text()).isEqualTo("over tls");
        // The certificate names only "localhost": reaching the same server as 127.0.0.1 must fail.
        RawHttpClient.Response wrongName = fetch("https://127.0.0.1:" + port + "/tls");
        assertThat(wrongName.status()).isEqualTo(502);
        assertThat(wrongName.text()).contains("TLS handshake with https://127.0.0.1", "No subject alternative names");
    }

    @Test
    void untrustedCertificatesAreRefused() throws Exception {
        try (TestProxy plain = TestProxy.start(dir.resolve("plain"), "", ex -> FetchSpec.builder(
                new Subject("c", "test", "r", "f", ""),
                UpstreamRequest.get(URI.create("https://localhost:" + tlsOrigin.getAddress().getPort() + "/tls")))
                .build())) {
            RawHttpClient.Response r = RawHttpClient.get(plain.port(), "/files/x");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.text()).contains("TLS handshake", "PKIX path building failed");
        }
    }

    /** A JDK HTTPS server whose self-signed certificate (made by keytool) names only "localhost". */
    private static Path makeTlsOrigin() throws Exception {
        Path ks = dir.resolve("origin.p12");
        Path pem = dir.resolve("origin-ca.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "origin", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2",
                "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        run(keytool, "-exportcert", "-alias", "origin", "-rfc", "-keystore", ks.toString(),
                "-storepass", "changeit", "-file", pem.toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        tlsOrigin = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        tlsOrigin.setHttpsConfigurator(new HttpsConfigurator(ctx));
        tlsOrigin.createContext("/tls", exchange -> {
            byte[] b = "over tls".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, b.length);
            exchange.getResponseBody().write(b);
            exchange.close();
        });
        tlsOrigin.start();
        return pem;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
        }
    }
}
