package dev.dualtrack.proxy.policy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The globs of waivers and access grants: {@code *} matches any run of characters, {@code ?} one character,
 * everything else is literal, the whole value must match, and case is ignored. A glob is compiled once and kept:
 * both are asked on every request, with the few patterns a config holds.
 */
public final class Glob {
    /** A config holds tens of globs; past this many distinct ones the memo starts over rather than grow. */
    private static final int MEMO_LIMIT = 4096;
    private static final Map<String, Pattern> COMPILED = new ConcurrentHashMap<>();

    private Glob() {
    }

    public static boolean matches(String glob, String value) {
        Pattern p = COMPILED.get(glob);
        if (p == null) {
            if (COMPILED.size() >= MEMO_LIMIT) {
                COMPILED.clear();
            }
            p = COMPILED.computeIfAbsent(glob, Glob::compile);
        }
        return p.matcher(value).matches();
    }

    public static boolean anyMatches(Iterable<String> globs, String value) {
        for (String g : globs) {
            if (matches(g, value)) {
                return true;
            }
        }
        return false;
    }

    static Pattern compile(String glob) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*' || c == '?') {
                re.append(Pattern.quote(literal.toString())).append(c == '*' ? ".*" : ".");
                literal.setLength(0);
            } else {
                literal.append(c);
            }
        }
        re.append(Pattern.quote(literal.toString()));
        return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.DOTALL);
    }
}
