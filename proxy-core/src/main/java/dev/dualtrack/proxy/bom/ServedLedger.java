package dev.dualtrack.proxy.bom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What dualtrack served, file by file: the record the AI-BOM is made from. One JSON line per distinct file a
 * client received whole and allowed (track, project or repo, commit or version, file, sha256, size, findings),
 * appended to {@code served.jsonl} in the cache directory, so a BOM asked after a restart still lists it.
 *
 * <p>Appends run in order on one thread of their own ({@code dualtrack-served}), never on an event loop; reads run
 * on the same thread, so a BOM sees every file served before it was asked for. A file is appended once per
 * process (the same file served again adds nothing).
 */
public final class ServedLedger implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServedLedger.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The longest line read back: a forged or corrupted file costs a skipped line, not the heap. */
    private static final int MAX_LINE = 64 << 10;

    /** One file served: what the AI-BOM lists. {@code revision} is the Hub's commit; {@code version} PyPI's. */
    public record Served(String track, String artifact, String revision, String version, String file, String sha256,
            long size, String inspection, List<String> findings, String time) {
        public Served {
            findings = List.copyOf(findings);
        }

        String key() {
            return String.join("\u0000", track, artifact, revision, version, file, sha256);
        }
    }

    private final Optional<Path> file;
    private final ExecutorService writer;
    private final java.util.Set<String> written;
    /** Whether the file's end was looked at (on the writer thread only). */
    private boolean endChecked;

    private ServedLedger(Optional<Path> file) {
        this.file = file;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dualtrack-served");
            t.setDaemon(true);
            return t;
        });
        this.written = java.util.Collections.newSetFromMap(new java.util.concurrent.ConcurrentHashMap<>());
    }

    /** A ledger kept in {@code file}, which is created when the first file is served. */
    public static ServedLedger at(Path file) {
        return new ServedLedger(Optional.of(file));
    }

    /** A ledger that keeps nothing (tests and tools without a cache directory). */
    public static ServedLedger none() {
        return new ServedLedger(Optional.empty());
    }

    /** Records a file served whole (fire and forget; ordered). */
    public void record(Served s) {
        if (file.isEmpty()) {
            return;
        }
        if (written.size() > 1_000_000) {
            written.clear(); // bounded memory: a file may then be written twice, and reading drops the repeat
        }
        if (!written.add(s.key())) {
            return;
        }
        writer.execute(() -> {
            ObjectNode n = JSON.valueToTree(s);
            try (Writer w = Files.newBufferedWriter(file.get(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND)) {
                if (!endChecked) {
                    endChecked = true;
                    if (tornEnd(file.get())) {
                        w.write('\n'); // a crash tore the last line: this one starts on its own
                    }
                }
                w.write(JSON.writeValueAsString(n));
                w.write('\n');
            } catch (IOException e) {
                written.remove(s.key());
                LOG.warn("could not record a served file in {}: {}", file.get(), e.toString());
            }
        });
    }

    private static boolean tornEnd(Path f) throws IOException {
        if (!Files.exists(f) || Files.size(f) == 0) {
            return false;
        }
        try (java.nio.channels.SeekableByteChannel c = Files.newByteChannel(f)) {
            java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
            c.position(c.size() - 1).read(last);
            return last.get(0) != '\n';
        }
    }

    /** Every file served for {@code artifact} of {@code track} at {@code revision} or {@code version}. */
    public CompletableFuture<List<Served>> of(String track, String artifact, Optional<String> revision,
            Optional<String> version) {
        return CompletableFuture.supplyAsync(() -> read(track, artifact, revision, version), writer);
    }

    private List<Served> read(String track, String artifact, Optional<String> revision, Optional<String> version) {
        List<Served> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        if (file.isEmpty() || !Files.exists(file.get())) {
            return out;
        }
        try (BufferedReader r = Files.newBufferedReader(file.get(), StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.length() > MAX_LINE || !line.contains(artifact)) {
                    continue;
                }
                Served s;
                try {
                    JsonNode n = JSON.readTree(line);
                    s = JSON.treeToValue(n, Served.class);
                } catch (IOException | IllegalArgumentException | NullPointerException e) {
                    continue; // a torn last line after a crash: the rest still counts
                }
                if (s.track().equals(track) && s.artifact().equals(artifact)
                        && revision.map(s.revision()::equals).orElse(true)
                        && version.map(s.version()::equals).orElse(true) && seen.add(s.key())) {
                    out.add(s);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        out.sort(java.util.Comparator.comparing(Served::file));
        return out;
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
