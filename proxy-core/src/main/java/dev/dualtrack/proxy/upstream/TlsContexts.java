package dev.dualtrack.proxy.upstream;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds the client TLS context: the JDK's trusted roots, plus the roots of an optional PEM bundle (a corporate
 * CA), and host name verification always on.
 */
public final class TlsContexts {
    private TlsContexts() {
    }

    public static SslContext client(Optional<Path> extraRoots) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                    // RFC 2818 / RFC 6125 host name checks on every connection, as browsers do.
                    .endpointIdentificationAlgorithm("HTTPS");
            if (extraRoots.isPresent()) {
                b.trustManager(trustManagers(extraRoots.get()));
            }
            return b.build();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static TrustManagerFactory trustManagers(Path pem) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        Path jdkRoots = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts");
        if (Files.isReadable(jdkRoots)) {
            try (InputStream in = Files.newInputStream(jdkRoots)) {
                store.load(in, null);
            }
        } else {
            store.load(null, null);
        }
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        int i = 0;
        try (InputStream in = Files.newInputStream(pem)) {
            for (Certificate c : cf.generateCertificates(in)) {
                store.setCertificateEntry("dualtrack-extra-" + i++, c);
            }
        }
        if (i == 0) {
            throw new GeneralSecurityException("no certificates in " + pem);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf;
    }
}
