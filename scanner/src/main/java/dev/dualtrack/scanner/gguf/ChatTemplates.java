package dev.dualtrack.scanner.gguf;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/*
 * Design notes.
 *
 * CVE-2024-34359 is a Jinja template that walks from a string to os.popen through dunder attributes. Matching
 * "__class__" in the template's text finds the plain spelling, misses every other one, and refuses prose that
 * mentions __init__.py. What matters is what the template's code can reach, so only code is read ({{ }}, {% %};
 * text, comments and {% raw %} blocks are output, not code), and every way code can name an attribute is judged:
 *
 *   - a dunder identifier (.__class__, __globals__);
 *   - a string literal that is, or contains, a dunder name once its escapes are decoded;
 *   - an escape that spells a name character (\x5f, \u005f, \137 for "_", \x63 for "c"): no chat template needs
 *     to hide its letters, and escapes are how the plain spelling is avoided;
 *   - |attr(...): attribute lookup by a computed name, which no chat template needs;
 *   - characters built from their codes (|format(95), "%c" % 95);
 *   - underscores assembled at render time: "_" * 2, "_" ~ "_", ["_", "_"]|join, and pieces of a dunder joined
 *     by ~ or + ("__cla" ~ "ss__").
 *
 * Ordinary templates (loops over messages, role checks, raise_exception, tojson, namespace(), string slicing and
 * ~ between ordinary strings) use none of these.
 */

/** Judges what a GGUF chat template's Jinja code can reach: Python internals, however it spells them. */
final class ChatTemplates {
    private static final Pattern DUNDER = Pattern.compile("__[A-Za-z_][A-Za-z0-9_]*__");
    /** A dunder name as a whole word inside a string (not a file name such as __init__.py). */
    private static final Pattern DUNDER_WORD = Pattern.compile(
            "(?<![A-Za-z0-9_])__[A-Za-z][A-Za-z0-9_]*__(?![A-Za-z0-9_.])");

    private enum Kind { STRING, NAME, NUMBER, PUNCT }

    private record Token(Kind kind, String text, boolean escapedNameChar) {
    }

    private ChatTemplates() {
    }

    /** Why the template's code can reach Python internals, or empty when it cannot. */
    static Optional<String> reachesInternals(String template) {
        for (String code : codeOf(template)) {
            Optional<String> why = judge(tokens(code));
            if (why.isPresent()) {
                return why;
            }
        }
        return Optional.empty();
    }

    /** The code of the template: the inside of every {{ }} and {% %}, outside {% raw %} blocks. */
    static List<String> codeOf(String t) {
        List<String> code = new ArrayList<>();
        int i = 0;
        boolean raw = false;
        while (i < t.length()) {
            int open = t.indexOf('{', i);
            if (open < 0 || open + 1 >= t.length()) {
                break;
            }
            char c = t.charAt(open + 1);
            if (c != '{' && c != '%' && c != '#') {
                i = open + 1;
                continue;
            }
            String close = c == '{' ? "}}" : c == '%' ? "%}" : "#}";
            int end = endOf(t, open + 2, close, c != '#');
            String inside = t.substring(open + 2, end < 0 ? t.length() : end);
            i = end < 0 ? t.length() : end + 2;
            if (c == '#') {
                continue;
            }
            String stmt = inside.replaceAll("^[-+~\\s]+|[-+\\s]+$", "");
            if (c == '%' && stmt.equals("raw")) {
                raw = true;
                continue;
            }
            if (c == '%' && stmt.equals("endraw")) {
                raw = false;
                continue;
            }
            if (!raw) {
                code.add(inside);
            }
        }
        return code;
    }

    /** Where {@code close} ends a block, skipping string literals when in code. */
    private static int endOf(String t, int from, String close, boolean code) {
        char quote = 0;
        for (int k = from; k < t.length(); k++) {
            char ch = t.charAt(k);
            if (quote != 0) {
                if (ch == '\\') {
                    k++;
                } else if (ch == quote) {
                    quote = 0;
                }
            } else if (code && (ch == '\'' || ch == '"')) {
                quote = ch;
            } else if (t.startsWith(close, k)) {
                return k;
            }
        }
        return -1;
    }

    private static List<Token> tokens(String code) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < code.length()) {
            char c = code.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '\'' || c == '"') {
                StringBuilder value = new StringBuilder();
                boolean escaped = false;
                int k = i + 1;
                while (k < code.length() && code.charAt(k) != c) {
                    char ch = code.charAt(k);
                    if (ch == '\\' && k + 1 < code.length()) {
                        int[] decoded = escape(code, k + 1);
                        if (decoded[0] >= 0) {
                            escaped |= decoded[0] == '_' || Character.isLetterOrDigit(decoded[0]);
                            value.appendCodePoint(decoded[0]);
                        }
                        k = decoded[1];
                    } else {
                        value.append(ch);
                        k++;
                    }
                }
                out.add(new Token(Kind.STRING, value.toString(), escaped));
                i = k + 1;
            } else if (Character.isLetter(c) || c == '_') {
                int k = i;
                while (k < code.length() && (Character.isLetterOrDigit(code.charAt(k)) || code.charAt(k) == '_')) {
                    k++;
                }
                out.add(new Token(Kind.NAME, code.substring(i, k), false));
                i = k;
            } else if (Character.isDigit(c)) {
                int k = i;
                while (k < code.length() && (Character.isLetterOrDigit(code.charAt(k)) || code.charAt(k) == '.')) {
                    k++;
                }
                out.add(new Token(Kind.NUMBER, code.substring(i, k), false));
                i = k;
            } else {
                out.add(new Token(Kind.PUNCT, String.valueOf(c), false));
                i++;
            }
        }
        return out;
    }

    /** A Python string escape at {@code k} (after the backslash): {code point or -1, index after it}. */
    private static int[] escape(String s, int k) {
        char e = s.charAt(k);
        switch (e) {
            case 'x' -> {
                return hex(s, k + 1, 2);
            }
            case 'u' -> {
                return hex(s, k + 1, 4);
            }
            case 'U' -> {
                return hex(s, k + 1, 8);
            }
            case 'N' -> {
                int end = s.indexOf('}', k);
                String name = end < 0 ? "" : s.substring(Math.min(k + 2, end), end);
                int cp = -1;
                try {
                    cp = Character.codePointOf(name);
                } catch (IllegalArgumentException ignored) {
                    // an unknown name: no character
                }
                return new int[] {cp, end < 0 ? s.length() : end + 1};
            }
            case 'n' -> {
                return new int[] {'\n', k + 1};
            }
            case 't' -> {
                return new int[] {'\t', k + 1};
            }
            default -> {
                if (e >= '0' && e <= '7') {
                    int v = 0;
                    int j = k;
                    while (j < s.length() && j < k + 3 && s.charAt(j) >= '0' && s.charAt(j) <= '7') {
                        v = v * 8 + (s.charAt(j) - '0');
                        j++;
                    }
                    return new int[] {v, j};
                }
                return new int[] {e, k + 1};
            }
        }
    }

    private static int[] hex(String s, int from, int digits) {
        int end = Math.min(s.length(), from + digits);
        try {
            return new int[] {Integer.parseInt(s.substring(from, end), 16), end};
        } catch (NumberFormatException ex) {
            return new int[] {-1, end};
        }
    }

    private static Optional<String> judge(List<Token> ts) {
        for (int k = 0; k < ts.size(); k++) {
            Token t = ts.get(k);
            Token prev = k > 0 ? ts.get(k - 1) : null;
            Token next = k + 1 < ts.size() ? ts.get(k + 1) : null;
            if (t.kind() == Kind.NAME && DUNDER.matcher(t.text()).matches()) {
                return Optional.of("reaches Python internals through '" + t.text() + "'");
            }
            if (t.kind() == Kind.NAME && t.text().equals("attr") && prev != null && prev.text().equals("|")) {
                return Optional.of("looks attributes up by a computed name (|attr)");
            }
            if (t.kind() == Kind.NAME && t.text().equals("format") && prev != null && prev.text().equals("|")
                    && callHas(ts, k + 1, "95")) {
                return Optional.of("builds '_' from its character code (|format(95))");
            }
            if (t.kind() == Kind.STRING) {
                var m = DUNDER_WORD.matcher(t.text());
                if (m.find()) {
                    return Optional.of("reaches Python internals through '" + m.group() + "'");
                }
                if (t.escapedNameChar()) {
                    return Optional.of("spells a name with escapes ('" + printable(t.text()) + "')");
                }
                if (t.text().contains("%c")) {
                    return Optional.of("builds characters from their codes (%c)");
                }
                boolean underscores = !t.text().isEmpty() && t.text().chars().allMatch(ch -> ch == '_');
                boolean piece = t.text().matches("__[A-Za-z0-9_]+|[A-Za-z0-9_]+__");
                boolean joined = isOp(prev) || isOp(next);
                if ((underscores || piece) && joined) {
                    return Optional.of("assembles a dunder name at render time ('" + t.text() + "' joined by "
                            + (isOp(prev) ? prev.text() : next.text()) + ")");
                }
                if (underscores && prev != null && (prev.text().equals("[") || prev.text().equals(","))
                        && joinedList(ts, k)) {
                    return Optional.of("assembles a dunder name at render time (a list of '_' joined)");
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isOp(Token t) {
        return t != null && t.kind() == Kind.PUNCT && (t.text().equals("~") || t.text().equals("+")
                || t.text().equals("*"));
    }

    /** Whether the call that starts at {@code open} ("(") has the argument {@code number}. */
    private static boolean callHas(List<Token> ts, int open, String number) {
        if (open >= ts.size() || !ts.get(open).text().equals("(")) {
            return false;
        }
        for (int k = open + 1; k < ts.size() && !ts.get(k).text().equals(")"); k++) {
            if (ts.get(k).kind() == Kind.NUMBER && ts.get(k).text().equals(number)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the list around token {@code k} is followed by {@code |join}. */
    private static boolean joinedList(List<Token> ts, int k) {
        int depth = 0;
        for (int j = k; j < ts.size(); j++) {
            String s = ts.get(j).text();
            if (s.equals("[")) {
                depth++;
            } else if (s.equals("]")) {
                if (depth == 0) {
                    return j + 2 < ts.size() && ts.get(j + 1).text().equals("|") && ts.get(j + 2).text().equals("join");
                }
                depth--;
            }
        }
        return false;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < s.length() && b.length() < 40; k++) {
            char c = s.charAt(k);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
