package dev.dualtrack.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.dualtrack.pypi.simple.ProjectName;
import dev.dualtrack.pypi.vuln.Advisory;
import dev.dualtrack.pypi.vuln.AdvisorySource;
import dev.dualtrack.pypi.vuln.Pep440Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * How exactly rule {@code pypi.vulnerable} reads a real advisory database, record by record, against what the
 * records themselves say:
 * <ul>
 *   <li>recall on listed versions: every (project, version) a record lists in {@code versions} must be affected by
 *       that record as dualtrack reads it;</li>
 *   <li>range edges: a record's {@code fixed} version must not be affected by it (unless the record also lists
 *       it), nor the highest version any record of the project lists below an {@code introduced}.</li>
 * </ul>
 * Prints the counts, every miss, and the time to load and to judge.
 *
 * <pre>{@code
 * git clone https://github.com/pypa/advisory-database
 * java -cp "load-tests/target/classes:$(cat load-tests/target/classpath.txt)" dev.dualtrack.load.AdvisoryAccuracy \
 *     advisory-database
 * }</pre>
 */
public final class AdvisoryAccuracy {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: AdvisoryAccuracy ADVISORY_FOLDER_OR_ZIP");
            System.exit(2);
        }
        Path source = Path.of(args[0]);
        long t0 = System.nanoTime();
        AdvisorySource advisories = new AdvisorySource(source, Clock.systemUTC(), Duration.ofDays(1));
        long loadNanos = System.nanoTime() - t0;
        AdvisorySource.Snapshot s = advisories.snapshot();

        // Every version of every project the records name, against all of its advisories: what a page costs.
        long pages = 0;
        long tp = System.nanoTime();
        dev.dualtrack.pypi.vuln.VulnerabilityRule rule = new dev.dualtrack.pypi.vuln.VulnerabilityRule(
                dev.dualtrack.config.ConfigLoader.parse("accuracy", "pypi: {vulnerabilities: {path: '" + source
                        + "'}}\n").pypi().vulnerabilities().orElseThrow(), advisories);
        for (var e : s.byProject().entrySet()) {
            java.util.Set<String> versions = new java.util.HashSet<>();
            e.getValue().forEach(a -> versions.addAll(a.versions()));
            for (String v : versions) {
                rule.hits(e.getKey(), v);
                pages++;
            }
        }
        long pageNanos = System.nanoTime() - tp;

        // What the records say, read independently of AdvisorySource (raw YAML/JSON): listed versions and edges.
        Map<String, TreeSet<Pep440Version>> knownVersions = new HashMap<>();
        List<String[]> listed = new ArrayList<>();
        List<String[]> fixedEdges = new ArrayList<>();
        List<String[]> introducedEdges = new ArrayList<>();
        YAMLMapper yaml = new YAMLMapper();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(source)) {
            files = walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".json")).toList();
        }
        for (Path f : files) {
            JsonNode r = yaml.readTree(f.toFile()); // YAML is a superset of JSON
            if (r == null || r.hasNonNull("withdrawn")) {
                continue;
            }
            String id = r.path("id").asText();
            for (JsonNode a : r.path("affected")) {
                if (!a.path("package").path("ecosystem").asText().equals("PyPI")) {
                    continue;
                }
                String project = ProjectName.normalize(a.path("package").path("name").asText());
                java.util.Set<String> versions = new java.util.HashSet<>();
                for (JsonNode v : a.path("versions")) {
                    versions.add(v.asText());
                    listed.add(new String[] {id, project, v.asText()});
                    Pep440Version.parse(v.asText()).ifPresent(pv -> knownVersions.computeIfAbsent(project,
                            k -> new TreeSet<>()).add(pv));
                }
                for (JsonNode range : a.path("ranges")) {
                    if (!range.path("type").asText().equals("ECOSYSTEM")) {
                        continue;
                    }
                    for (JsonNode e : range.path("events")) {
                        if (e.has("fixed") && !versions.contains(e.path("fixed").asText())) {
                            fixedEdges.add(new String[] {id, project, e.path("fixed").asText()});
                        }
                        if (e.has("introduced") && !e.path("introduced").asText().equals("0")) {
                            introducedEdges.add(new String[] {id, project, e.path("introduced").asText()});
                        }
                    }
                }
            }
        }

        long t1 = System.nanoTime();
        int hits = 0;
        List<String> misses = new ArrayList<>();
        for (String[] l : listed) {
            if (affects(advisories, l[0], l[1], l[2])) {
                hits++;
            } else {
                misses.add("listed but not affected: " + String.join(" ", l));
            }
        }
        int fixedWrong = 0;
        for (String[] e : fixedEdges) {
            if (affects(advisories, e[0], e[1], e[2])) {
                fixedWrong++;
                misses.add("fixed version affected: " + String.join(" ", e));
            }
        }
        int belowChecked = 0;
        int belowWrong = 0;
        for (String[] e : introducedEdges) {
            Optional<Pep440Version> introduced = Pep440Version.parse(e[2]);
            TreeSet<Pep440Version> known = knownVersions.get(e[1]);
            if (introduced.isEmpty() || known == null || known.lower(introduced.get()) == null) {
                continue;
            }
            Pep440Version below = known.lower(introduced.get());
            // Only an edge when no record lists that version as affected by this advisory.
            if (listed.stream().anyMatch(l -> l[0].equals(e[0]) && l[1].equals(e[1])
                    && Pep440Version.parse(l[2]).filter(below::equals).isPresent())) {
                continue;
            }
            belowChecked++;
            if (affects(advisories, e[0], e[1], below.toString())) {
                belowWrong++;
                misses.add("version below introduced affected: " + e[0] + " " + e[1] + " " + below);
            }
        }
        long judgeNanos = System.nanoTime() - t1;
        int judged = listed.size() + fixedEdges.size() + belowChecked;

        System.out.printf("source: %s: %,d records for %,d projects (%d unreadable), loaded in %.2f s%n", source,
                s.records(), s.projects(), s.unreadable(), loadNanos / 1e9);
        System.out.printf("listed versions affected:        %,d of %,d (%.2f %%)%n", hits, listed.size(),
                100.0 * hits / Math.max(1, listed.size()));
        System.out.printf("fixed versions wrongly affected: %,d of %,d%n", fixedWrong, fixedEdges.size());
        System.out.printf("versions below 'introduced' wrongly affected: %,d of %,d%n", belowWrong, belowChecked);
        System.out.printf("judged %,d (advisory, version) pairs in %.3f s of rule time (%.2f µs each; %.1f s with "
                + "the harness)%n", judged, ruleNanos / 1e9, ruleNanos / 1e3 / Math.max(1, judged), judgeNanos / 1e9);
        System.out.printf("every listed (project, version) against all of its project's advisories, as a page asks: "
                + "%,d in %.3f s (%.1f µs each)%n", pages, pageNanos / 1e9, pageNanos / 1e3 / Math.max(1, pages));
        misses.stream().limit(50).forEach(m -> System.out.println("  " + m));
        if (misses.size() > 50) {
            System.out.println("  … and " + (misses.size() - 50) + " more");
        }
    }

    /** Time spent in the rule's own answers (the harness's bookkeeping is not counted). */
    private static long ruleNanos;

    private static boolean affects(AdvisorySource source, String id, String project, String version) {
        long t = System.nanoTime();
        try {
            for (Advisory a : source.of(project)) {
                if (a.id().equals(id)) {
                    return a.affects(version).isPresent();
                }
            }
            return false;
        } finally {
            ruleNanos += System.nanoTime() - t;
        }
    }
}
