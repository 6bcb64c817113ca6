package dev.dualtrack.proxy.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * At most one fetch per key at a time. The first request for a key leads and does the work; requests that
 * arrive while it runs follow, waiting for its result. The key is removed <em>before</em> followers are
 * completed, so a follower that must retry (the leader failed) can lead the next attempt.
 *
 * <pre>{@code
 * SingleFlight.Flight<Outcome> f = flights.join(sha256);
 * if (f.leader()) { ... f.complete(outcome); } else { f.result().whenCompleteAsync(..., eventLoop); }
 * }</pre>
 */
public final class SingleFlight<R> {
    private final ConcurrentMap<String, CompletableFuture<R>> inFlight = new ConcurrentHashMap<>();

    public Flight<R> join(String key) {
        CompletableFuture<R> mine = new CompletableFuture<>();
        CompletableFuture<R> existing = inFlight.putIfAbsent(key, mine);
        return existing == null ? new Flight<>(this, key, mine, true) : new Flight<>(this, key, existing, false);
    }

    /** Number of keys being fetched now. */
    public int size() {
        return inFlight.size();
    }

    /** One request's part in a flight. */
    public static final class Flight<R> {
        private final SingleFlight<R> owner;
        private final String key;
        private final CompletableFuture<R> result;
        private final boolean leader;

        private Flight(SingleFlight<R> owner, String key, CompletableFuture<R> result, boolean leader) {
            this.owner = owner;
            this.key = key;
            this.result = result;
            this.leader = leader;
        }

        public boolean leader() {
            return leader;
        }

        public CompletableFuture<R> result() {
            return result;
        }

        /** Ends the flight with {@code outcome}; only the leader may, and only once. */
        public void complete(R outcome) {
            if (!leader) {
                throw new IllegalStateException("only the leader of flight '" + key + "' may complete it");
            }
            owner.inFlight.remove(key, result);
            if (!result.complete(outcome)) {
                throw new IllegalStateException("flight '" + key + "' was completed twice");
            }
        }
    }
}
