package dev.dualtrack.scanner.lfs;

/** Rule ids of the Git LFS checks; never renamed, only added. */
public final class LfsRules {
    /** A pointer whose object is present but has another sha256 or size. */
    public static final String POINTER_MISMATCH = "lfs.pointer-mismatch";
    /** A file that starts like a pointer but does not follow the pointer format. */
    public static final String INVALID_POINTER = "lfs.invalid-pointer";
    /** A pointer whose object is not in the checkout: nothing to inspect (warn). */
    public static final String OBJECT_MISSING = "lfs.object-missing";
    /** {@code lfs.url} in {@code .lfsconfig} points to another host than the repository's remote. */
    public static final String FOREIGN_ENDPOINT = "lfs.foreign-endpoint";
    /** {@code .gitattributes} stores pickle-format weights in LFS (warn: prefer safetensors). */
    public static final String PICKLE_WEIGHTS = "lfs.pickle-weights";

    private LfsRules() {
    }
}
