package dev.dualtrack.config;

/**
 * An optional second port that serves only {@code /metrics}, {@code /healthz} and {@code /readyz}, for setups
 * that keep operational endpoints off the port clients use. They stay on the main port as well.
 */
public record AdminConfig(@Default("127.0.0.1") String host, int port) {
    public AdminConfig {
        Checks.port(port, "port");
    }
}
