package dev.dualtrack.pypi.manifest;

/** The rule ids of the dependency audit ({@code dualtrack scan} on manifests); never renamed, only added. */
public final class DepsRules {
    /** An extra index (pip merges all indexes) that would let a public index answer for a reserved name. */
    public static final String INDEX_CONFUSION = "deps.index-confusion";
    /** An index URL over plain http. */
    public static final String INSECURE_INDEX = "deps.insecure-index";
    /** A requirement whose name imitates a popular project. */
    public static final String TYPOSQUAT = "deps.typosquat";
    /** A requirement the malicious-package feed names. */
    public static final String MALICIOUS = "deps.malicious";
    /** A pinned or locked version a known-vulnerability advisory affects. */
    public static final String VULNERABLE = "deps.vulnerable";
    /** A requirement not pinned to one version. */
    public static final String UNPINNED = "deps.unpinned";
    /** A pinned requirement without a hash (warn; with --strict-lockfile it is deps.not-locked). */
    public static final String UNHASHED = "deps.unhashed";
    /** A URL, VCS or local-path requirement, which bypasses the index and its checks. */
    public static final String DIRECT_REFERENCE = "deps.direct-reference";
    /** Under --strict-lockfile: a requirement not pinned with a sha256. */
    public static final String NOT_LOCKED = "deps.not-locked";
    /** A manifest line dualtrack cannot read. */
    public static final String UNREADABLE = "deps.unreadable";

    private DepsRules() {
    }
}
