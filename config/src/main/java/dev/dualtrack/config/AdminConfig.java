package dev.dualtrack.config;

/**
 * An optional second port that serves only {@code /metrics}, {@code /healthz} and {@code /readyz}, for setups
 * that keep operational endpoints off the port clients use. They stay on the main port as well, unless
 * {@code metrics-only: true}: then {@code /metrics}, which names the upstream hosts and every rule's counts, is
 * served on the admin port alone (the probes stay on both, for load balancers that check the main port).
 */
public record AdminConfig(@Default("127.0.0.1") String host, int port, @Default("false") boolean metricsOnly) {
    public AdminConfig {
        Checks.port(port, "port");
    }
}
