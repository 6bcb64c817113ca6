package dev.dualtrack.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The pooled client that talks to PyPI, the Hub and their CDNs. TLS always verifies the certificate chain and
 * the host name; {@code ca-file} adds a PEM bundle of extra roots (a corporate CA) to the JDK's own.
 *
 * <p>{@code read-timeout} bounds each wait for bytes; {@code metadata-deadline} bounds a whole metadata answer
 * (an index page, an API listing), so an upstream that trickles a byte at a time cannot hold a request forever.
 * File bodies have no total deadline: a 50 GB model may take long, and back-pressure stalls are not its fault.
 */
public record UpstreamClientConfig(
        @Default("10s") Duration connectTimeout,
        @Default("60s") Duration readTimeout,
        @Default("32") int maxConnectionsPerHost,
        @Default("5") int maxRedirects,
        Optional<Path> caFile,
        @Default("60s") Duration metadataDeadline) {

    public UpstreamClientConfig {
        Checks.positive(connectTimeout, "connect-timeout");
        Checks.positive(readTimeout, "read-timeout");
        Checks.positive(metadataDeadline, "metadata-deadline");
        if (maxConnectionsPerHost < 1 || maxConnectionsPerHost > 4096) {
            throw new IllegalArgumentException(
                    "max-connections-per-host must be between 1 and 4096 (was " + maxConnectionsPerHost + ")");
        }
        if (maxRedirects < 0 || maxRedirects > 20) {
            throw new IllegalArgumentException("max-redirects must be between 0 and 20 (was " + maxRedirects + ")");
        }
    }
}
