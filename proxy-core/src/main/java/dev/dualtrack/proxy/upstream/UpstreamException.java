package dev.dualtrack.proxy.upstream;

import java.io.IOException;

/** Why an upstream fetch failed. Each kind maps to a distinct answer and metric outcome. */
public final class UpstreamException extends IOException {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** Could not connect (refused, DNS, TLS handshake, certificate or host name). */
        CONNECT,
        /** No bytes within the read timeout while we were waiting for them. */
        TIMEOUT,
        /** The connection closed or reset before the response was complete. */
        RESET,
        /** A redirect pointed at a host the adapter does not allow. */
        REDIRECT_REFUSED,
        /** Too many redirects, a bad Location, or a malformed response. */
        PROTOCOL,
        /** The pool for this host is full and its waiting list too. */
        POOL_EXHAUSTED
    }

    private final Kind kind;

    public UpstreamException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public UpstreamException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
