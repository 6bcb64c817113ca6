package dev.dualtrack.hf;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@code hf.repos} allow and deny lists: {@code org/*}, {@code org/name}, {@code *-gguf} patterns where
 * {@code *} matches within one segment, and a lone {@code *} matches every repo. Deny wins over allow; matching
 * ignores case, as the Hub's repo ids do.
 */
public final class RepoPatterns {
    private final List<Pattern> allow;
    private final List<Pattern> deny;

    public RepoPatterns(List<String> allow, List<String> deny) {
        this.allow = allow.stream().map(RepoPatterns::compile).toList();
        this.deny = deny.stream().map(RepoPatterns::compile).toList();
    }

    public boolean permits(String repo) {
        String r = repo.toLowerCase(Locale.ROOT);
        return allow.stream().anyMatch(p -> p.matcher(r).matches()) && deny.stream().noneMatch(p -> p.matcher(r).matches());
    }

    private static Pattern compile(String glob) {
        if (glob.equals("*")) {
            return Pattern.compile(".*", Pattern.DOTALL);
        }
        StringBuilder re = new StringBuilder();
        for (String part : glob.toLowerCase(Locale.ROOT).split("\\*", -1)) {
            if (re.length() > 0) {
                re.append("[^/]*");
            }
            re.append(Pattern.quote(part));
        }
        return Pattern.compile(re.toString());
    }
}
