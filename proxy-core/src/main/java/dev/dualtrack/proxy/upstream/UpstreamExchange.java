package dev.dualtrack.proxy.upstream;

/** The listener's handle on a running fetch: demand and cancellation. Call only from the fetch's event loop. */
public interface UpstreamExchange {
    /** Asks for more body bytes; a no-op once complete or cancelled. */
    void request();

    /** Stops the fetch and closes its connection; no further listener calls follow. Idempotent. */
    void cancel();
}
