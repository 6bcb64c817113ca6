package dev.dualtrack.pypi;

/**
 * The stable rule ids of track 1, each listed in {@code RuleRegistry} (a test holds the two together). They are
 * the {@code rule} label of {@code dualtrack_blocked_total} and of audit lines; alert rules and users match on
 * them, so an id is never renamed, only added.
 */
public final class PypiRules {
    /** A name reserved for an internal index was asked of another index (dependency confusion, G2). */
    public static final String RESERVED_NAME = "pypi.reserved-name";
    /** The project name is one edit or confusion away from a popular project. */
    public static final String TYPOSQUAT = "pypi.typosquat";
    /** The project, version or file is in the malicious-package feed. */
    public static final String MALICIOUS_FEED = "pypi.malicious-feed";
    /** A known-vulnerability advisory affects the release (pypi.vulnerabilities). */
    public static final String VULNERABLE = "pypi.vulnerable";
    /** The file is younger than the configured minimum release age. */
    public static final String MIN_RELEASE_AGE = "pypi.min-release-age";
    /** The bytes do not hash to the sha256 the index announced, or differ from the first hash seen. */
    public static final String LICENSE = "pypi.license";
    public static final String LICENSE_UNKNOWN = "pypi.license-unknown";
    public static final String HASH_MISMATCH = "pypi.hash-mismatch";
    /** An index redirected to a host it is not allowed to. */
    public static final String REDIRECT_HOST = "pypi.redirect-host";

    /**
     * An index entry is not what the simple API allows (a filename outside the distribution formats, a malformed
     * sha256): hidden, never served, recorded or quoted as it was.
     */
    public static final String INVALID_ENTRY = "pypi.invalid-entry";
    /** A file link points at a host, port or scheme not allowed for its index (SSRF, token leaks). */
    public static final String FILE_HOST = "pypi.file-host";
    /** A project that must be attested (pypi.provenance) served a file without an attestation. */
    public static final String PROVENANCE_MISSING = "pypi.provenance-missing";
    /** An attestation that does not verify: signature, chain, log proof, timestamp or subject. */
    public static final String PROVENANCE_INVALID = "pypi.provenance-invalid";
    /** An attestation that verifies, by another publisher than the configured one. */
    public static final String PROVENANCE_IDENTITY = "pypi.provenance-identity";
    /** A file without attestations where earlier releases of the project had them. */
    public static final String PROVENANCE_REGRESSED = "pypi.provenance-regressed";


    private PypiRules() {
    }
}
