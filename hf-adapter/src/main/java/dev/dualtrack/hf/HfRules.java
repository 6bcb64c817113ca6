package dev.dualtrack.hf;

/**
 * The stable rule ids of track 2 (see {@code PypiRules} for the contract: ids are never renamed).
 */
public final class HfRules {
    public static final String PICKLE_DANGEROUS_IMPORT = "hf.pickle.dangerous-import";
    public static final String PICKLE_UNKNOWN_IMPORT = "hf.pickle.unknown-import";
    public static final String PICKLE_MALFORMED = "hf.pickle.malformed";
    public static final String ZIP_INCONSISTENT = "hf.zip.inconsistent";
    public static final String LFS_OID_MISMATCH = "hf.lfs-oid-mismatch";
    public static final String REDIRECT_HOST = "hf.redirect-host";
    public static final String SAFETENSORS_INVALID = "hf.safetensors.invalid";
    public static final String ENFORCE_SAFETENSORS = "hf.enforce-safetensors";
    public static final String TORCHSCRIPT = "hf.torchscript";
    public static final String REPO_DENIED = "hf.repo-denied";
    /** A regular (non-LFS) file whose bytes do not hash to the git blob id the Hub gave as its ETag. */
    public static final String BLOB_OID_MISMATCH = "hf.blob-oid-mismatch";
    public static final String FILE_TOO_LARGE = "hf.file-too-large";


    private HfRules() {
    }
}
