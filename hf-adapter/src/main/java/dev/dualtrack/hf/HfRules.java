package dev.dualtrack.hf;

/**
 * The stable rule ids of track 2 that the adapter fires itself (see {@code PypiRules} for the contract: ids are never
 * renamed). The scanner's findings carry their own ids ({@code dev.dualtrack.scanner.ScanRules}).
 */
public final class HfRules {
    public static final String LFS_OID_MISMATCH = "hf.lfs-oid-mismatch";
    public static final String REDIRECT_HOST = "hf.redirect-host";
    public static final String REPO_DENIED = "hf.repo-denied";
    /** A regular (non-LFS) file whose bytes do not hash to the git blob id the Hub gave as its ETag. */
    public static final String BLOB_OID_MISMATCH = "hf.blob-oid-mismatch";
    public static final String FILE_TOO_LARGE = "hf.file-too-large";
    public static final String LICENSE = "hf.license";
    public static final String LICENSE_UNKNOWN = "hf.license-unknown";
    /** A repo that hf.signatures requires to be signed has no model.sig at the commit. */
    public static final String SIGNATURE_MISSING = "hf.signature-missing";
    /** A model.sig that does not verify (signature, chain, log proof, manifest). */
    public static final String SIGNATURE_INVALID = "hf.signature-invalid";
    /** A model.sig that verifies, by another identity than hf.signatures names. */
    public static final String SIGNATURE_IDENTITY = "hf.signature-identity";
    /** A file whose bytes differ from its digest in the signed manifest, or that the manifest does not list. */
    public static final String SIGNATURE_MISMATCH = "hf.signature-mismatch";


    private HfRules() {
    }
}
