package dev.dualtrack.hf;

import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.relay.FetchSpec;
import dev.dualtrack.proxy.relay.KnownVerdicts;
import dev.dualtrack.proxy.server.Exchange;
import java.util.Optional;

/**
 * One request for a file of a Hub repo at a pinned commit: everything its gates read, and the fetch they guard.
 *
 * @param meta          the HEAD contract the Hub gave for the file at the commit
 * @param authorization what goes to the Hub with this request's upstream calls (the client's token, or ours)
 * @param spec          the fetch, built before the gates so the known-verdict gate judges what would be fetched (a
 *                      signed regular file's manifest digest is added once the signature gate has read it:
 *                      {@link Signed})
 */
record HubFile(Exchange exchange, HubPath path, FileMeta meta, Optional<String> authorization, Subject subject,
        FetchSpec spec) implements KnownVerdicts.Fetching, HubRequest {

    /** What the signature gate learned for the relay: the signed sha256 the bytes must have in flight. */
    record Signed(String sha256) {
    }

    /** A request before its file is known: the repo gate, and a block a listing already told of. */
    record Early(Exchange exchange, HubPath path, Subject subject) implements HubRequest {
    }
}
