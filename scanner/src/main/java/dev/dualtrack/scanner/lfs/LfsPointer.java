package dev.dualtrack.scanner.lfs;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Git LFS pointer file: {@code version https://git-lfs.github.com/spec/v1}, then {@code key value} lines in
 * key order, among them {@code oid sha256:<64 hex>} and {@code size <bytes>}, each ending in a newline.
 */
public record LfsPointer(String sha256, long size) {
    /** The spec keeps pointers under 1024 bytes; a larger file is content, not a pointer. */
    public static final int MAX_BYTES = 1024;
    private static final String VERSION_PREFIX = "version https://git-lfs.github.com/spec/";
    private static final Pattern LINE = Pattern.compile("([a-z0-9.-]+) ([^\\n]*)");

    /** Whether {@code head} (the first bytes of a file) starts like a pointer. */
    public static boolean looksLikePointer(byte[] head) {
        byte[] v = VERSION_PREFIX.getBytes(StandardCharsets.US_ASCII);
        if (head.length < v.length) {
            return false;
        }
        for (int i = 0; i < v.length; i++) {
            if (head[i] != v[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a whole pointer file, or says what is wrong with it.
     *
     * @throws IllegalArgumentException with a reason a person can act on
     */
    public static LfsPointer parse(byte[] content) {
        if (content.length >= MAX_BYTES) {
            throw new IllegalArgumentException("a pointer is under " + MAX_BYTES + " bytes; this has " + content.length);
        }
        String text = new String(content, StandardCharsets.UTF_8);
        if (!text.endsWith("\n")) {
            throw new IllegalArgumentException("the last line does not end with a newline");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (!lines[0].equals("version https://git-lfs.github.com/spec/v1")) {
            throw new IllegalArgumentException("unknown pointer version: " + lines[0]);
        }
        Optional<String> oid = Optional.empty();
        Optional<Long> size = Optional.empty();
        String previous = "";
        for (int i = 1; i < lines.length; i++) {
            Matcher m = LINE.matcher(lines[i]);
            if (!m.matches()) {
                throw new IllegalArgumentException("line " + (i + 1) + " is not 'key value': " + lines[i]);
            }
            String key = m.group(1);
            if (key.compareTo(previous) <= 0) {
                throw new IllegalArgumentException("keys are not in order at line " + (i + 1));
            }
            previous = key;
            if (key.equals("oid")) {
                if (!m.group(2).matches("sha256:[0-9a-f]{64}")) {
                    throw new IllegalArgumentException("oid is not sha256:<64 lowercase hex>: " + m.group(2));
                }
                oid = Optional.of(m.group(2).substring("sha256:".length()));
            } else if (key.equals("size")) {
                if (!m.group(2).matches("0|[1-9][0-9]{0,18}")) {
                    throw new IllegalArgumentException("size is not a byte count: " + m.group(2));
                }
                size = Optional.of(Long.parseLong(m.group(2)));
            }
        }
        if (oid.isEmpty() || size.isEmpty()) {
            throw new IllegalArgumentException("a pointer needs both oid and size");
        }
        return new LfsPointer(oid.get(), size.get());
    }
}
