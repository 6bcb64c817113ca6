package dev.dualtrack.proxy.relay;

/**
 * When the client sees response headers (docs/ARCHITECTURE.md, "The commit point").
 *
 * <ul>
 *   <li>{@code HOLD_UNTIL_VERDICT}: nothing is sent until the verdict, so a block is a clean 403. Bounded by
 *       {@code relay.hold-whole-below}; a longer body is refused.</li>
 *   <li>{@code STREAM_ABORT_ON_BLOCK}: bytes flow as soon as they are inspected and outside the held tail; a
 *       block after the head went out closes the connection short of the body.</li>
 * </ul>
 * By default a body whose announced length fits under {@code hold-whole-below} is held, and anything else
 * streams.
 */
public enum RelayMode {
    HOLD_UNTIL_VERDICT,
    STREAM_ABORT_ON_BLOCK
}
