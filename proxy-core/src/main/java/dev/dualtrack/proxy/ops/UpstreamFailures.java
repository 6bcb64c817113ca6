package dev.dualtrack.proxy.ops;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every upstream failure is logged with its upstream, status and cause (an index that is down used to fail every
 * request with a 502 and nothing in the log). At most one line per upstream every {@link #EVERY_MILLIS}: a down
 * index under load would otherwise write a line per request; the next line says how many were not written.
 */
public final class UpstreamFailures {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamFailures.class);
    static final long EVERY_MILLIS = 10_000;
    private static final ConcurrentHashMap<String, State> BY_UPSTREAM = new ConcurrentHashMap<>();

    private static final class State {
        final AtomicLong last = new AtomicLong(Long.MIN_VALUE / 2);
        final AtomicLong suppressed = new AtomicLong();
    }

    private UpstreamFailures() {
    }

    /**
     * Logs a failure of {@code upstream} (an index name, or a host): {@code what} was asked, {@code why} it failed
     * (a status, a timeout, a reset, an unreadable answer).
     */
    public static void report(String upstream, String what, String why) {
        State s = BY_UPSTREAM.computeIfAbsent(upstream, k -> new State());
        long now = System.currentTimeMillis();
        long last = s.last.get();
        if (now - last < EVERY_MILLIS || !s.last.compareAndSet(last, now)) {
            s.suppressed.incrementAndGet();
            return;
        }
        long more = s.suppressed.getAndSet(0);
        LOG.warn("upstream {} failed: {}: {}{}", upstream, what, why, more == 0 ? ""
                : " (and " + more + " more failure(s) of it in the last " + EVERY_MILLIS / 1000 + " s)");
    }
}
