package dev.dualtrack.hf;

import dev.dualtrack.config.HfConfig;
import dev.dualtrack.scanner.ScanLimits;
import dev.dualtrack.scanner.ScanPolicy;
import dev.dualtrack.scanner.pickle.ImportPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * The scanner's policy from the {@code hf} section: the pickle profile and extra imports, the pickle bomb bound,
 * enforce-safetensors. The one place both the proxy and {@code dualtrack scan} make it, so a model folder is
 * judged in CI exactly as the proxy would judge its files.
 */
public final class HfScanPolicy {
    private HfScanPolicy() {
    }

    /** The policy the proxy runs under. */
    public static ScanPolicy of(HfConfig hf) {
        return of(hf, List.of(), false);
    }

    /**
     * The policy with more: profiles and enforce-safetensors given on a command line add to what the section
     * says, never relax it.
     */
    public static ScanPolicy of(HfConfig hf, List<String> moreProfiles, boolean enforceSafetensors) {
        List<String> profiles = new ArrayList<>(moreProfiles);
        if (!hf.pickle().profile().equals("weights-only")) {
            profiles.add(hf.pickle().profile());
        }
        return ScanPolicy.defaults()
                .withImports(ImportPolicy.of(profiles, hf.pickle().extraAllowed()))
                .withEnforceSafetensors(enforceSafetensors || hf.enforceSafetensors())
                .withLimits(ScanLimits.DEFAULT.withMaxPickleObjects(hf.pickle().maxObjects()));
    }
}
