package dev.dualtrack.pypi.vuln;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.dualtrack.config.PypiConfig.Severity;
import dev.dualtrack.pypi.simple.ProjectName;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Known vulnerabilities of PyPI projects, from OSV records: a folder of JSON or YAML files in any nesting (the
 * PyPA advisory database's {@code vulns/<project>/PYSEC-*.yaml}, osv.dev's per-ecosystem folders) or a zip of
 * JSON records (osv.dev's {@code PyPI/all.zip}). Records of other ecosystems and withdrawn records are skipped;
 * a record that cannot be read is counted and logged, never fatal. The source is read again when it changes
 * (looked at most every {@code recheck}), on a thread of its own: a full read of osv.dev's zip takes seconds, and
 * the callers are event loops and page renderers, which keep answering from the snapshot in use until the new one
 * is swapped in whole.
 */
public final class AdvisorySource {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AdvisorySource.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    /** A record larger than this is not an advisory. */
    private static final long MAX_RECORD_BYTES = 4L << 20;
    /** osv.dev's PyPI zip is about 100 MiB unpacked; a source past this is not an advisory database. */
    private static final long MAX_SOURCE_BYTES = 2L << 30;
    /** A summary goes into the reason of every file of a page it applies to. */
    private static final int MAX_SUMMARY_CHARS = 160;
    /** What one load found. */
    public record Snapshot(Map<String, List<Advisory>> byProject, int records, int unreadable, Instant loadedAt,
            Instant sourceModified, long fingerprint) {
        public int projects() {
            return byProject.size();
        }
    }

    private final Path path;
    private final Clock clock;
    private final dev.dualtrack.proxy.ops.Recheck recheck;
    private volatile Snapshot snapshot;

    public AdvisorySource(Path path, Clock clock, Duration recheck) {
        this.path = path;
        this.clock = clock;
        this.snapshot = load();
        this.recheck = new dev.dualtrack.proxy.ops.Recheck(clock, recheck, this::reloadIfChanged);
    }

    /** The snapshot in use; when a recheck is due, one is started in the background. */
    public Snapshot snapshot() {
        recheck.poke();
        return snapshot;
    }

    /** The advisories of {@code project} (normalized name). */
    public List<Advisory> of(String project) {
        return snapshot().byProject().getOrDefault(ProjectName.normalize(project), List.of());
    }

    private void reloadIfChanged() {
        if (fingerprint() == snapshot.fingerprint()) {
            return;
        }
        Snapshot next = load();
        if (next.records() == 0 && snapshot.records() > 0) {
            LOG.error("pypi.vulnerabilities: {} now holds no readable advisory; the {} loaded at {} stay in force",
                    path, snapshot.records(), snapshot.loadedAt());
            return;
        }
        snapshot = next;
        LOG.info("pypi.vulnerabilities: {} advisories for {} projects loaded from {}", next.records(),
                next.projects(), path);
    }

    /** Sizes and modification times of every file that counts: cheap to take, and changes with any edit. */
    private long fingerprint() {
        long h = 1;
        try {
            if (Files.isRegularFile(path)) {
                return 31 * Files.size(path) + Files.getLastModifiedTime(path).toMillis();
            }
            try (Stream<Path> files = Files.walk(path)) {
                for (Path p : (Iterable<Path>) files.filter(AdvisorySource::isRecord)::iterator) {
                    h = 31 * h + p.toString().hashCode();
                    h = 31 * h + Files.size(p);
                    h = 31 * h + Files.getLastModifiedTime(p).toMillis();
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            return -2; // unreadable: a load will say why
        }
        return h;
    }

    private static boolean isRecord(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (n.endsWith(".json") || n.endsWith(".yaml") || n.endsWith(".yml"));
    }

    private Snapshot load() {
        Map<String, List<Advisory>> by = new HashMap<>();
        int[] counts = new int[2];
        long[] total = new long[1];
        Instant modified = Instant.EPOCH;
        try {
            if (Files.isRegularFile(path) && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip")) {
                modified = Files.getLastModifiedTime(path).toInstant();
                try (ZipFile zip = new ZipFile(path.toFile())) {
                    for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                        String n = e.getName().toLowerCase(Locale.ROOT);
                        if (e.isDirectory() || !(n.endsWith(".json") || n.endsWith(".yaml") || n.endsWith(".yml"))) {
                            continue;
                        }
                        if (e.getSize() > MAX_RECORD_BYTES) {
                            counts[1]++;
                            continue;
                        }
                        try (InputStream in = zip.getInputStream(e)) {
                            read(e.getName(), bounded(in, total), by, counts);
                        }
                    }
                }
            } else {
                List<Path> files;
                try (Stream<Path> s = Files.walk(path)) {
                    files = s.filter(AdvisorySource::isRecord).sorted().toList();
                }
                for (Path p : files) {
                    Instant m = Files.getLastModifiedTime(p).toInstant();
                    modified = m.isAfter(modified) ? m : modified;
                    if (Files.size(p) > MAX_RECORD_BYTES) {
                        counts[1]++;
                        continue;
                    }
                    try (InputStream in = Files.newInputStream(p)) {
                        read(p.toString(), bounded(in, total), by, counts);
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.error("pypi.vulnerabilities: cannot read {}: {}", path, e.toString());
            Snapshot old = snapshot;
            return old != null ? old : new Snapshot(Map.of(), 0, 0, clock.instant(), Instant.EPOCH, -2);
        }
        Map<String, List<Advisory>> frozen = new HashMap<>();
        by.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        if (counts[1] > 0) {
            LOG.warn("pypi.vulnerabilities: {} record(s) in {} could not be read and were skipped", counts[1], path);
        }
        return new Snapshot(Map.copyOf(frozen), counts[0], counts[1], clock.instant(), modified, fingerprint());
    }

    /**
     * A record's bytes, or none (counted unreadable) past {@link #MAX_RECORD_BYTES}: a zip entry's stated size
     * may be absent or false, and a file may grow after its size was taken.
     */
    private static byte[] bounded(InputStream in, long[] total) throws IOException {
        byte[] bytes = in.readNBytes((int) MAX_RECORD_BYTES + 1);
        total[0] += bytes.length;
        if (total[0] > MAX_SOURCE_BYTES) {
            throw new IOException("more than " + (MAX_SOURCE_BYTES >> 30) + " GiB of records: not an advisory database");
        }
        return bytes.length > MAX_RECORD_BYTES ? new byte[0] : bytes;
    }

    private static void read(String name, byte[] bytes, Map<String, List<Advisory>> by, int[] counts) {
        JsonNode r;
        try {
            String lower = name.toLowerCase(Locale.ROOT);
            r = lower.endsWith(".json") ? JSON.readTree(bytes) : YAML.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            counts[1]++;
            return;
        }
        if (r == null || !r.isObject() || !r.path("id").isTextual()) {
            counts[1]++;
            return;
        }
        if (r.hasNonNull("withdrawn")) {
            return;
        }
        String id = r.path("id").asText();
        List<String> aliases = new ArrayList<>();
        r.path("aliases").forEach(a -> aliases.add(a.asText()));
        String summary = clip(r.path("summary").asText(r.path("details").asText("")));
        Optional<Severity> severity = severity(r);
        boolean counted = false;
        for (JsonNode a : r.path("affected")) {
            if (!a.path("package").path("ecosystem").asText("").equals("PyPI")) {
                continue;
            }
            String project = a.path("package").path("name").asText("");
            if (!ProjectName.isValid(project)) {
                continue;
            }
            List<Advisory.Range> ranges = new ArrayList<>();
            for (JsonNode range : a.path("ranges")) {
                if (range.path("type").asText("").equals("ECOSYSTEM")) {
                    ranges.add(range(range));
                }
            }
            Set<String> versions = new HashSet<>();
            a.path("versions").forEach(v -> versions.add(v.asText()));
            Optional<Severity> own = severity.or(() -> rating(a.path("ecosystem_specific").path("severity").asText("")))
                    .or(() -> rating(a.path("database_specific").path("severity").asText("")));
            by.computeIfAbsent(ProjectName.normalize(project), k -> new ArrayList<>())
                    .add(new Advisory(id, aliases, summary, own, ranges, versions));
            counted = true;
        }
        if (counted) {
            counts[0]++;
        }
    }

    private static Advisory.Range range(JsonNode range) {
        List<Advisory.Event> events = new ArrayList<>();
        for (JsonNode e : range.path("events")) {
            for (Advisory.Kind k : Advisory.Kind.values()) {
                String key = k.name().toLowerCase(Locale.ROOT);
                if (e.has(key)) {
                    String v = e.path(key).asText();
                    if (k == Advisory.Kind.INTRODUCED && v.equals("0")) {
                        events.add(new Advisory.Event(k, Optional.empty()));
                    } else {
                        Optional<Pep440Version> parsed = Pep440Version.parse(v);
                        if (parsed.isEmpty()) {
                            // An event we cannot place: the range cannot be evaluated, only its listed versions.
                            return new Advisory.Range(List.of());
                        }
                        events.add(new Advisory.Event(k, parsed));
                    }
                }
            }
        }
        events.sort(Comparator.comparing((Advisory.Event e) -> e.version().orElse(null),
                Comparator.nullsFirst(Comparator.naturalOrder())));
        return new Advisory.Range(events);
    }

    /** The record's severity: a CVSS v3 vector's base score, else a stated rating ({@code MODERATE} is medium). */
    static Optional<Severity> severity(JsonNode r) {
        for (JsonNode s : r.path("severity")) {
            if (s.path("type").asText("").equals("CVSS_V3")) {
                Optional<Double> score = Cvss3.baseScore(s.path("score").asText(""));
                if (score.isPresent()) {
                    return Optional.of(Cvss3.rating(score.get()));
                }
            }
        }
        return rating(r.path("database_specific").path("severity").asText(""));
    }

    static Optional<Severity> rating(String text) {
        return switch (text.toUpperCase(Locale.ROOT)) {
            case "LOW" -> Optional.of(Severity.LOW);
            case "MODERATE", "MEDIUM" -> Optional.of(Severity.MEDIUM);
            case "HIGH" -> Optional.of(Severity.HIGH);
            case "CRITICAL" -> Optional.of(Severity.CRITICAL);
            default -> Optional.empty();
        };
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }

    private static String clip(String s) {
        String line = firstLine(s);
        return line.length() > MAX_SUMMARY_CHARS ? line.substring(0, MAX_SUMMARY_CHARS - 3) + "..." : line;
    }
}
