package dev.dualtrack.load;

import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.config.RuleAction;
import dev.dualtrack.pypi.policy.EstablishedNames;
import dev.dualtrack.pypi.policy.PackagePolicy;
import dev.dualtrack.pypi.policy.TyposquatDetector;
import dev.dualtrack.pypi.policy.TyposquatRule;
import dev.dualtrack.pypi.simple.ProjectName;
import dev.dualtrack.pypi.simple.SimpleFile;
import dev.dualtrack.pypi.simple.SimplePage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * The typosquat rule's precision and recall on PyPI's real namespace, with the default configuration.
 *
 * <ul>
 *   <li><b>Precision</b>: every project in {@code pypi-names.tsv.gz}, its page answered as the fake index would:
 *       one file, uploaded on the first day of the month of the project's newest release (so every project looks
 *       as young as it can). A block on a project whose newest release predates 2025-06 is a false positive.</li>
 *   <li><b>Recall</b>: typo variants of the 5,000 most downloaded names that are not registered projects
 *       (omitted, repeated, inserted and swapped characters, keyboard neighbours, confusables, separators,
 *       affixes, swapped words), each as a project uploaded a day ago with one release.</li>
 *   <li><b>Offline scan</b>: the same names with no page, as {@code dualtrack scan} judges a requirements file.</li>
 * </ul>
 *
 * The decisions are the proxy's own ({@link PackagePolicy#project}, the call its project gate makes).
 * Run: {@code ./mvnw -pl load-tests -am install -DskipTests && ./mvnw -pl load-tests exec:exec@typosquat-bench
 * -Dnames=NAMES.tsv.gz}, with a list of every PyPI project ({@code name<TAB>YYYY-MM<TAB>rank}, the month of its
 * newest release).
 */
public final class TyposquatBench {
    /** The day the name list was taken: "now" for ages. */
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    static final String ESTABLISHED_BEFORE = "2025-06";

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: TyposquatBench NAMES.tsv.gz   (name, month of newest release, rank: every PyPI "
                    + "project)");
            System.exit(2);
        }
        Path names = Path.of(args[0]);
        Map<String, String> month = read(names);
        PackagePolicy policy = PackagePolicy.fromConfig(defaults(), Clock.fixed(NOW, ZoneOffset.UTC));

        long t0 = System.nanoTime();
        int established = 0;
        int falsePositives = 0;
        int recentFlagged = 0;
        List<String> examples = new ArrayList<>();
        int noRelease = 0;
        int noReleaseFlagged = 0;
        for (Map.Entry<String, String> e : month.entrySet()) {
            if (e.getValue().isEmpty()) {
                // A project with no release: its page lists no files, so there is no age to weigh.
                noRelease++;
                if (policy.project(e.getKey(), Optional.of(new SimplePage(e.getKey(), List.of(), List.of())))
                        .filter(PackagePolicy.Decision::blocks).isPresent()) {
                    noReleaseFlagged++;
                }
                continue;
            }
            Instant upload = Instant.parse(e.getValue() + "-01T00:00:00Z");
            boolean blocked = policy.project(e.getKey(), Optional.of(page(e.getKey(), upload)))
                    .filter(PackagePolicy.Decision::blocks).isPresent();
            if (e.getValue().compareTo(ESTABLISHED_BEFORE) < 0) {
                established++;
                if (blocked) {
                    falsePositives++;
                    if (examples.size() < 10) {
                        examples.add(e.getKey());
                    }
                }
            } else if (blocked) {
                recentFlagged++;
            }
        }
        double precisionSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("precision: %d of %d established projects (newest release before %s) blocked = %.4f %%"
                        + " (goal <= 0.01 %%) %s%n", falsePositives, established, ESTABLISHED_BEFORE,
                100.0 * falsePositives / established, examples);
        System.out.printf("           %d of %d recent projects blocked when their page looks as young as its newest "
                + "release; %d of %d projects without any release (no files, so no age); %.1f s for %d pages%n",
                recentFlagged, month.size() - established - noRelease, noReleaseFlagged, noRelease, precisionSeconds,
                month.size());

        t0 = System.nanoTime();
        List<String> top = TyposquatDetector.builtInList().subList(0, 5000);
        Set<String> popular = new HashSet<>(TyposquatDetector.builtInList());
        Map<String, int[]> byKind = new LinkedHashMap<>();
        Map<String, List<String>> missed = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        Instant young = NOW.minus(Duration.ofDays(1));
        for (String target : top) {
            for (Map.Entry<String, Set<String>> kind : TypoVariants.of(target).entrySet()) {
                for (String v : kind.getValue()) {
                    if (popular.contains(v) || month.containsKey(v) || !seen.add(v)) {
                        continue;
                    }
                    int[] c = byKind.computeIfAbsent(kind.getKey(), k -> new int[2]);
                    c[0]++;
                    if (policy.project(v, Optional.of(page(v, young))).filter(PackagePolicy.Decision::blocks)
                            .isPresent()) {
                        c[1]++;
                    } else {
                        List<String> m = missed.computeIfAbsent(kind.getKey(), k -> new ArrayList<>());
                        if (m.size() < 5) {
                            m.add(v + "<-" + target);
                        }
                    }
                }
            }
        }
        int variants = byKind.values().stream().mapToInt(c -> c[0]).sum();
        int flagged = byKind.values().stream().mapToInt(c -> c[1]).sum();
        System.out.printf("recall:    %d of %d unregistered typo variants of the top 5,000 flagged as young projects"
                        + " = %.2f %% (goal >= 99 %%); %.1f s%n", flagged, variants, 100.0 * flagged / variants,
                (System.nanoTime() - t0) / 1e9);
        byKind.forEach((k, c) -> System.out.printf("           %-20s %7d of %7d = %6.2f %%  missed e.g. %s%n", k, c[1],
                c[0], 100.0 * c[1] / c[0], missed.getOrDefault(k, List.of())));

        t0 = System.nanoTime();
        TyposquatRule offline = new TyposquatRule(PypiConfig.Typosquat.defaults(),
                TyposquatDetector.withBuiltInList(Set.of()), EstablishedNames.builtIn(), Clock.systemUTC());
        int offlineFlagged = 0;
        int offlineEstablished = 0;
        int resembling = 0;
        TyposquatDetector detector = TyposquatDetector.withBuiltInList(Set.of());
        for (Map.Entry<String, String> e : month.entrySet()) {
            if (detector.resemblance(e.getKey()).isPresent()) {
                resembling++;
            }
            if (offline.judge(e.getKey(), Optional.empty()).filter(PackagePolicy.Decision::blocks).isPresent()) {
                offlineFlagged++;
                if (e.getValue().compareTo(ESTABLISHED_BEFORE) < 0) {
                    offlineEstablished++;
                }
            }
        }
        System.out.printf("offline:   dualtrack scan flags %d of %d names (%.4f %%), %d of them established; name "
                        + "resemblance alone would flag %d (%.2f %%); %s holds %d names; %.1f s%n", offlineFlagged,
                month.size(), 100.0 * offlineFlagged / month.size(), offlineEstablished, resembling,
                100.0 * resembling / month.size(), EstablishedNames.builtIn().description(),
                EstablishedNames.builtIn().size(), (System.nanoTime() - t0) / 1e9);
    }

    static PypiConfig defaults() throws dev.dualtrack.config.ConfigException {
        return dev.dualtrack.config.ConfigLoader.parse("bench", "pypi: {}\n").pypi();
    }

    static SimplePage page(String project, Instant upload) {
        return new SimplePage(project, List.of(new SimpleFile(project + "-1.0.tar.gz",
                "https://files.example/" + project, Map.of("sha256", "0".repeat(64)), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(upload.toString()))), List.of());
    }

    static Map<String, String> read(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.split("\t", -1);
                if (f.length >= 2 && !f[0].isEmpty()) {
                    out.putIfAbsent(ProjectName.normalize(f[0]), f[1]);
                }
            }
        }
        return out;
    }

    /** Typo variants of a name, by kind, normalized (PEP 503) and valid as project names. */
    static final class TypoVariants {
        private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
        private static final String[] KEYBOARD = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};
        private static final String[][] CONFUSABLES = {{"o", "0"}, {"0", "o"}, {"l", "1"}, {"1", "l"}, {"i", "1"},
            {"l", "i"}, {"i", "l"}, {"rn", "m"}, {"m", "rn"}, {"vv", "w"}, {"w", "vv"}};

        static Map<String, Set<String>> of(String n) {
            Map<String, Set<String>> out = new LinkedHashMap<>();
            for (String k : List.of("omitted", "repeated", "inserted", "swapped", "keyboard", "confusable",
                    "separator", "affix", "swapped-words")) {
                out.put(k, new LinkedHashSet<>());
            }
            for (int i = 0; i < n.length(); i++) {
                add(out, "omitted", n, n.substring(0, i) + n.substring(i + 1));
                add(out, "repeated", n, n.substring(0, i + 1) + n.charAt(i) + n.substring(i + 1));
                if (i + 1 < n.length()) {
                    add(out, "swapped", n, n.substring(0, i) + n.charAt(i + 1) + n.charAt(i) + n.substring(i + 2));
                }
                for (char c : neighbours(n.charAt(i)).toCharArray()) {
                    add(out, "keyboard", n, n.substring(0, i) + c + n.substring(i + 1));
                }
                if (i > 0 && n.charAt(i) != '-' && n.charAt(i - 1) != '-') {
                    add(out, "separator", n, n.substring(0, i) + "-" + n.substring(i));
                }
                if (n.charAt(i) == '-') {
                    add(out, "separator", n, n.substring(0, i) + n.substring(i + 1));
                }
            }
            for (int i = 0; i <= n.length(); i++) {
                for (char c : ALPHABET.toCharArray()) {
                    add(out, "inserted", n, n.substring(0, i) + c + n.substring(i));
                }
            }
            for (String[] c : CONFUSABLES) {
                for (int i = n.indexOf(c[0]); i >= 0; i = n.indexOf(c[0], i + 1)) {
                    add(out, "confusable", n, n.substring(0, i) + c[1] + n.substring(i + c[0].length()));
                }
            }
            for (String a : List.of("python-" + n, "py-" + n, n + "-py", n + "-python", "py" + n, n + "py")) {
                add(out, "affix", n, a);
            }
            String[] words = n.split("-");
            if (words.length >= 2) {
                for (int i = 0; i + 1 < words.length; i++) {
                    String[] w = words.clone();
                    w[i] = words[i + 1];
                    w[i + 1] = words[i];
                    add(out, "swapped-words", n, String.join("-", w));
                }
                String[] reversed = new String[words.length];
                for (int i = 0; i < words.length; i++) {
                    reversed[i] = words[words.length - 1 - i];
                }
                add(out, "swapped-words", n, String.join("-", reversed));
            }
            return out;
        }

        private static String neighbours(char c) {
            StringBuilder sb = new StringBuilder();
            for (int row = 0; row < KEYBOARD.length; row++) {
                int col = KEYBOARD[row].indexOf(c);
                if (col < 0) {
                    continue;
                }
                for (int dr = -1; dr <= 1; dr++) {
                    for (int dc = -1; dc <= 1; dc++) {
                        int r = row + dr;
                        int k = col + dc;
                        if ((dr != 0 || dc != 0) && r >= 0 && r < KEYBOARD.length && k >= 0
                                && k < KEYBOARD[r].length()) {
                            sb.append(KEYBOARD[r].charAt(k));
                        }
                    }
                }
            }
            return sb.toString();
        }

        private static void add(Map<String, Set<String>> out, String kind, String original, String variant) {
            String v = ProjectName.normalize(variant);
            if (!v.equals(original) && v.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?")) {
                out.get(kind).add(v);
            }
        }
    }
}
