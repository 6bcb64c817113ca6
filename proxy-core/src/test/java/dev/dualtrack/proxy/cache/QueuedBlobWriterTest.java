package dev.dualtrack.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.ops.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache writes queued off the event loop: order, release of every chunk, the high-water mark, and abort. */
class QueuedBlobWriterTest {
    @TempDir
    Path dir;

    /** Runs queued tasks only when told, so the test decides when the disk "catches up". */
    static final class ManualExecutor implements Executor {
        final Queue<Runnable> tasks = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable r) {
            tasks.add(r);
        }

        void runAll() {
            while (true) {
                Runnable r;
                synchronized (this) {
                    r = tasks.poll();
                }
                if (r == null) {
                    return;
                }
                r.run();
            }
        }
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void chunksAreWrittenInOrderAndEveryOneIsReleased() throws Exception {
        BlobCache cache = new BlobCache(dir, 1L << 30, new ProxyMetrics());
        byte[] content = random(3_000_000, 1);
        QueuedBlobWriter w = cache.newQueuedWriter(() -> { });
        List<ByteBuf> chunks = new ArrayList<>();
        Random r = new Random(2);
        for (int pos = 0; pos < content.length; ) {
            int n = Math.min(content.length - pos, 1 + r.nextInt(70_000));
            ByteBuf chunk = Unpooled.copiedBuffer(content, pos, n);
            w.write(chunk);
            chunks.add(chunk);
            pos += n;
        }
        String sha = BlobCacheTest.sha(content);
        w.commit(sha, BlobCacheTest.CLEAN).get(30, TimeUnit.SECONDS);
        assertThat(Files.readAllBytes(cache.find(sha).orElseThrow().blob())).isEqualTo(content);
        for (ByteBuf c : chunks) {
            assertThat(c.refCnt()).as("only the caller's reference is left").isEqualTo(1);
            c.release();
        }
    }

    @Test
    void aFullQueueAsksTheReaderToWaitAndCallsItBackOnce() throws Exception {
        ManualExecutor io = new ManualExecutor();
        AtomicInteger drained = new AtomicInteger();
        BlobCache cache = new BlobCache(dir, 1L << 30, new ProxyMetrics());
        QueuedBlobWriter w = new QueuedBlobWriter(cache.newWriter(), io, drained::incrementAndGet);
        ByteBuf chunk = Unpooled.wrappedBuffer(random(1 << 20, 3));
        for (int i = 0; i <= QueuedBlobWriter.HIGH_WATER >> 20; i++) {
            assertThat(w.full()).isFalse();
            w.write(chunk);
        }
        assertThat(w.full()).as("over the high-water mark").isTrue();
        assertThat(drained).hasValue(0);
        io.runAll();
        assertThat(drained).as("called back once, when the queue fell to the low-water mark").hasValue(1);
        assertThat(w.full()).isFalse();
        assertThat(chunk.refCnt()).isEqualTo(1);
        chunk.release();
        w.abort();
        io.runAll();
    }

    @Test
    void abortReleasesQueuedChunksUnwrittenAndLeavesNoFile() throws Exception {
        ManualExecutor io = new ManualExecutor();
        BlobCache cache = new BlobCache(dir, 1L << 30, new ProxyMetrics());
        QueuedBlobWriter w = new QueuedBlobWriter(cache.newWriter(), io, () -> { });
        ByteBuf chunk = Unpooled.wrappedBuffer(random(100_000, 4));
        w.write(chunk);
        w.write(chunk);
        w.abort();
        io.runAll();
        assertThat(chunk.refCnt()).isEqualTo(1);
        chunk.release();
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }
}
