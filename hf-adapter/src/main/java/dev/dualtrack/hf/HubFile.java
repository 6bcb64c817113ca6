package dev.dualtrack.hf;

import dev.dualtrack.proxy.gate.Gated;
import dev.dualtrack.proxy.gate.Refusals;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.relay.FetchSpec;
import dev.dualtrack.proxy.relay.KnownVerdicts;
import dev.dualtrack.proxy.server.Exchange;
import java.util.Optional;

/**
 * One request for a file of a Hub repo at a pinned commit: everything its gates read, and the fetch they guard.
 *
 * @param meta      the HEAD contract the Hub gave for the file at the commit
 * @param signature the commit's model signature decision, when {@code hf.signatures} names the repo
 * @param spec      the fetch, built before the gates so the known-verdict gate judges exactly what would be fetched
 */
record HubFile(Exchange exchange, HubPath path, FileMeta meta, Optional<ModelSignatureGate.Decision> signature,
        Subject subject, FetchSpec spec) implements KnownVerdicts.Fetching {

    @Override
    public Optional<String> version() {
        return Optional.empty();
    }

    @Override
    public Refusals dialect() {
        return HubRefusals.INSTANCE;
    }

    /** A request before its file is known: the repo gate, and a block a listing already told of. */
    record Early(Exchange exchange, HubPath path, Subject subject) implements Gated {
        @Override
        public Optional<String> version() {
            return Optional.empty();
        }

        @Override
        public Refusals dialect() {
            return HubRefusals.INSTANCE;
        }
    }
}
