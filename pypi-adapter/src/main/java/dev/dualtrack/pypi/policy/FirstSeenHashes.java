package dev.dualtrack.pypi.policy;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Trust on first use for file hashes: the first sha256 an index announced for {@code (project, filename)} is
 * remembered, and a later, different one is tampering (PyPI never lets a filename be uploaded twice). The
 * record is an append-only file in the cache directory, so it survives restarts; a line is written only the
 * first time a file is seen.
 */
public final class FirstSeenHashes implements AutoCloseable {
    private final ConcurrentHashMap<String, String> seen = new ConcurrentHashMap<>();
    private final BufferedWriter out;

    public FirstSeenHashes(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    String[] f = line.split("\t");
                    if (f.length == 3) {
                        seen.putIfAbsent(f[0] + "\t" + f[1], f[2]);
                    }
                }
            }
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot open " + file, e);
        }
    }

    /** The sha256 first seen for this file when it differs from {@code sha256}; records a file seen first now. */
    public Optional<String> conflict(String project, String filename, String sha256) {
        String key = project + "\t" + filename;
        String first = seen.putIfAbsent(key, sha256);
        if (first == null) {
            synchronized (out) {
                try {
                    out.write(key + "\t" + sha256 + "\n");
                    out.flush();
                } catch (IOException e) {
                    System.err.println("dualtrack: cannot record first-seen hash: " + e);
                }
            }
            return Optional.empty();
        }
        return first.equals(sha256) ? Optional.empty() : Optional.of(first);
    }

    @Override
    public void close() {
        synchronized (out) {
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing left to save
            }
        }
    }
}
