package dev.dualtrack.hf;

import dev.dualtrack.config.HfConfig;
import dev.dualtrack.config.policy.TrackDefinition;
import dev.dualtrack.provenance.TrustedRoot;
import dev.dualtrack.proxy.Track;
import java.util.List;

/** Track 2, the Hugging Face Hub, served under {@code /hf} (registered in META-INF/services). */
public final class HfTrack implements Track {
    @Override
    public String name() {
        return TrackDefinition.HF;
    }

    @Override
    public TrackDefinition definition() {
        return TrackDefinition.builtIn(TrackDefinition.HF);
    }

    @Override
    public Mounted mount(Context c) {
        HfConfig hf = c.runtime().config().hf();
        HfRoute route = HfRoute.create(c.runtime(), c.secrets(),
                TrustedRoot.fromFile(c.runtime().config().provenance().trustedRoot()), c.verifyOn());
        return new Mounted(route, List.of("hf: " + hf.upstream() + hf.tokenEnv().map(v -> ", token from $" + v)
                .orElse(", no token of its own") + (hf.signatures().isEmpty() ? ""
                : ", " + hf.signatures().size() + " signature requirement(s)")), java.util.Map.of(HubBom.PREFIX,
                route.bom()));
    }
}
