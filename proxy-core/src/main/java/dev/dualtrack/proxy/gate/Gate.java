package dev.dualtrack.proxy.gate;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * One check a request passes before any byte is served: a name for logs and tests, and what it found, now or
 * later. A gate never answers the client and never records anything; {@link Gates} does both, so a decision is
 * made and recorded in one place whatever the gate (G5). A synchronous gate returns a completed stage; one that
 * must ask something (a ledger in the bucket, a signature on the Hub, a reinspection on disk) returns the stage
 * of that question.
 *
 * @param <R> the request record the gate reads (a PyPI file, a Hub file)
 */
public interface Gate<R> {
    /** A short name: which check refused, in logs and in tests that walk a track's list. */
    String name();

    /** What this gate finds for {@code request}; a failed stage refuses the request (fail closed). */
    CompletionStage<Checked> check(R request);

    /** A gate that answers at once. */
    static <R> Gate<R> of(String name, Function<? super R, Checked> check) {
        return async(name, r -> CompletableFuture.completedFuture(check.apply(r)));
    }

    /** A gate that may answer later. */
    static <R> Gate<R> async(String name, Function<? super R, ? extends CompletionStage<Checked>> check) {
        return new Gate<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public CompletionStage<Checked> check(R request) {
                return check.apply(request);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
