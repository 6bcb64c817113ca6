package dev.dualtrack.proxy.store;

import dev.dualtrack.proxy.ops.ProxyMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs {@link SharedStore} calls on a small pool of their own, never on an event loop, each bounded by a
 * timeout, and counts them ({@code dualtrack_shared_store_requests_total{op,outcome}},
 * {@code dualtrack_shared_store_seconds{op}}). A full queue, a timeout or an error completes the future
 * exceptionally; what that means is the caller's to decide.
 */
public final class SharedStoreClient implements AutoCloseable {
    private final SharedStore store;
    private final ProxyMetrics metrics;
    private final Duration timeout;
    private final ThreadPoolExecutor pool;
    private final ThreadPoolExecutor uploads = new ThreadPoolExecutor(2, 2, 60, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(256), r -> {
                Thread t = new Thread(r, "dualtrack-shared-upload");
                t.setDaemon(true);
                return t;
            });

    public SharedStoreClient(SharedStore store, ProxyMetrics metrics, Duration timeout, int threads) {
        this.store = store;
        this.metrics = metrics;
        this.timeout = timeout;
        this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024),
                r -> {
                    Thread t = new Thread(r, "dualtrack-shared-store");
                    t.setDaemon(true);
                    return t;
                });
    }

    public String describe() {
        return store.describe();
    }

    /** A small object (a verdict, a metadata answer), at most {@link SharedStore#MAX_SMALL_OBJECT} bytes. */
    public CompletableFuture<Optional<byte[]>> get(String key) {
        return run("get", () -> store.get(key, SharedStore.MAX_SMALL_OBJECT), v -> v.isPresent() ? "ok" : "missing");
    }

    public CompletableFuture<Void> put(String key, byte[] value) {
        return run("put", () -> {
            store.put(key, value);
            return null;
        }, v -> "ok");
    }

    /** Completes with the value stored at {@code key}: {@code value} if this call created it. */
    public CompletableFuture<byte[]> createIfAbsent(String key, byte[] value) {
        return run("create", () -> store.createIfAbsent(key, value),
                v -> java.util.Arrays.equals(v, value) ? "ok" : "exists");
    }

    public CompletableFuture<Boolean> exists(String key) {
        return run("head", () -> store.exists(key), v -> v ? "ok" : "missing");
    }

    public CompletableFuture<java.net.URI> presignGet(String key, Duration ttl) {
        return run("presign", () -> store.presignGet(key, ttl), v -> "ok");
    }

    public CompletableFuture<Void> delete(String key) {
        return run("delete", () -> {
            store.delete(key);
            return null;
        }, v -> "ok");
    }

    /** Uploads on a pool of its own (a 50 GB upload must not hold up lookups), with no timeout. */
    public CompletableFuture<Void> putFile(String key, java.nio.file.Path file) {
        long start = System.nanoTime();
        try {
            return CompletableFuture.runAsync(() -> {
                try {
                    store.putFile(key, file);
                } catch (IOException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, uploads).whenComplete((v, e) -> metrics.sharedStore("upload", e == null ? "ok" : "error",
                    System.nanoTime() - start));
        } catch (RejectedExecutionException e) {
            metrics.sharedStore("upload", "error", 0);
            return CompletableFuture.failedFuture(new IOException("the shared store's upload queue is full", e));
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        T call() throws IOException;
    }

    private <T> CompletableFuture<T> run(String op, Call<T> call, java.util.function.Function<T, String> outcome) {
        long start = System.nanoTime();
        CompletableFuture<T> f;
        try {
            f = CompletableFuture.supplyAsync(() -> {
                try {
                    return call.call();
                } catch (IOException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, pool);
        } catch (RejectedExecutionException e) {
            metrics.sharedStore(op, "error", 0);
            return CompletableFuture.failedFuture(new IOException("the shared store's queue is full", e));
        }
        return f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            metrics.sharedStore(op, e == null ? outcome.apply(v) : cause instanceof TimeoutException ? "timeout"
                    : "error", System.nanoTime() - start);
        });
    }

    @Override
    public void close() {
        pool.shutdownNow();
        uploads.shutdownNow();
        store.close();
    }
}
