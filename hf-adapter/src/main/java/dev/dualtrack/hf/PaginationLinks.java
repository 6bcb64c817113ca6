package dev.dualtrack.hf;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code /tree} pages link to the next page with an absolute Hub URL ({@code Link: <https://huggingface.co/api/
 * models/a/b/tree/main?recursive=true&cursor=...>; rel="next"}). A client follows it as given, so it is
 * rewritten onto dualtrack, keeping path and query (the cursor). A link to any other host is dropped: a client
 * must never be pointed away from dualtrack.
 */
public final class PaginationLinks {
    private PaginationLinks() {
    }

    /**
     * @param value     the upstream {@code Link} header value
     * @param upstream  the Hub's base URL ({@code https://huggingface.co})
     * @param proxyBase where clients reach this track ({@code http://host:8080/hf})
     * @return the rewritten value, or empty when no entry remains
     */
    public static Optional<String> rewrite(String value, URI upstream, String proxyBase) {
        List<String> kept = new ArrayList<>();
        for (String entry : LinkHeader.split(value)) {
            String e = entry.strip();
            int open = e.indexOf('<');
            int close = e.indexOf('>');
            if (open != 0 || close < 0) {
                continue; // not a link entry we can read: dropped rather than passed blind
            }
            String target = e.substring(1, close);
            URI u;
            try {
                u = URI.create(target);
            } catch (IllegalArgumentException ex) {
                continue;
            }
            String rest;
            if (!u.isAbsolute()) {
                rest = target.startsWith("/") ? target : null;
            } else if (sameOrigin(u, upstream)) {
                rest = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
            } else {
                rest = null;
            }
            if (rest != null) {
                kept.add("<" + stripSlash(proxyBase) + rest + ">" + e.substring(close + 1));
            }
        }
        return kept.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", kept));
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && a.getHost().toLowerCase(Locale.ROOT).equals(b.getHost().toLowerCase(Locale.ROOT))
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
