package dev.dualtrack.scanner.lfs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of git-config(1) syntax that {@code .git/config} and {@code .lfsconfig} use: {@code [section]} and
 * {@code [section "subsection"]} headers, {@code key = value} lines, {@code #}/{@code ;} comments, quoted
 * values. Section and key names are case-insensitive, subsections are not.
 */
public final class GitConfig {
    /** A value and the line it was set on. */
    public record Entry(String value, int line) {
    }

    private final Map<String, List<Entry>> values = new LinkedHashMap<>();

    private GitConfig() {
    }

    public static GitConfig parse(String text) {
        GitConfig c = new GitConfig();
        String section = "";
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String t = lines[i].strip();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith(";")) {
                continue;
            }
            if (t.startsWith("[")) {
                int close = t.indexOf(']');
                if (close < 0) {
                    continue;
                }
                String h = t.substring(1, close).strip();
                int q = h.indexOf('"');
                int end = h.lastIndexOf('"') > q ? h.lastIndexOf('"') : h.length();
                section = q < 0 ? h.toLowerCase(Locale.ROOT)
                        : h.substring(0, q).strip().toLowerCase(Locale.ROOT) + "." + h.substring(q + 1, end);
                t = t.substring(close + 1).strip();
                if (t.isEmpty()) {
                    continue;
                }
            }
            int eq = t.indexOf('=');
            String key = (eq < 0 ? t : t.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "true" : unquote(stripComment(t.substring(eq + 1)).strip());
            c.values.computeIfAbsent(section + "." + key, k -> new ArrayList<>()).add(new Entry(value, i + 1));
        }
        return c;
    }

    /** The last value set for {@code name} ({@code lfs.url}, {@code remote.origin.url}), as git reads it. */
    public Optional<Entry> last(String name) {
        int dot = name.lastIndexOf('.');
        int first = name.indexOf('.');
        String key = name.substring(0, first).toLowerCase(Locale.ROOT) + name.substring(first, dot)
                + name.substring(dot).toLowerCase(Locale.ROOT);
        List<Entry> e = values.get(key);
        return e == null || e.isEmpty() ? Optional.empty() : Optional.of(e.get(e.size() - 1));
    }

    private static String stripComment(String v) {
        boolean quoted = false;
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            if (ch == '"') {
                quoted = !quoted;
            } else if (!quoted && (ch == '#' || ch == ';')) {
                return v.substring(0, i);
            }
        }
        return v;
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }
}
