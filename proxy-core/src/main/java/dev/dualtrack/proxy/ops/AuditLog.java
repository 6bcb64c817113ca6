package dev.dualtrack.proxy.ops;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The JSON-lines audit log. Each {@link AuditEvent} is one line, written by a single background thread so that
 * event loops never wait on a disk. Lines are flushed one by one: an audit trail that loses its last lines in a
 * crash is not worth much.
 *
 * <p>The queue is bounded ({@link #QUEUE_LINES} lines): a disk that cannot keep up, or a flood of blocks, must not
 * grow the heap until the process dies. Lines that find the queue full are dropped and counted
 * ({@code dualtrack_audit_dropped_total}); the block itself is still counted by its metric and still refused.
 */
public final class AuditLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(SerializationFeature.FLUSH_AFTER_WRITE_VALUE)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private final OutputStream out;
    private final boolean ownsStream;
    private final boolean logAllows;
    private final java.util.concurrent.ThreadPoolExecutor writer;
    private final Consumer<String> tap;
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
    /** Lines waiting for the writer at most; a few seconds of a burst, a few MB of heap. */
    public static final int QUEUE_LINES = 16_384;

    private AuditLog(OutputStream out, boolean ownsStream, boolean logAllows, Consumer<String> tap) {
        this(out, ownsStream, logAllows, tap, QUEUE_LINES);
    }

    private AuditLog(OutputStream out, boolean ownsStream, boolean logAllows, Consumer<String> tap, int queueLines) {
        this.out = out;
        this.ownsStream = ownsStream;
        this.logAllows = logAllows;
        this.tap = tap;
        this.writer = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(queueLines), r -> {
                    Thread t = new Thread(r, "dualtrack-audit");
                    t.setDaemon(true);
                    return t;
                }, (task, pool) -> dropped.incrementAndGet());
    }

    /** {@code output} is {@code stdout} or a file path, appended to. */
    public static AuditLog open(String output, boolean logAllows) {
        if (output.equals("stdout")) {
            return new AuditLog(System.out, false, logAllows, line -> { });
        }
        try {
            Path p = Path.of(output);
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            OutputStream os = Files.newOutputStream(p, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
            return new AuditLog(os, true, logAllows, line -> { });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit log " + output + " (audit.output): "
                    + dev.dualtrack.proxy.ops.Causes.describe(e), e);
        }
    }

    /** An audit log that hands each line to {@code sink}, for tests. */
    public static AuditLog inMemory(boolean logAllows, Consumer<String> sink) {
        return new AuditLog(OutputStream.nullOutputStream(), false, logAllows, sink);
    }

    /** A test log whose queue holds {@code queueLines}, to see what happens when the writer falls behind. */
    static AuditLog inMemory(boolean logAllows, Consumer<String> sink, int queueLines) {
        return new AuditLog(OutputStream.nullOutputStream(), false, logAllows, sink, queueLines);
    }

    /** Lines dropped because the writer could not keep up. */
    public long dropped() {
        return dropped.get();
    }

    public boolean logsAllows() {
        return logAllows;
    }

    public void record(AuditEvent e) {
        if (e.decision().equals("allow") && !logAllows) {
            return;
        }
        String line = toJson(e);
        writer.execute(() -> {
            try {
                out.write(line.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
                out.flush();
            } catch (IOException ex) {
                System.err.println("dualtrack: audit log write failed: " + ex);
            }
            tap.accept(line);
        });
    }

    static String toJson(AuditEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", e.time().toString());
        m.put("client", e.client());
        m.put("principal", e.principal().isEmpty() ? null : e.principal());
        m.put("track", e.track());
        m.put("artifact", e.artifact());
        m.put("file", e.file());
        m.put("sha256", e.sha256());
        m.put("decision", e.decision());
        m.put("rule", e.rule());
        m.put("detail", e.detail());
        if (!e.id().isEmpty()) {
            m.put("id", e.id());
        }
        try {
            return JSON.writeValueAsString(m);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Waits for queued lines to be written. */
    public void flush() {
        try {
            // A marker behind the queued lines. Put straight on the queue, waiting for room, so that it is never
            // dropped (or counted as a dropped line) the way a line that finds the queue full is.
            java.util.concurrent.FutureTask<Void> marker = new java.util.concurrent.FutureTask<>(() -> { }, null);
            writer.prestartCoreThread();
            if (!writer.getQueue().offer(marker, 10, TimeUnit.SECONDS)) {
                throw new java.util.concurrent.TimeoutException("the audit queue stayed full");
            }
            marker.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("audit log did not flush", e);
        }
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsStream) {
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing more can be done about a log that will not close
            }
        }
    }
}
