package dev.dualtrack.config;

import java.nio.file.Path;

/**
 * TLS on a listener: a PEM certificate chain and its PEM private key (PKCS#8 or PKCS#1), read again when either
 * file changes, so a renewed certificate (cert-manager, certbot) is served without a restart. TLS 1.2 and 1.3 only.
 */
public record TlsConfig(Path cert, Path key) {
}
