package dev.dualtrack.hf;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** RFC 8288 {@code Link} values: split into entries (commas inside {@code <...>} or quotes do not split). */
final class LinkHeader {
    private static final Pattern REL = Pattern.compile(";\\s*rel\\s*=\\s*(?:\"([^\"]*)\"|([^;,\\s]+))",
            Pattern.CASE_INSENSITIVE);

    private LinkHeader() {
    }

    static List<String> split(String value) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' && depth == 0) {
                quoted = !quoted;
            } else if (!quoted && c == '<') {
                depth++;
            } else if (!quoted && c == '>') {
                depth = Math.max(0, depth - 1);
            } else if (!quoted && depth == 0 && c == ',') {
                if (!value.substring(start, i).isBlank()) {
                    out.add(value.substring(start, i));
                }
                start = i + 1;
            }
        }
        if (!value.substring(start).isBlank()) {
            out.add(value.substring(start));
        }
        return out;
    }

    /** Whether the entry's {@code rel} (a space-separated list) includes {@code rel}. */
    static boolean hasRel(String entry, String rel) {
        Matcher m = REL.matcher(entry);
        while (m.find()) {
            String v = m.group(1) != null ? m.group(1) : m.group(2);
            for (String r : v.trim().split("\\s+")) {
                if (r.equalsIgnoreCase(rel)) {
                    return true;
                }
            }
        }
        return false;
    }
}
