package dev.dualtrack.proxy.relay;

/**
 * Where a {@link StreamingRelay} is in its life. Every change goes through {@link #canBecome}, so the relay's
 * lifecycle reads as this table, in the style of a decoder's state enum:
 *
 * <pre>
 * AWAITING_HEAD ──200──▶ HOLDING ──hold limit let through──▶ STREAMING
 *       │                   │                                    │
 *       │                   ├──body ends, verdict read from disk──▶ JUDGING ◀─┤
 *       │                   ├──verified, allowed──▶ COMMITTING ◀───────────────┤ (and from JUDGING)
 *       │                   ├──refused mid-body──▶ DRAINING ◀──────────────────┤
 *       └──status, error, ──┴──▶ DONE ◀────────────────────────────────────────┘
 *          client gone          (JUDGING, COMMITTING and DRAINING end in DONE)
 * </pre>
 */
enum RelayState {
    /** Asked upstream; no head yet. A client that leaves now ends the relay. */
    AWAITING_HEAD,
    /** The whole body is held until the verdict (a small file, or a mode that says so). */
    HOLDING,
    /** Bytes are released as the inspector allows, the rest held; a block from here aborts the transfer. */
    STREAMING,
    /**
     * The body ended and the inspector's verdict is being made off the event loop (it reads a spooled copy):
     * the held tail waits for it.
     */
    JUDGING,
    /** Verified and allowed: the client has every byte, the blob is being committed to the cache. */
    COMMITTING,
    /** Refused mid-body: the client has its answer; the rest is read, unsent, to hash the bytes. */
    DRAINING,
    /** Over: the flight has its outcome. */
    DONE;

    /** Whether the relay may go from this state to {@code next}. */
    boolean canBecome(RelayState next) {
        return switch (this) {
            case AWAITING_HEAD -> next == HOLDING || next == STREAMING || next == DONE;
            case HOLDING -> next == STREAMING || next == JUDGING || next == COMMITTING || next == DRAINING
                    || next == DONE;
            case STREAMING -> next == JUDGING || next == COMMITTING || next == DRAINING || next == DONE;
            case JUDGING -> next == COMMITTING || next == DONE;
            case COMMITTING, DRAINING -> next == DONE;
            case DONE -> false;
        };
    }

    /** Whether body bytes still go through the release rule (hashed, inspected, held, released). */
    boolean relaying() {
        return this == HOLDING || this == STREAMING;
    }
}
