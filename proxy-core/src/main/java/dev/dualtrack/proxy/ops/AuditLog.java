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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The JSON-lines audit log. Each {@link AuditEvent} is one line, written by a single background thread so that
 * event loops never wait on a disk. Lines are flushed one by one: an audit trail that loses its last lines in a
 * crash is not worth much.
 */
public final class AuditLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(SerializationFeature.FLUSH_AFTER_WRITE_VALUE)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private final OutputStream out;
    private final boolean ownsStream;
    private final boolean logAllows;
    private final ExecutorService writer;
    private final Consumer<String> tap;

    private AuditLog(OutputStream out, boolean ownsStream, boolean logAllows, Consumer<String> tap) {
        this.out = out;
        this.ownsStream = ownsStream;
        this.logAllows = logAllows;
        this.tap = tap;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dualtrack-audit");
            t.setDaemon(true);
            return t;
        });
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
            throw new UncheckedIOException("cannot open audit log " + output, e);
        }
    }

    /** An audit log that hands each line to {@code sink}, for tests. */
    public static AuditLog inMemory(boolean logAllows, Consumer<String> sink) {
        return new AuditLog(OutputStream.nullOutputStream(), false, logAllows, sink);
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
        m.put("track", e.track());
        m.put("artifact", e.artifact());
        m.put("file", e.file());
        m.put("sha256", e.sha256());
        m.put("decision", e.decision());
        m.put("rule", e.rule());
        m.put("detail", e.detail());
        try {
            return JSON.writeValueAsString(m);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Waits for queued lines to be written. */
    public void flush() {
        try {
            writer.submit(() -> { }).get(10, TimeUnit.SECONDS);
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
