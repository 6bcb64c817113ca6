package dev.dualtrack.proxy.relay;

import dev.dualtrack.scanner.Verdict;

/**
 * How a leader's fetch ended, as its followers (concurrent requests for the same blob) need to know it.
 *
 * @param kind          what happened
 * @param sha256        the content hash, for {@code ALLOWED} and content blocks; else empty
 * @param verdict       the block, for {@code BLOCKED}
 * @param upstreamStatus the upstream's status, for {@code UPSTREAM_STATUS}
 * @param detail        a human-readable reason for {@code FAILED} and {@code UPSTREAM_STATUS}
 * @param location      the leader's {@link FetchSpec#location()}: followers fetching the same announced hash from
 *                      elsewhere take a block over only when it is about bytes actually seen with their hash
 */
public record FetchOutcome(Kind kind, String sha256, Verdict verdict, int upstreamStatus, String detail,
        String location) {

    public enum Kind {
        /** Inspected, verified and (if it fit) committed to the cache. */
        ALLOWED,
        /** Refused by policy: followers are refused too. */
        BLOCKED,
        /** The upstream answered with a non-success status (404…): followers get the same answer. */
        UPSTREAM_STATUS,
        /** The fetch did not finish (network error, the leader's client left): followers try again. */
        FAILED
    }

    static FetchOutcome allowed(String sha256) {
        return new FetchOutcome(Kind.ALLOWED, sha256, Verdict.allow(), 0, "", "");
    }

    /** A block; {@code sha256} is the hash of the whole body when it was read to its end, else empty. */
    static FetchOutcome blocked(String sha256, Verdict v) {
        return new FetchOutcome(Kind.BLOCKED, sha256, v, 0, v.reason(), "");
    }

    static FetchOutcome upstreamStatus(int status, String detail) {
        return new FetchOutcome(Kind.UPSTREAM_STATUS, "", Verdict.allow(), status, detail, "");
    }

    static FetchOutcome failed(String detail) {
        return new FetchOutcome(Kind.FAILED, "", Verdict.allow(), 0, detail, "");
    }

    FetchOutcome at(String where) {
        return new FetchOutcome(kind, sha256, verdict, upstreamStatus, detail, where);
    }
}
