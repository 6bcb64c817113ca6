package dev.dualtrack.proxy.server;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One satisfiable byte range of a representation of known length (RFC 9110 §14.1.2), inclusive at both ends.
 * We serve single ranges only; a multi-range request gets the whole representation, which RFC 9110 §14.2
 * permits ("A server MAY ignore the Range header field").
 */
public record ByteRange(long first, long last) {
    private static final Pattern SINGLE = Pattern.compile("\\s*bytes\\s*=\\s*(\\d*)\\s*-\\s*(\\d*)\\s*");

    public long length() {
        return last - first + 1;
    }

    /** {@code bytes first-last/total}, for Content-Range. */
    public String contentRange(long total) {
        return "bytes " + first + "-" + last + "/" + total;
    }

    /** What a Range header asks of a representation of {@code total} bytes. */
    public sealed interface Request {
    }

    /** No Range header, or one we choose to ignore: send the whole body with 200. */
    public record Whole() implements Request {
    }

    /** Send this range with 206. */
    public record Partial(ByteRange range) implements Request {
    }

    /** No byte of the representation is in the range: 416 with {@code Content-Range: bytes *}/total. */
    public record Unsatisfiable() implements Request {
    }

    public static Request parse(Optional<String> header, long total) {
        if (header.isEmpty()) {
            return new Whole();
        }
        String h = header.get();
        if (h.contains(",")) {
            return new Whole();
        }
        Matcher m = SINGLE.matcher(h);
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return new Whole();
        }
        try {
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                if (suffix == 0 || total == 0) {
                    return new Unsatisfiable();
                }
                return new Partial(new ByteRange(Math.max(0, total - suffix), total - 1));
            }
            long first = Long.parseLong(m.group(1));
            long last = m.group(2).isEmpty() ? total - 1 : Math.min(Long.parseLong(m.group(2)), total - 1);
            if (first >= total) {
                return new Unsatisfiable();
            }
            if (last < first) {
                return new Whole();
            }
            return new Partial(new ByteRange(first, last));
        } catch (NumberFormatException e) {
            return new Whole();
        }
    }
}
