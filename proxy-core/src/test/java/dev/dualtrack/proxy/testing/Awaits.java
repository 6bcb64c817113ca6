package dev.dualtrack.proxy.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition that becomes true asynchronously; fails after a generous deadline (not a timing test). */
public final class Awaits {
    private Awaits() {
    }

    public static void until(BooleanSupplier condition) {
        until(condition, Duration.ofSeconds(20));
    }

    public static void until(BooleanSupplier condition, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met within " + deadline);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
