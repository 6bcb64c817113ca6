package dev.dualtrack.pypi.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualtrack.pypi.simple.ProjectName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Known-malicious PyPI releases from OSV records in the ossf/malicious-packages layout
 * ({@code osv/malicious/pypi/<name>/MAL-*.json}; anything under a {@code withdrawn} folder, and records with a
 * {@code withdrawn} date, are ignored). A record names a package and either specific versions or, with none
 * and no ranges, every version; any sha256 it carries blocks that file wherever it appears. The directory is
 * re-read when its files change, looked at most every {@code recheck} and on a background thread: callers are
 * event loops, and ossf/malicious-packages holds thousands of records. They match against the snapshot in use
 * until the new one is swapped in whole.
 */
public final class MaliciousFeed {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** What the feed says about one project. */
    private record Entry(String id, Set<String> versions, boolean allVersions) {
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MaliciousFeed.class);

    private final Path dir;
    private final dev.dualtrack.proxy.ops.Recheck recheck;
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), -1);

    private record Snapshot(Map<String, Entry> byName, Map<String, String> bySha256, long fingerprint) {
    }

    public MaliciousFeed(Path dir, Clock clock, Duration recheck) {
        this.dir = dir;
        reloadIfChanged();
        this.recheck = new dev.dualtrack.proxy.ops.Recheck(clock, recheck, this::reloadIfChanged);
    }

    /** Why a release (or file) is known-malicious, if it is. */
    public Optional<String> match(String project, String version, String sha256) {
        return match(project, version, sha256, true);
    }

    /**
     * @param byName whether a record naming the project counts; for an internal index it does not: a name an
     *               attacker used on PyPI is usually the internal package's own name (dependency confusion)
     */
    public Optional<String> match(String project, String version, String sha256, boolean byName) {
        recheck.poke();
        Snapshot s = snapshot;
        if (sha256 != null && s.bySha256().containsKey(sha256)) {
            return Optional.of(s.bySha256().get(sha256) + " lists this file's sha256");
        }
        if (!byName) {
            return Optional.empty();
        }
        Entry e = s.byName().get(project);
        if (e == null) {
            return Optional.empty();
        }
        if (e.allVersions()) {
            return Optional.of(e.id() + " lists every version of " + project);
        }
        return version != null && e.versions().contains(version)
                ? Optional.of(e.id() + " lists " + project + " " + version) : Optional.empty();
    }

    public int size() {
        return snapshot.byName().size();
    }

    /** Reads the directory again if any file in it was added, removed or modified. */
    public synchronized void reloadIfChanged() {
        long fp = fingerprint();
        if (fp == snapshot.fingerprint()) {
            return;
        }
        Map<String, Entry> byName = new HashMap<>();
        Map<String, String> bySha = new HashMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Iterator<Path> it = files.iterator(); it.hasNext(); ) {
                Path f = it.next();
                if (!f.toString().endsWith(".json") || f.toString().contains("/withdrawn/")) {
                    continue;
                }
                read(f, byName, bySha);
            }
        } catch (IOException e) {
            LOG.error("pypi.malicious-feed: cannot read {}: {}; the {} projects loaded before stay in force", dir,
                    e.toString(), snapshot.byName().size());
            return;
        }
        snapshot = new Snapshot(Map.copyOf(byName), Map.copyOf(bySha), fp);
    }

    private static void read(Path f, Map<String, Entry> byName, Map<String, String> bySha) {
        JsonNode r;
        try {
            r = JSON.readTree(f.toFile());
        } catch (IOException e) {
            LOG.warn("pypi.malicious-feed: skipping unreadable OSV record {}: {}", f, e.getMessage());
            return;
        }
        if (r.hasNonNull("withdrawn")) {
            return;
        }
        String id = r.path("id").asText(f.getFileName().toString());
        for (JsonNode a : r.path("affected")) {
            if (!a.path("package").path("ecosystem").asText().equalsIgnoreCase("PyPI")) {
                continue;
            }
            String name = ProjectName.normalize(a.path("package").path("name").asText());
            Set<String> versions = new HashSet<>();
            a.path("versions").forEach(v -> versions.add(v.asText()));
            boolean all = versions.isEmpty() && (a.path("ranges").isEmpty() || a.path("ranges").isMissingNode());
            Entry old = byName.get(name);
            if (old != null) {
                versions.addAll(old.versions());
                all |= old.allVersions();
            }
            byName.put(name, new Entry(id, Set.copyOf(versions), all));
        }
        collectShas(r, id, bySha);
    }

    /** Every sha256 anywhere in the record's database_specific data (package_integrity indicators and the like). */
    private static void collectShas(JsonNode node, String id, Map<String, String> bySha) {
        if (node.isTextual()) {
            String t = node.asText().toLowerCase(java.util.Locale.ROOT);
            if (SHA256.matcher(t).matches()) {
                bySha.put(t, id);
            }
        }
        node.forEach(child -> collectShas(child, id, bySha));
    }

    private long fingerprint() {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return p.toString().hashCode() * 31L + Files.getLastModifiedTime(p).toMillis();
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
