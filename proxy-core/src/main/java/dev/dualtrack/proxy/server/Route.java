package dev.dualtrack.proxy.server;

/**
 * Answers requests under one path prefix. A route must end every exchange it is given: with a response, a
 * stream it finishes, or an abort. It runs on the connection's event loop and must not block it.
 */
@FunctionalInterface
public interface Route {
    void handle(Exchange exchange);
}
