package dev.dualtrack.config;

import java.util.Optional;

/**
 * The whole configuration of one dualtrack process. Every section may be left out; its defaults then apply
 * (see {@code default.yaml}, which spells every default out).
 *
 * <pre>{@code
 * DualtrackConfig config = ConfigLoader.load(Path.of("dualtrack.yaml"));   // throws ConfigException
 * int port = config.listen().port();
 * }</pre>
 */
public record DualtrackConfig(
        ListenConfig listen,
        Optional<AdminConfig> admin,
        CacheConfig cache,
        RelayConfig relay,
        UpstreamClientConfig upstreamClient,
        AuditConfig audit,
        PypiConfig pypi,
        HfConfig hf,
        ProvenanceConfig provenance,
        PolicyConfig policy) {
}
