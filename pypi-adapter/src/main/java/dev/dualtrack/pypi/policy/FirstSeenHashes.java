package dev.dualtrack.pypi.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualtrack.pypi.simple.DistributionFilename;
import dev.dualtrack.pypi.simple.ProjectName;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trust on first use for file hashes: the first sha256 an index announced for {@code (project, filename)} is
 * remembered, and a later, different one is tampering (PyPI never lets a filename be uploaded twice). The
 * record is an append-only file in the cache directory, so it survives restarts; a line is written only the
 * first time a file is seen.
 *
 * <p>The ledger is JSON lines ({@code {"project":…,"filename":…,"sha256":…}}), one object per line, written by a
 * JSON encoder: whatever a name holds, it cannot end a line or start a forged record. Lines are checked again
 * when read: a record whose project, filename or hash is not well formed is skipped with a warning, never
 * trusted. Callers only pass entries that {@code PackagePolicy} validated, so nothing unsafe is written either.
 */
public final class FirstSeenHashes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FirstSeenHashes.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final ConcurrentHashMap<String, String> seen = new ConcurrentHashMap<>();
    private final BufferedWriter out;
    /**
     * Where records are written, in order: one thread of its own, because the checks that find a file first run
     * on event loops and page renderers, which never wait for a disk. The map above is what this process knows
     * at once; the file is what the next one reads.
     */
    private final java.util.concurrent.ExecutorService writer = java.util.concurrent.Executors
            .newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "dualtrack-first-seen");
                t.setDaemon(true);
                return t;
            });

    public FirstSeenHashes(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            if (Files.exists(file)) {
                int lineNo = 0;
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    lineNo++;
                    if (!line.isBlank() && !load(line)) {
                        LOG.warn("{}:{}: not a well-formed first-seen record; ignored", file, lineNo);
                    }
                }
            }
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot open " + file, e);
        }
    }

    private boolean load(String line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (IOException e) {
            return false;
        }
        String project = n.path("project").asText("");
        String filename = n.path("filename").asText("");
        String sha = n.path("sha256").asText("");
        if (!valid(project, filename, sha)) {
            return false;
        }
        seen.putIfAbsent(key(project, filename), sha);
        return true;
    }

    private static boolean valid(String project, String filename, String sha) {
        return ProjectName.isValid(project) && ProjectName.normalize(project).equals(project)
                && DistributionFilename.classify(filename) != DistributionFilename.Kind.INVALID
                && SHA256.matcher(sha).matches();
    }

    private static String key(String project, String filename) {
        return project + "\u0000" + filename;
    }

    /** The sha256 first seen for this file when it differs from {@code sha256}; records a file seen first now. */
    public Optional<String> conflict(String project, String filename, String sha256) {
        if (!valid(project, filename, sha256)) {
            throw new IllegalArgumentException("not a recordable entry: " + DistributionFilename.printable(project)
                    + " " + DistributionFilename.printable(filename));
        }
        String first = seen.putIfAbsent(key(project, filename), sha256);
        if (first == null) {
            writer.execute(() -> write(project, filename, sha256));
            return Optional.empty();
        }
        return first.equals(sha256) ? Optional.empty() : Optional.of(first);
    }

    private void write(String project, String filename, String sha256) {
        synchronized (out) {
            try {
                out.write(JSON.writeValueAsString(JSON.createObjectNode().put("project", project)
                        .put("filename", filename).put("sha256", sha256)));
                out.write('\n');
                out.flush();
            } catch (IOException e) {
                LOG.error("cannot record the first-seen hash of {} {}: {}", project, filename, e.toString());
            }
        }
    }

    /** Waits until every record found so far is in the file (tests, and {@link #close}). */
    public void flush() {
        try {
            writer.submit(() -> { }).get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("first-seen records may not all be written: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed already: everything was written then
        }
    }

    @Override
    public void close() {
        flush();
        writer.shutdown();
        synchronized (out) {
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing left to save
            }
        }
    }
}
