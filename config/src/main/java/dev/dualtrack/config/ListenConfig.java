package dev.dualtrack.config;

import java.time.Duration;

/**
 * The main HTTP port and the limits that protect it.
 *
 * <table>
 *   <caption>Limits</caption>
 *   <tr><th>key</th><th>default</th><th>when exceeded</th></tr>
 *   <tr><td>max-request-line</td><td>8KiB</td><td>414, connection closed</td></tr>
 *   <tr><td>max-header-size</td><td>16KiB</td><td>431, connection closed</td></tr>
 *   <tr><td>max-request-body</td><td>1MiB</td><td>413, connection closed</td></tr>
 *   <tr><td>request-header-timeout</td><td>15s</td><td>a request not fully received in time: connection closed</td></tr>
 *   <tr><td>idle-timeout</td><td>60s</td><td>a keep-alive connection with no request: closed</td></tr>
 *   <tr><td>write-stall-timeout</td><td>60s</td><td>a client that reads nothing for this long: closed</td></tr>
 * </table>
 *
 * <p>{@code public-url} is where clients reach dualtrack ({@code https://dualtrack.corp.example}); links dualtrack
 * writes into answers (the Hub's next-page {@code Link}) start with it. Without it they use the request's Host
 * header, which the server has checked to be a plain host[:port].
 */
public record ListenConfig(
        @Default("127.0.0.1") String host,
        @Default("8080") int port,
        @Default("8KiB") DataSize maxRequestLine,
        @Default("16KiB") DataSize maxHeaderSize,
        @Default("1MiB") DataSize maxRequestBody,
        @Default("15s") Duration requestHeaderTimeout,
        @Default("60s") Duration idleTimeout,
        @Default("60s") Duration writeStallTimeout,
        @Default("0") int ioThreads,
        java.util.Optional<java.net.URI> publicUrl,
        @Default("false") boolean accessLog,
        java.util.Optional<TlsConfig> tls) {

    /** The same limits without TLS (the admin listener serves plain HTTP on its own, local port). */
    public ListenConfig withoutTls() {
        return new ListenConfig(host, port, maxRequestLine, maxHeaderSize, maxRequestBody, requestHeaderTimeout,
                idleTimeout, writeStallTimeout, ioThreads, publicUrl, accessLog, java.util.Optional.empty());
    }

    public ListenConfig {
        Checks.port(port, "port");
        Checks.between(maxRequestLine, 256, 1 << 20, "max-request-line");
        Checks.between(maxHeaderSize, 1024, 1 << 20, "max-header-size");
        Checks.between(maxRequestBody, 0, 64L << 20, "max-request-body");
        Checks.positive(requestHeaderTimeout, "request-header-timeout");
        Checks.positive(idleTimeout, "idle-timeout");
        Checks.positive(writeStallTimeout, "write-stall-timeout");
        if (ioThreads < 0) {
            throw new IllegalArgumentException("io-threads must be 0 (one per core) or more (was " + ioThreads + ")");
        }
    }
}
