package dev.dualtrack.proxy.server;

import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asynchronous callbacks that always answer. An exception thrown inside a CompletableFuture callback is kept in
 * a future nobody reads: the client would wait for an answer that never comes. Every route callback that may
 * answer an exchange goes through here, so a bug is a 500 (or a cut-off body when the head is out), never a hang.
 *
 * <pre>{@code
 * Callbacks.then(ex, resolver.resolve(name, ex.eventLoop()), (page, error) -> ...);
 * }</pre>
 */
public final class Callbacks {
    private static final Logger LOG = LoggerFactory.getLogger(Callbacks.class);

    private Callbacks() {
    }

    /** {@code body}, answering the exchange with {@link Exchange#internalError} if it throws. */
    public static <T> BiConsumer<T, Throwable> guarded(Exchange ex, BiConsumer<T, Throwable> body) {
        return (value, error) -> {
            try {
                body.accept(value, error);
            } catch (RuntimeException | Error bug) {
                LOG.error("route callback failed for {} {}", ex.method(), ex.uri(), bug);
                ex.internalError(bug);
            }
        };
    }

    /**
     * Runs {@code body} on the exchange's event loop once {@code stage} completes, guarded. A stage that is
     * already complete when the loop itself asks (a cached page, a known revision) runs {@code body} now, before
     * this returns: every caller asks in tail position, and a hop through the loop's task queue would put the
     * answer behind the reads of every other ready connection (at 1,000 connections on one loop, the cached
     * page's p99 was 1.7x nginx's while its p50 was below nginx's).
     */
    public static <T> void then(Exchange ex, CompletionStage<T> stage, BiConsumer<T, Throwable> body) {
        if (stage instanceof java.util.concurrent.CompletableFuture<T> done && done.isDone()
                && ex.eventLoop().inEventLoop()) {
            done.whenComplete(guarded(ex, body));
            return;
        }
        stage.whenCompleteAsync(guarded(ex, body), ex.eventLoop());
    }
}
