package dev.dualtrack.proxy.server;

/**
 * Something producing a response body over time (the relay). The connection tells it when the client can take
 * more bytes and when the client went away.
 */
public interface ResponseStream {
    /** The client's socket drained below the low water mark: more may be written. */
    void onClientWritable();

    /** The client closed the connection (or it failed) before the response was complete. */
    void onClientGone();
}
