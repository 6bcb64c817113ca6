package dev.dualtrack.proxy.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A check of a data source (a feed folder, an advisory zip) that the request path asks for and never waits for:
 * {@link #poke} starts it on a background thread when {@code every} has passed since the last one, and returns at
 * once. Two checks of one source never run together. Walking a folder of ten thousand OSV records takes tens of
 * milliseconds and reading it again seconds; done on an event loop, that was a stall for every connection on it.
 */
public final class Recheck {
    private static final Executor BACKGROUND = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dualtrack-recheck");
        t.setDaemon(true);
        return t;
    });

    private final Clock clock;
    private final Duration every;
    private final Runnable check;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile Instant last;

    /** {@code check} runs in the background; it handles its own failures (an escaping exception is only logged). */
    public Recheck(Clock clock, Duration every, Runnable check) {
        this.clock = clock;
        this.every = every;
        this.check = check;
        this.last = clock.instant();
    }

    /** Starts the check in the background when it is due and not already running. */
    public void poke() {
        Instant now = clock.instant();
        if (Duration.between(last, now).compareTo(every) < 0 || !running.compareAndSet(false, true)) {
            return;
        }
        last = now;
        BACKGROUND.execute(() -> {
            try {
                check.run();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Recheck.class).error("a background reload failed", e);
            } finally {
                running.set(false);
            }
        });
    }
}
