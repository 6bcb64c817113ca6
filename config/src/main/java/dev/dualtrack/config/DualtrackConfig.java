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
        AccessConfig access,
        LicensesConfig licenses,
        PolicyConfig policy) {

    /** The same configuration with another access section (its tokens file read). */
    public DualtrackConfig withAccess(AccessConfig a) {
        return new DualtrackConfig(listen, admin, cache, relay, upstreamClient, audit, pypi, hf, provenance, a, licenses, policy);
    }

    /** The same configuration with another policy section (its waivers file read). */
    public DualtrackConfig withPolicy(PolicyConfig p) {
        return new DualtrackConfig(listen, admin, cache, relay, upstreamClient, audit, pypi, hf, provenance, access, licenses, p);
    }
}
