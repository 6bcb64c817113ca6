package dev.dualtrack.pypi;

import dev.dualtrack.pypi.simple.DistributionFilename;
import dev.dualtrack.pypi.simple.ProjectName;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A request path below {@code /pypi}, taken apart and validated before anything else looks at it. Every name
 * that policy judges comes out of here, and every URL built for an upstream is built from these fields, so the
 * name judged is exactly the name fetched: a segment that decodes to something other than a valid project name,
 * version or distribution filename never becomes a request.
 *
 * <p>Each segment is percent-decoded on its own (so {@code %2F} cannot make a new segment), as strict UTF-8.
 * Decoded segments may not hold {@code / ? #}, control characters or a backslash, and {@code .} or {@code ..}
 * segments are refused outright rather than resolved.
 *
 * @param project  the normalized project name (PEP 503), empty for the index
 * @param name     the project segment as the client sent it, decoded (for the redirect to the normal form)
 * @param version  the version segment of {@code /pypi/<project>/<version>/json}, if any
 * @param filename the distribution filename of a file route, without {@code .metadata}
 */
public record PypiPath(Kind kind, String project, String name, Optional<String> version, String filename,
        boolean trailingSlash) {

    /** The routes of the track; {@link Kind#INVALID} paths are answered 404 without asking any upstream. */
    public enum Kind { INDEX, PROJECT, FILE, METADATA, JSON_API, INVALID }

    /** PEP 440's alphabet (epochs, local versions) and legacy versions; the segment is only ever a path part. */
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+!-]{0,127}");
    private static final PypiPath INVALID = new PypiPath(Kind.INVALID, "", "", Optional.empty(), "", false);

    /**
     * Parses the raw (still percent-encoded) path after {@code /pypi}, without the query.
     *
     * <pre>{@code
     * PypiPath.parse("/files/torchtriton%23/x.whl").kind() == Kind.INVALID   // '#' is no part of a name
     * PypiPath.parse("/simple/Foo.Bar/").project().equals("foo-bar")
     * }</pre>
     */
    public static PypiPath parse(String rawPath) {
        if (rawPath.equals("/simple") || rawPath.equals("/simple/")) {
            return new PypiPath(Kind.INDEX, "", "", Optional.empty(), "", rawPath.endsWith("/"));
        }
        if (!rawPath.startsWith("/") || rawPath.length() > 1024) {
            return INVALID;
        }
        String[] raw = rawPath.substring(1).split("/", -1);
        String[] seg = new String[raw.length];
        for (int i = 0; i < raw.length; i++) {
            Optional<String> d = decode(raw[i]);
            if (d.isEmpty()) {
                return INVALID;
            }
            seg[i] = d.get();
        }
        switch (seg[0]) {
            case "simple" -> {
                // /simple/<name>/ or /simple/<name>
                boolean slash = seg.length == 3 && seg[2].isEmpty();
                if ((seg.length != 2 && !slash) || !ProjectName.isValid(seg[1])) {
                    return INVALID;
                }
                return new PypiPath(Kind.PROJECT, ProjectName.normalize(seg[1]), seg[1], Optional.empty(), "", slash);
            }
            case "files" -> {
                if (seg.length != 3 || !ProjectName.isValid(seg[1])) {
                    return INVALID;
                }
                String file = seg[2];
                boolean metadata = file.endsWith(".metadata");
                String dist = metadata ? file.substring(0, file.length() - ".metadata".length()) : file;
                if (!DistributionFilename.isValid(dist)) {
                    return INVALID;
                }
                return new PypiPath(metadata ? Kind.METADATA : Kind.FILE, ProjectName.normalize(seg[1]), seg[1],
                        Optional.empty(), dist, false);
            }
            default -> {
                // /<project>/json or /<project>/<version>/json
                if (seg.length < 2 || seg.length > 3 || !seg[seg.length - 1].equals("json")
                        || !ProjectName.isValid(seg[0])) {
                    return INVALID;
                }
                Optional<String> version = seg.length == 3 ? Optional.of(seg[1]) : Optional.empty();
                if (version.isPresent() && !VERSION.matcher(version.get()).matches()) {
                    return INVALID;
                }
                return new PypiPath(Kind.JSON_API, ProjectName.normalize(seg[0]), seg[0], version, "", false);
            }
        }
    }

    /** One segment, percent-decoded as strict UTF-8; empty if it is malformed or holds what no name may hold. */
    static Optional<String> decode(String segment) {
        if (segment.equals(".") || segment.equals("..")) {
            return Optional.empty();
        }
        String s;
        if (segment.indexOf('%') < 0) {
            // Nothing to decode (almost every request): ASCII is its own UTF-8, so the segment is the name.
            for (int i = 0; i < segment.length(); i++) {
                if (segment.charAt(i) > 0x7e) {
                    return Optional.empty(); // as below: a raw non-ASCII byte in a request line
                }
            }
            s = segment;
        } else {
            Optional<String> decoded = percentDecoded(segment);
            if (decoded.isEmpty()) {
                return decoded;
            }
            s = decoded.get();
        }
        if (s.equals(".") || s.equals("..")) {
            return Optional.empty();
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '?' || c == '#') {
                return Optional.empty();
            }
        }
        return Optional.of(s);
    }

    /** Percent-decodes a segment as strict UTF-8; empty if it is malformed. */
    private static Optional<String> percentDecoded(String segment) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                if (i + 2 >= segment.length()) {
                    return Optional.empty();
                }
                int hi = Character.digit(segment.charAt(i + 1), 16);
                int lo = Character.digit(segment.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return Optional.empty();
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (c > 0x7e) {
                return Optional.empty(); // a raw non-ASCII byte in a request line: not from any client we serve
            } else {
                bytes.write(c);
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
