package dev.dualtrack.hf;

import dev.dualtrack.proxy.gate.Gated;
import dev.dualtrack.proxy.gate.Refusals;
import java.util.Optional;

/** Every Hub request that passes gates: no release version, and refusals in the Hub's dialect. */
interface HubRequest extends Gated {
    @Override
    default Optional<String> version() {
        return Optional.empty();
    }

    @Override
    default Refusals dialect() {
        return HubRefusals.INSTANCE;
    }
}
