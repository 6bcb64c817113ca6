package dev.dualtrack.pypi.simple;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The two serializations of the simple API and PEP 691 content negotiation: {@code ?format=} wins, else the
 * {@code Accept} header by q-value (order does not matter, a missing q is 1, wildcards match), JSON preferred
 * on ties, {@code text/html} last; nothing acceptable is a 406.
 */
public enum SimpleFormat {
    JSON("application/vnd.pypi.simple.v1+json"),
    HTML_V1("application/vnd.pypi.simple.v1+html"),
    HTML("text/html");

    /** The api-version we serialize: PEP 700's versions, size and upload-time (1.1). */
    public static final String API_VERSION = "1.1";

    public final String mediaType;

    SimpleFormat(String mediaType) {
        this.mediaType = mediaType;
    }

    public boolean json() {
        return this == JSON;
    }

    /** The format to answer with, or empty for 406. */
    public static Optional<SimpleFormat> negotiate(String accept, String formatParam) {
        if (formatParam != null) {
            // An unencoded '+' in a query string arrives as a space after form decoding.
            String f = canonical(formatParam.trim().toLowerCase(Locale.ROOT).replace(' ', '+'));
            for (SimpleFormat s : values()) {
                if (s.mediaType.equals(f)) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
        if (accept == null || accept.isBlank()) {
            return Optional.of(HTML);
        }
        // A client sends the same Accept on every request: its answer is kept (a few hundred distinct headers at
        // most in practice; the map starts over past 1,000, so hostile headers cost no memory).
        Optional<SimpleFormat> known = NEGOTIATED.get(accept);
        if (known != null) {
            return known;
        }
        if (NEGOTIATED.size() > 1_000) {
            NEGOTIATED.clear();
        }
        Optional<SimpleFormat> chosen = choose(accept);
        NEGOTIATED.put(accept, chosen);
        return chosen;
    }

    private static final java.util.concurrent.ConcurrentHashMap<String, Optional<SimpleFormat>> NEGOTIATED =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static Optional<SimpleFormat> choose(String accept) {
        // Highest q wins. On a tie, a type the client named beats one it only reached by a wildcard; among named
        // types JSON comes first, among wildcard matches HTML does, as on PyPI: old clients such as poetry 1.3
        // send "*/*" and read only HTML.
        double bestQ = 0;
        int bestSpecificity = -1;
        SimpleFormat chosen = null;
        for (SimpleFormat offer : new SimpleFormat[] {JSON, HTML_V1, HTML}) {
            double[] m = match(accept, offer.mediaType);
            double q = m[0];
            int specificity = (int) m[1];
            if (q <= 0) {
                continue;
            }
            boolean better = q > bestQ
                    || (q == bestQ && specificity > bestSpecificity)
                    || (q == bestQ && specificity == bestSpecificity && specificity < 2);
            if (chosen == null || better) {
                bestQ = q;
                bestSpecificity = specificity;
                chosen = offer;
            }
        }
        return Optional.ofNullable(chosen);
    }

    /** The {@code latest} meta-types answer with the concrete v1 type. */
    private static String canonical(String type) {
        return type.replace("vnd.pypi.simple.latest+", "vnd.pypi.simple.v1+");
    }

    /** The q-value the header gives {@code type}: the most specific matching range wins (RFC 9110 §12.5.1). */
    static double quality(String accept, String type) {
        return match(accept, type)[0];
    }

    /** {q, specificity}: specificity 2 for the exact type, 1 for type/*, 0 for *\/*, -1 for no match. */
    static double[] match(String accept, String type) {
        String[] typeParts = type.split("/");
        double q = 0;
        int specificity = -1;
        for (String range : splitRanges(accept)) {
            String[] parts = range.split(";");
            String media = canonical(parts[0].trim().toLowerCase(Locale.ROOT));
            double rq = 1;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].trim();
                if (p.toLowerCase(Locale.ROOT).startsWith("q=")) {
                    try {
                        rq = Double.parseDouble(p.substring(2).trim());
                    } catch (NumberFormatException e) {
                        rq = 0;
                    }
                }
            }
            int s;
            if (media.equals(type)) {
                s = 2;
            } else if (media.equals(typeParts[0] + "/*")) {
                s = 1;
            } else if (media.equals("*/*")) {
                s = 0;
            } else {
                continue;
            }
            if (s > specificity) {
                specificity = s;
                q = rq;
            }
        }
        return new double[] {q, specificity};
    }

    private static List<String> splitRanges(String accept) {
        List<String> out = new ArrayList<>();
        for (String r : accept.split(",")) {
            if (!r.isBlank()) {
                out.add(r);
            }
        }
        return out;
    }
}
