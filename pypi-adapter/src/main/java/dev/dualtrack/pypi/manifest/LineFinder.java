package dev.dualtrack.pypi.manifest;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Lines for findings in files read through a tree parser (TOML, JSON), which forgets where things were: the
 * first line, at or after a starting line, that matches what the entry looks like in the text.
 */
final class LineFinder {
    private final List<String> lines;

    LineFinder(String text) {
        this.lines = List.of(text.split("\r?\n", -1));
    }

    /** 1-based line of the first match at or after {@code from} (1-based), or 0 when nothing matches. */
    int find(Pattern p, int from) {
        for (int i = Math.max(0, from - 1); i < lines.size(); i++) {
            if (p.matcher(lines.get(i)).find()) {
                return i + 1;
            }
        }
        return 0;
    }

    /** The line of a quoted name: {@code "name"} or {@code name =} as TOML and JSON write keys and strings. */
    int findName(String name, int from) {
        String q = Pattern.quote(name);
        return find(Pattern.compile("(?i)(\"" + q + "[\\s\\[<>=!~;\"]|^\\s*" + q + "\\s*=|\"" + q + "\"\\s*:)"), from);
    }
}
