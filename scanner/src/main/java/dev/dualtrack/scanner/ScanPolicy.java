package dev.dualtrack.scanner;

import dev.dualtrack.scanner.pickle.ImportPolicy;

/**
 * What the scanner is asked to enforce: the pickle import allow-list, whether pickle-based weights are refused
 * outright ({@code enforce-safetensors}), whether TorchScript archives are allowed, and the state limits.
 */
public record ScanPolicy(ImportPolicy imports, boolean enforceSafetensors, boolean allowTorchScript, ScanLimits limits,
        long maxSafetensorsHeader, java.nio.file.Path spoolDir) {

    public static final long DEFAULT_MAX_SAFETENSORS_HEADER = 16L << 20;

    public ScanPolicy(ImportPolicy imports, boolean enforceSafetensors, boolean allowTorchScript, ScanLimits limits,
            long maxSafetensorsHeader) {
        this(imports, enforceSafetensors, allowTorchScript, limits, maxSafetensorsHeader,
                java.nio.file.Path.of(System.getProperty("java.io.tmpdir")));
    }

    public static ScanPolicy defaults() {
        return new ScanPolicy(ImportPolicy.weightsOnly(), false, false, ScanLimits.DEFAULT,
                DEFAULT_MAX_SAFETENSORS_HEADER);
    }

    public ScanPolicy withEnforceSafetensors(boolean on) {
        return new ScanPolicy(imports, on, allowTorchScript, limits, maxSafetensorsHeader, spoolDir);
    }

    public ScanPolicy withLimits(ScanLimits l) {
        return new ScanPolicy(imports, enforceSafetensors, allowTorchScript, l, maxSafetensorsHeader, spoolDir);
    }

    /** Where formats that need random access (HDF5) are spooled while they are scanned. */
    public ScanPolicy withSpoolDir(java.nio.file.Path dir) {
        return new ScanPolicy(imports, enforceSafetensors, allowTorchScript, limits, maxSafetensorsHeader, dir);
    }

    public ScanPolicy withImports(ImportPolicy p) {
        return new ScanPolicy(p, enforceSafetensors, allowTorchScript, limits, maxSafetensorsHeader, spoolDir);
    }

    /**
     * Bumped whenever the scanner's code changes what it finds (a new format, a new gadget, a fixed bypass), so
     * verdicts stored by an older scanner are scanned again before they are served.
     */
    public static final String GENERATION = "scanner-3";

    /**
     * The version of what decides a verdict besides the bytes: the scanner generation and every setting here
     * (not where files are spooled). A stored verdict is trusted only under the same version (G4).
     */
    public String version() {
        String settings = GENERATION + "|" + imports.describe() + "|" + enforceSafetensors + "|" + allowTorchScript
                + "|" + limits + "|" + maxSafetensorsHeader;
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(settings.getBytes(java.nio.charset.StandardCharsets.UTF_8))).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
