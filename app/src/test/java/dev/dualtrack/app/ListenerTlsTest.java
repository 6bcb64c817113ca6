package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualtrack.config.ConfigLoader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the listener ({@code listen.tls}): served with the configured certificate, TLS 1.2 or 1.3 only, and a
 * renewed certificate is served to new connections without a restart. A pair that does not load is an error at
 * start that names the file.
 */
class ListenerTlsTest {

    @Test
    void servesTheCertificateAndARenewedOneWithoutARestart(@TempDir Path dir) throws Exception {
        TestCertificates.Files3 a = TestCertificates.write(dir.resolve("a"));
        TestCertificates.Files3 b = TestCertificates.write(dir.resolve("b"));
        Path live = Files.createDirectories(dir.resolve("live"));
        Files.copy(a.cert(), live.resolve("server.pem"));
        Files.copy(a.key(), live.resolve("server.key"));
        try (DualtrackServer server = DualtrackServer.start(ConfigLoader.parse("t", "listen: {port: 0, tls: {cert: '"
                + live.resolve("server.pem") + "', key: '" + live.resolve("server.key") + "'}}\ncache: {dir: '"
                + dir.resolve("data") + "'}\naudit: {output: '" + dir.resolve("audit.log") + "'}\n"))) {
            Handshake first = handshake(server.port());
            assertThat(first.certificate()).isEqualTo(read(a.cert()));
            assertThat(first.protocol()).isIn("TLSv1.3", "TLSv1.2");
            assertThat(first.answer()).startsWith("HTTP/1.1 200").contains("ok");

            // A renewal writes the new pair (cert-manager swaps the files): new connections get it.
            Files.copy(b.key(), live.resolve("server.key.new"));
            Files.copy(b.cert(), live.resolve("server.pem.new"));
            Files.move(live.resolve("server.key.new"), live.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            Files.move(live.resolve("server.pem.new"), live.resolve("server.pem"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            long deadline = System.nanoTime() + 20_000_000_000L;
            X509Certificate now = first.certificate();
            while (!now.equals(read(b.cert())) && System.nanoTime() < deadline) {
                Thread.sleep(250);
                now = handshake(server.port()).certificate();
            }
            assertThat(now).isEqualTo(read(b.cert()));
        }
    }

    @Test
    void aPairThatDoesNotLoadIsAnErrorAtStartNamingTheFile(@TempDir Path dir) throws Exception {
        TestCertificates.Files3 a = TestCertificates.write(dir.resolve("a"));
        Path garbage = Files.writeString(dir.resolve("garbage.key"), "-----BEGIN PRIVATE KEY-----\nnope\n");
        assertThatThrownBy(() -> DualtrackServer.start(ConfigLoader.parse("t", "listen: {port: 0, tls: {cert: '"
                + a.cert() + "', key: '" + garbage + "'}}\ncache: {dir: '" + dir.resolve("data") + "'}\naudit: {output: '"
                + dir.resolve("audit.log") + "'}\n"))).hasMessageContaining("listen.tls").hasMessageContaining(
                "garbage.key");
    }

    record Handshake(X509Certificate certificate, String protocol, String answer) {
    }

    /** Connects, trusting whatever the server presents (the test compares it), and asks for /healthz. */
    static Handshake handshake(int port) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            Certificate[] chain = s.getSession().getPeerCertificates();
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return new Handshake((X509Certificate) chain[0], s.getSession().getProtocol(), answer);
        }
    }

    static X509Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
