package dev.dualtrack.proxy.gate;

import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.server.Exchange;
import java.util.Optional;

/** A request that passes gates: whose exchange, what a decision is about, and how a refusal is answered. */
public interface Gated {
    Exchange exchange();

    Subject subject();

    /** The release the request is about, for waivers that name a version. */
    Optional<String> version();

    Refusals dialect();
}
