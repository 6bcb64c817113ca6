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
 * <p>Layout: {@code DIR/blobs/ab/ab12…ef} for committed blobs, {@code DIR/tmp/*.part} for blobs being written.
 * A blob is written to a temp file, fsynced, then renamed into place atomically and the directory fsynced, so a
 * crash leaves either the whole blob or none of it under {@code blobs/}. Temp files are deleted at start-up:
 * a half-written file is never served (G4). Only the relay commits, and only after the inspector and the hash
 * check passed, so the cache holds verified bytes only.
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
            throw new UncheckedIOException("cannot open cache directory " + dir, e);
        }
        metrics.cacheSize(this::sizeBytes);
        evict(null);
    }

    public static boolean isSha256(String s) {
        return s != null && SHA256.matcher(s).matches();
    }

    /** The committed blob for {@code sha256}, marking it recently used; empty when absent. */
    public Optional<Path> find(String sha256) {
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
            Files.setLastModifiedTime(p, FileTime.from(Instant.now()));
            return Optional.of(p);
        } catch (IOException e) {
            // Deleted behind our back (or evicted just now): forget it.
            forget(sha256);
            return Optional.empty();
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

    private void commit(Path part, String sha256, long size) throws IOException {
        Path target = pathOf(sha256);
        Files.createDirectories(target.getParent());
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

    private volatile java.util.function.BiConsumer<String, Path> committed = (sha, path) -> { };

    /** Called with each newly committed blob (fleet mode uploads it to the shared store). */
    public void onCommit(java.util.function.BiConsumer<String, Path> listener) {
        this.committed = listener;
    }

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
        try (Stream<Path> files = Files.walk(blobs, 2)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (Files.isRegularFile(p) && isSha256(name)) {
                    found.add(new Found(name, Files.size(p), Files.getLastModifiedTime(p).toMillis()));
                }
            }
        }
        found.sort(Comparator.comparingLong(Found::mtime));
        synchronized (this) {
            for (Found f : found) {
                index.put(f.sha(), f.size());
                totalBytes += f.size();
            }
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

        /** Makes the blob visible under {@code sha256}: fsync, atomic rename, directory fsync, then eviction. */
        public void commit(String sha256) throws IOException {
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
                BlobCache.this.commit(part, sha256, written);
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
