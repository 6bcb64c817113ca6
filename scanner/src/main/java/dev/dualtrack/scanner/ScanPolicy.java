package dev.dualtrack.scanner;

import dev.dualtrack.scanner.pickle.ImportPolicy;

/**
 * What the scanner is asked to enforce: the pickle import allow-list, whether pickle-based weights are refused
 * outright ({@code enforce-safetensors}), whether TorchScript archives are allowed, and the state limits.
 */
public record ScanPolicy(ImportPolicy imports, boolean enforceSafetensors, boolean allowTorchScript, ScanLimits limits,
        long maxSafetensorsHeader) {

    public static final long DEFAULT_MAX_SAFETENSORS_HEADER = 16L << 20;

    public static ScanPolicy defaults() {
        return new ScanPolicy(ImportPolicy.weightsOnly(), false, false, ScanLimits.DEFAULT,
                DEFAULT_MAX_SAFETENSORS_HEADER);
    }

    public ScanPolicy withEnforceSafetensors(boolean on) {
        return new ScanPolicy(imports, on, allowTorchScript, limits, maxSafetensorsHeader);
    }

    public ScanPolicy withLimits(ScanLimits l) {
        return new ScanPolicy(imports, enforceSafetensors, allowTorchScript, l, maxSafetensorsHeader);
    }

    public ScanPolicy withImports(ImportPolicy p) {
        return new ScanPolicy(p, enforceSafetensors, allowTorchScript, limits, maxSafetensorsHeader);
    }
}
