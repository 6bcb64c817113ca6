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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Names that look like a popular project but are not it. The popular list is the top 15,000 PyPI projects by
 * downloads (resource {@code top-pypi-packages.txt}, see {@code scripts/refresh-top-pypi}). A popular name, or an
 * exempt one, is never flagged. The checks, in order:
 *
 * <ol>
 *   <li>ultranormal equality: separators removed, {@code 0}→{@code o}, {@code 1}/{@code i}→{@code l}, as PyPI's
 *       own name-similarity rule does;</li>
 *   <li>a {@code python-}/{@code py-} prefix or {@code -py}/{@code -python} suffix around a popular name;</li>
 *   <li>the words of a popular name in another order ({@code cookies-requests});</li>
 *   <li>Damerau–Levenshtein distance 1 (one character repeated, omitted, swapped with its neighbour, or
 *       replaced: keyboard and visual typos) from a popular name of five or more characters.</li>
 * </ol>
 */
public final class TyposquatDetector {
    private final Set<String> popular;
    private final Set<String> exempt;
    private final Map<String, String> ultranormal = new HashMap<>();
    private final Map<String, String> sortedWords = new HashMap<>();
    private final Map<Integer, List<String>> byLength = new HashMap<>();
    private final Map<String, Optional<String>> verdicts = new ConcurrentHashMap<>();

    TyposquatDetector(List<String> popularInRankOrder, Set<String> exempt) {
        this.popular = new HashSet<>(popularInRankOrder);
        this.exempt = Set.copyOf(exempt);
        for (String p : popularInRankOrder) {
            ultranormal.putIfAbsent(ultranormalize(p), p);
            if (p.contains("-")) {
                sortedWords.putIfAbsent(sortWords(p), p);
            }
            byLength.computeIfAbsent(p.length(), k -> new ArrayList<>()).add(p);
        }
    }

    public static TyposquatDetector withBuiltInList(Set<String> exempt) {
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
        return new TyposquatDetector(names, exempt);
    }

    /** The popular project {@code project} (normalized) seems to imitate, if any. */
    public Optional<String> suspectedTarget(String project) {
        if (popular.contains(project) || exempt.contains(project)) {
            return Optional.empty();
        }
        return verdicts.computeIfAbsent(project, this::check);
    }

    private Optional<String> check(String p) {
        String u = ultranormal.get(ultranormalize(p));
        if (u != null) {
            return Optional.of(u);
        }
        for (String prefix : new String[] {"python-", "py-", "python", "py"}) {
            if (p.startsWith(prefix) && popular.contains(p.substring(prefix.length()))) {
                return Optional.of(p.substring(prefix.length()));
            }
        }
        for (String suffix : new String[] {"-python", "-py", "python", "py"}) {
            if (p.endsWith(suffix) && popular.contains(p.substring(0, p.length() - suffix.length()))) {
                return Optional.of(p.substring(0, p.length() - suffix.length()));
            }
        }
        if (p.contains("-")) {
            String w = sortedWords.get(sortWords(p));
            if (w != null) {
                return Optional.of(w);
            }
        }
        if (p.length() >= 5) {
            for (int len = p.length() - 1; len <= p.length() + 1; len++) {
                for (String candidate : byLength.getOrDefault(len, List.of())) {
                    if (candidate.length() >= 5 && damerauLevenshteinIsOne(p, candidate)) {
                        return Optional.of(candidate);
                    }
                }
            }
        }
        return Optional.empty();
    }

    static String ultranormalize(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (char c : name.toLowerCase(java.util.Locale.ROOT).toCharArray()) {
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
