package dev.dualtrack.proxy.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AuditLogTest {
    static AuditEvent block(int i) {
        return new AuditEvent(Instant.EPOCH, "127.0.0.1", "", "pypi", "p" + i, "f", "", "block", "pypi.typosquat", "d");
    }

    @Test
    void aWriterThatCannotKeepUpDropsAndCountsLinesInsteadOfGrowingTheHeap() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger written = new AtomicInteger();
        AuditLog log = AuditLog.inMemory(false, line -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            written.incrementAndGet();
        }, 4);
        for (int i = 0; i < 1000; i++) {
            log.record(block(i));
        }
        // One line in the writer's hands, four queued: the rest dropped and counted.
        assertThat(log.dropped()).isGreaterThanOrEqualTo(995);
        release.countDown();
        log.flush();
        assertThat(written.get() + log.dropped()).isEqualTo(1000);
        log.close();
    }
}
