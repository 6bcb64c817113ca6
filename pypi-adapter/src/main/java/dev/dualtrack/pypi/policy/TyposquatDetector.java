package dev.dualtrack.pypi.policy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Names that look like a popular project but are not it: the name half of the typosquat rule. Resemblance alone
 * is not a verdict: about 2 % of all PyPI names resemble a popular one, almost all of them established projects.
 * {@link TyposquatRule} weighs a resemblance against the candidate's age and releases.
 *
 * <p>The popular list is the top 15,000 PyPI projects by downloads (resource {@code top-pypi-packages.txt}, see
 * {@code scripts/refresh-top-pypi}); a name's rank is its place in that list. A popular name, or an exempt one,
 * never resembles anything. The checks, in order:
 *
 * <ol>
 *   <li>look-alikes: equal once separators are removed and {@code 0}→{@code o}, {@code 1}/{@code i}→{@code l},
 *       {@code rn}→{@code m}, {@code vv}→{@code w} (PyPI's own name-similarity rule, plus two ligatures);</li>
 *   <li>a {@code python-}/{@code py-} prefix or {@code -py}/{@code -python} suffix around a popular name;</li>
 *   <li>the words of a popular name in another order ({@code cookies-requests});</li>
 *   <li>Damerau–Levenshtein distance 1 (a character omitted, repeated, inserted, replaced, or swapped with its
 *       neighbour) from a popular name of {@value #MIN_EDIT_LENGTH} or more characters. Shorter names have too
 *       many real neighbours for one edit to mean anything.</li>
 * </ol>
 *
 * <p>Lookups use a deletion index (every popular name with one character removed), so a check is a few dozen
 * hash lookups, whatever the list's length, and nothing is cached per asked name: hostile requests for random
 * names cost no memory.
 */
public final class TyposquatDetector {
    static final int MIN_EDIT_LENGTH = 4;

    /** What a name resembles: the popular {@code target}, its download {@code rank} (1 = most), and how. */
    public record Resemblance(String target, int rank, String how) {
    }

    private final Map<String, Integer> rank = new HashMap<>();
    private final Set<String> exempt;
    private final Map<String, String> lookalike = new HashMap<>();
    private final Map<String, String> sortedWords = new HashMap<>();
    /** A popular name, and each of its one-character deletions, to the best-ranked popular names it came from. */
    private final Map<String, List<String>> deletions = new HashMap<>();

    TyposquatDetector(List<String> popularInRankOrder, Set<String> exempt) {
        this.exempt = Set.copyOf(exempt);
        for (String p : popularInRankOrder) {
            rank.putIfAbsent(p, rank.size() + 1);
        }
        for (String p : popularInRankOrder) {
            lookalike.putIfAbsent(lookalikeKey(p), p);
            if (p.contains("-")) {
                sortedWords.putIfAbsent(sortWords(p), p);
            }
            if (p.length() >= MIN_EDIT_LENGTH) {
                index(p, p);
                for (int i = 0; i < p.length(); i++) {
                    index(p.substring(0, i) + p.substring(i + 1), p);
                }
            }
        }
    }

    private void index(String key, String popular) {
        List<String> names = deletions.computeIfAbsent(key, k -> new ArrayList<>(1));
        if (!names.contains(popular)) {
            names.add(popular);
        }
    }

    public static TyposquatDetector withBuiltInList(Set<String> exempt) {
        return new TyposquatDetector(builtInList(), exempt);
    }

    /** The built-in popular names, most downloaded first. */
    public static List<String> builtInList() {
        List<String> names = new ArrayList<>();
        try (InputStream in = TyposquatDetector.class.getResourceAsStream("/dev/dualtrack/pypi/top-pypi-packages.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    names.add(line.strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    /** The popular project {@code project} (normalized) seems to imitate, if any. */
    public Optional<String> suspectedTarget(String project) {
        return resemblance(project).map(Resemblance::target);
    }

    /** Whether {@code project} is itself one of the popular names. */
    public boolean isPopular(String project) {
        return rank.containsKey(project);
    }

    /** What {@code project} (normalized) resembles, if anything. */
    public Optional<Resemblance> resemblance(String project) {
        if (rank.containsKey(project) || exempt.contains(project)) {
            return Optional.empty();
        }
        String u = lookalike.get(lookalikeKey(project));
        if (u != null) {
            return found(u, "separators or look-alike characters changed");
        }
        for (String prefix : new String[] {"python-", "py-", "python", "py"}) {
            if (project.startsWith(prefix) && rank.containsKey(project.substring(prefix.length()))) {
                return found(project.substring(prefix.length()), "a '" + prefix + "' prefix");
            }
        }
        for (String suffix : new String[] {"-python", "-py", "python", "py"}) {
            String stem = project.substring(0, Math.max(0, project.length() - suffix.length()));
            if (project.endsWith(suffix) && rank.containsKey(stem)) {
                return found(stem, "a '" + suffix + "' suffix");
            }
        }
        if (project.contains("-")) {
            String w = sortedWords.get(sortWords(project));
            if (w != null) {
                return found(w, "its words in another order");
            }
        }
        return oneEdit(project).flatMap(p -> found(p, "1 edit"));
    }

    private Optional<Resemblance> found(String target, String how) {
        return Optional.of(new Resemblance(target, rank.get(target), how));
    }

    /** The best-ranked popular name one edit away, found through the deletion index and then confirmed. */
    private Optional<String> oneEdit(String q) {
        if (q.length() < MIN_EDIT_LENGTH - 1) {
            return Optional.empty();
        }
        List<String> candidates = new ArrayList<>(deletions.getOrDefault(q, List.of()));
        for (int i = 0; i < q.length(); i++) {
            candidates.addAll(deletions.getOrDefault(q.substring(0, i) + q.substring(i + 1), List.of()));
        }
        char[] c = q.toCharArray();
        for (int i = 0; i + 1 < c.length; i++) {
            char t = c[i];
            c[i] = c[i + 1];
            c[i + 1] = t;
            String swapped = new String(c);
            if (rank.containsKey(swapped) && swapped.length() >= MIN_EDIT_LENGTH) {
                candidates.add(swapped);
            }
            c[i + 1] = c[i];
            c[i] = t;
        }
        String best = null;
        for (String p : candidates) {
            if (damerauLevenshteinIsOne(q, p) && (best == null || rank.get(p) < rank.get(best))) {
                best = p;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The name as it looks: no separators, and the characters (and pairs) that read alike made one. */
    static String lookalikeKey(String name) {
        String s = name.toLowerCase(java.util.Locale.ROOT).replace("rn", "m").replace("vv", "w");
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '-', '_', '.' -> { }
                case '0' -> sb.append('o');
                case '1', 'i' -> sb.append('l');
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String sortWords(String name) {
        String[] words = name.split("-");
        Arrays.sort(words);
        return String.join("-", words);
    }

    /** True when {@code a} becomes {@code b} by one insertion, deletion, substitution or adjacent swap. */
    static boolean damerauLevenshteinIsOne(String a, String b) {
        if (a.equals(b)) {
            return false;
        }
        int la = a.length();
        int lb = b.length();
        if (Math.abs(la - lb) > 1) {
            return false;
        }
        int i = 0;
        while (i < Math.min(la, lb) && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        if (la == lb) {
            // One substitution, or one swap of neighbours.
            if (a.substring(i + 1).equals(b.substring(i + 1))) {
                return true;
            }
            return i + 1 < la && a.charAt(i) == b.charAt(i + 1) && a.charAt(i + 1) == b.charAt(i)
                    && a.substring(i + 2).equals(b.substring(i + 2));
        }
        // One insertion or deletion.
        return la > lb ? a.substring(i + 1).equals(b.substring(i)) : a.substring(i).equals(b.substring(i + 1));
    }
}
