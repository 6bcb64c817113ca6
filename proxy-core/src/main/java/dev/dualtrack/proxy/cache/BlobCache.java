package dev.dualtrack.proxy.cache;

import dev.dualtrack.proxy.ops.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The content-addressed blob cache: {@code sha256 → bytes} on local disk, bounded by size with LRU eviction.
 *
 * <p>Layout: {@code DIR/blobs/ab/ab12…ef} for committed blobs, each with its {@code ab12…ef.verdict}
 * ({@link StoredVerdict}: every finding, and the inspection that found them), and {@code DIR/tmp/*.part} for
 * blobs being written. A blob is written to a temp file and fsynced; its verdict is written, fsynced and renamed
 * into place; then the blob is renamed into place atomically and the directory fsynced. A crash leaves the whole
 * blob with its verdict, or no blob. A blob without a readable verdict is not a cache entry: it is deleted at
 * start-up, like temp files, and never served (G4). Only the relay commits, and only bytes whose hash checked
 * out, so the cache holds verified bytes only; whether their findings block is judged at every serve.
 *
 * <p>Recency survives restarts through file modification times, which {@link #find} refreshes.
 */
public final class BlobCache {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** Blocking file work (queued writes, fsync, rename): daemon threads, created on demand, ended when idle. */
    private static final java.util.concurrent.ExecutorService FILE_IO = java.util.concurrent.Executors
            .newCachedThreadPool(r -> {
                Thread t = new Thread(r, "dualtrack-blob-io");
                t.setDaemon(true);
                return t;
            });

    private final Path blobs;
    private final Path tmp;
    private final long maxBytes;
    private final ProxyMetrics metrics;
    /** sha256 → size, in access order (eldest first). Guarded by {@code this}. */
    private final LinkedHashMap<String, Long> index = new LinkedHashMap<>(256, 0.75f, true);
    private long totalBytes;

    public BlobCache(Path dir, long maxBytes, ProxyMetrics metrics) {
        this(dir, maxBytes, metrics, (sha, path) -> { });
    }

    /** @param committed called with each newly committed blob (fleet mode uploads it to the shared store) */
    public BlobCache(Path dir, long maxBytes, ProxyMetrics metrics,
            java.util.function.BiConsumer<String, Path> committed) {
        this.committed = committed;
        this.blobs = dir.resolve("blobs");
        this.tmp = dir.resolve("tmp");
        this.maxBytes = maxBytes;
        this.metrics = metrics;
        try {
            Files.createDirectories(blobs);
            Files.createDirectories(tmp);
            deleteTempFiles();
            loadIndex();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the cache directory " + dir + " (cache.dir): "
                    + dev.dualtrack.proxy.ops.Causes.describe(e), e);
        }
        metrics.cacheSize(this::sizeBytes);
        evict(null);
    }

    public static boolean isSha256(String s) {
        return s != null && SHA256.matcher(s).matches();
    }

    /** A committed blob and what was found in it. */
    public record Cached(Path blob, StoredVerdict verdict) {
    }

    /**
     * The committed blob for {@code sha256} with its stored verdict, marking it recently used; empty when absent,
     * or when its verdict cannot be read (then it is dropped: a blob is served only with its findings).
     */
    public Optional<Cached> find(String sha256) {
        if (!isSha256(sha256)) {
            return Optional.empty();
        }
        synchronized (this) {
            if (index.get(sha256) == null) {
                return Optional.empty();
            }
        }
        Path p = pathOf(sha256);
        try {
            StoredVerdict v = StoredVerdict.fromJson(Files.readAllBytes(verdictOf(p)));
            Files.setLastModifiedTime(p, FileTime.from(Instant.now()));
            return Optional.of(new Cached(p, v));
        } catch (IOException e) {
            // Deleted behind our back (or evicted just now), or its verdict is gone: forget it.
            forget(sha256);
            return Optional.empty();
        }
    }

    /**
     * Replaces the stored verdict of a committed blob (it was inspected again under another scanner version),
     * atomically. Returns false when the blob is gone.
     */
    public boolean restate(String sha256, StoredVerdict verdict) throws IOException {
        if (!contains(sha256)) {
            return false;
        }
        writeVerdict(pathOf(sha256), verdict);
        return true;
    }

    /** {@code <blob>.verdict}, beside the blob. */
    static Path verdictOf(Path blob) {
        return blob.resolveSibling(blob.getFileName() + ".verdict");
    }

    /** Writes a verdict beside {@code blob}: temp file, fsync, atomic rename. */
    private void writeVerdict(Path blob, StoredVerdict verdict) throws IOException {
        Files.createDirectories(blob.getParent());
        Path part = tmp.resolve(UUID.randomUUID() + ".verdict.part");
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(verdict.toJson());
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(part, verdictOf(blob), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(part);
            throw e;
        }
    }

    public synchronized boolean contains(String sha256) {
        return index.containsKey(sha256);
    }

    public synchronized long sizeBytes() {
        return totalBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Starts a new blob written off the caller's thread, in order; the caller must commit or abort it.
     *
     * @param drained run when a caller told {@link QueuedBlobWriter#full} may read again
     */
    public QueuedBlobWriter newQueuedWriter(Runnable drained) throws IOException {
        return new QueuedBlobWriter(newWriter(), FILE_IO, drained);
    }

    /** Starts a new blob; the caller must {@link Writer#commit} or {@link Writer#abort} it. */
    public Writer newWriter() throws IOException {
        Path part = tmp.resolve(UUID.randomUUID() + ".part");
        FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new Writer(part, ch);
    }

    Path pathOf(String sha256) {
        return blobs.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    private synchronized void forget(String sha256) {
        Long size = index.remove(sha256);
        if (size != null) {
            totalBytes -= size;
        }
    }

    private void commit(Path part, String sha256, long size, StoredVerdict verdict) throws IOException {
        Path target = pathOf(sha256);
        Files.createDirectories(target.getParent());
        writeVerdict(target, verdict); // first: a blob in place always has its verdict beside it
        try {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(part);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(part);
            throw new IOException("cache directory does not support atomic rename", e);
        }
        fsyncDirectory(target.getParent());
        synchronized (this) {
            Long old = index.put(sha256, size);
            totalBytes += size - (old == null ? 0 : old);
        }
        evict(sha256);
        committed.accept(sha256, target);
    }

    private final java.util.function.BiConsumer<String, Path> committed;

    /** Removes least-recently-used blobs until the cache fits, never the one just committed. */
    private void evict(String keep) {
        List<String> victims = new ArrayList<>();
        synchronized (this) {
            Iterator<Map.Entry<String, Long>> it = index.entrySet().iterator();
            while (totalBytes > maxBytes && it.hasNext()) {
                Map.Entry<String, Long> e = it.next();
                if (e.getKey().equals(keep)) {
                    continue;
                }
                totalBytes -= e.getValue();
                victims.add(e.getKey());
                it.remove();
            }
        }
        for (String sha : victims) {
            try {
                // Readers that already opened the file keep reading it: POSIX unlink semantics.
                Files.deleteIfExists(pathOf(sha));
                Files.deleteIfExists(verdictOf(pathOf(sha)));
            } catch (IOException e) {
                System.err.println("dualtrack: cannot evict " + sha + ": " + e);
            }
        }
    }

    private void deleteTempFiles() throws IOException {
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(tmp)) {
            for (Path p : parts) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void loadIndex() throws IOException {
        record Found(String sha, long size, long mtime) {
        }
        List<Found> found = new ArrayList<>();
        int dropped = 0;
        List<Path> listed;
        try (Stream<Path> files = Files.walk(blobs, 2)) {
            listed = files.toList(); // listed first: the loop below deletes files the walk would stat
        }
        for (Path p : listed) {
            String name = p.getFileName().toString();
            if (!Files.isRegularFile(p)) {
                continue;
            }
            if (isSha256(name)) {
                if (readable(verdictOf(p))) {
                    found.add(new Found(name, Files.size(p), Files.getLastModifiedTime(p).toMillis()));
                } else {
                    // Committed by a version that kept no findings, or its verdict is damaged: what was found
                    // in it is unknown, so it is not served (it is fetched and inspected again when asked).
                    Files.deleteIfExists(p);
                    Files.deleteIfExists(verdictOf(p));
                    dropped++;
                }
            } else if (name.endsWith(".verdict") && !Files.exists(p.resolveSibling(name.substring(0,
                    name.length() - ".verdict".length())))) {
                Files.deleteIfExists(p); // a verdict whose blob never arrived (a crash between the renames)
            }
        }
        if (dropped > 0) {
            org.slf4j.LoggerFactory.getLogger(BlobCache.class).warn("dropped {} cached blob(s) without a readable "
                    + "verdict; they are fetched and inspected again when asked for", dropped);
        }
        found.sort(Comparator.comparingLong(Found::mtime));
        synchronized (this) {
            for (Found f : found) {
                index.put(f.sha(), f.size());
                totalBytes += f.size();
            }
        }
    }

    private static boolean readable(Path verdict) {
        try {
            StoredVerdict.fromJson(Files.readAllBytes(verdict));
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems cannot open directories; the rename itself is still atomic.
        }
    }

    /**
     * A blob being written. Not thread-safe: one relay writes it from its event loop.
     */
    public final class Writer implements AutoCloseable {
        private final Path part;
        private final FileChannel channel;
        private long written;
        private boolean open = true;

        private Writer(Path part, FileChannel channel) {
            this.part = part;
            this.channel = channel;
        }

        /** Appends the readable bytes of {@code buf}. <b>Borrows</b> it: its indexes are not changed. */
        public void write(ByteBuf buf) throws IOException {
            if (!open) {
                throw new IllegalStateException("writer is closed");
            }
            for (ByteBuffer b : buf.nioBuffers(buf.readerIndex(), buf.readableBytes())) {
                while (b.hasRemaining()) {
                    written += channel.write(b);
                }
            }
        }

        public long written() {
            return written;
        }

        /**
         * Makes the blob visible under {@code sha256} with what was found in it: fsync, the verdict written beside
         * it, atomic rename, directory fsync, then eviction.
         */
        public void commit(String sha256, StoredVerdict verdict) throws IOException {
            if (!isSha256(sha256)) {
                throw new IllegalArgumentException("not a sha256: " + sha256);
            }
            if (!open) {
                throw new IllegalStateException("writer is closed");
            }
            open = false;
            try {
                channel.force(true);
                channel.close();
                BlobCache.this.commit(part, sha256, written, verdict);
            } catch (IOException e) {
                Files.deleteIfExists(part);
                throw e;
            }
        }

        /** Discards the partial blob. Idempotent. */
        public void abort() {
            if (!open) {
                return;
            }
            open = false;
            try {
                channel.close();
                Files.deleteIfExists(part);
            } catch (IOException e) {
                System.err.println("dualtrack: cannot delete " + part + ": " + e);
            }
        }

        @Override
        public void close() {
            abort();
        }
    }
}
