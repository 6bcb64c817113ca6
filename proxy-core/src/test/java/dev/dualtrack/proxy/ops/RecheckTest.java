package dev.dualtrack.proxy.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RecheckTest {
    /** A clock the test moves. */
    private static final class Hands extends Clock {
        private volatile Instant now = Instant.parse("2026-12-07T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void aDueCheckRunsOnAnotherThreadAndTheCallerDoesNotWaitForIt() throws Exception {
        Hands clock = new Hands();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch ran = new CountDownLatch(1);
        AtomicReference<String> thread = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        Recheck recheck = new Recheck(clock, Duration.ofSeconds(30), () -> {
            runs.incrementAndGet();
            thread.set(Thread.currentThread().getName());
            ran.countDown();
            try {
                release.await(10, TimeUnit.SECONDS); // a slow reload
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        recheck.poke();
        assertThat(runs).as("not due before the interval").hasValue(0);

        clock.now = clock.now.plusSeconds(30);
        long started = System.nanoTime();
        recheck.poke();
        assertThat(System.nanoTime() - started).as("the caller did not wait for the slow check")
                .isLessThan(TimeUnit.SECONDS.toNanos(5));
        assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(thread.get()).isNotEqualTo(Thread.currentThread().getName()).isEqualTo("dualtrack-recheck");

        clock.now = clock.now.plusSeconds(60);
        recheck.poke();
        assertThat(runs).as("no second check while one runs").hasValue(1);

        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (runs.get() < 2 && System.nanoTime() < deadline) {
            clock.now = clock.now.plusSeconds(60);
            recheck.poke();
            Thread.sleep(5);
        }
        assertThat(runs).as("due again once the first finished").hasValueGreaterThanOrEqualTo(2);
    }

    @Test
    void aCheckThatThrowsDoesNotStopTheNextOne() throws Exception {
        Hands clock = new Hands();
        AtomicInteger runs = new AtomicInteger();
        Recheck recheck = new Recheck(clock, Duration.ZERO, () -> {
            runs.incrementAndGet();
            throw new IllegalStateException("the feed folder vanished");
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (runs.get() < 3 && System.nanoTime() < deadline) {
            recheck.poke();
            Thread.sleep(5);
        }
        assertThat(runs).hasValueGreaterThanOrEqualTo(3);
    }
}
