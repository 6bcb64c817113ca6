package dev.dualtrack.proxy.relay;

/**
 * Where a {@link StreamingRelay} is in its life. Every change goes through {@link #canBecome}, so the relay's
 * lifecycle reads as this table, in the style of a decoder's state enum:
 *
 * <pre>
 * AWAITING_HEAD ──200──▶ HOLDING ──hold limit let through──▶ STREAMING
 *       │                   │                                    │
 *       │                   ├──verified, allowed──▶ COMMITTING ◀─┤
 *       │                   ├──refused mid-body──▶ DRAINING ◀────┤
 *       └──status, error, ──┴──▶ DONE ◀──────────────────────────┘
 *          client gone          (COMMITTING and DRAINING end in DONE)
 * </pre>
 */
enum RelayState {
    /** Asked upstream; no head yet. A client that leaves now ends the relay. */
    AWAITING_HEAD,
    /** The whole body is held until the verdict (a small file, or a mode that says so). */
    HOLDING,
    /** Bytes are released as the inspector allows, the rest held; a block from here aborts the transfer. */
    STREAMING,
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
            case HOLDING -> next == STREAMING || next == COMMITTING || next == DRAINING || next == DONE;
            case STREAMING -> next == COMMITTING || next == DRAINING || next == DONE;
            case COMMITTING, DRAINING -> next == DONE;
            case DONE -> false;
        };
    }

    /** Whether body bytes still go through the release rule (hashed, inspected, held, released). */
    boolean relaying() {
        return this == HOLDING || this == STREAMING;
    }
}
