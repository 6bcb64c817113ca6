package dev.dualtrack.scanner.pickle;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Decoders for the text arguments of protocol 0 opcodes, each accepting what {@code Modules/_pickle.c}
 * accepts. A {@code null} result means CPython would raise, and the scan fails closed.
 */
final class TextArgs {
    // load_int and load_long fall back to PyLong_FromString(s, NULL, 0): base prefixes and underscores are valid.
    private static final Pattern INT = Pattern.compile(
            "\\s*[+-]?(0[xX](_?[0-9a-fA-F])+|0[oO](_?[0-7])+|0[bB](_?[01])+|0+(_?0)*|[1-9](_?[0-9])*)\\s*");
    private static final Pattern FLOAT = Pattern.compile("\\s*[+-]?((\\d(_?\\d)*)?\\.?\\d(_?\\d)*([eE][+-]?\\d(_?\\d)*)?"
            + "|(\\d(_?\\d)*)\\.|inf|infinity|nan)\\s*", Pattern.CASE_INSENSITIVE);

    private TextArgs() {
    }

    /** An INT or LONG argument: its value if it fits a long, {@code Long.MIN_VALUE} if bigger, null if invalid. */
    static Long integer(String text, boolean longOpcode) {
        String t = longOpcode && text.endsWith("L") ? text.substring(0, text.length() - 1) : text;
        if (!INT.matcher(t).matches()) {
            return null;
        }
        String s = t.strip().replace("_", "");
        int radix = 10;
        String digits = s;
        boolean negative = s.startsWith("-");
        if (s.startsWith("+") || s.startsWith("-")) {
            digits = s.substring(1);
        }
        if (digits.length() > 1 && digits.charAt(0) == '0' && Character.isLetter(digits.charAt(1))) {
            radix = switch (Character.toLowerCase(digits.charAt(1))) {
                case 'x' -> 16;
                case 'o' -> 8;
                default -> 2;
            };
            digits = digits.substring(2);
        }
        try {
            long v = Long.parseLong(digits, radix);
            return negative ? -v : v;
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    static boolean isFloat(String text) {
        return FLOAT.matcher(text).matches();
    }

    /** A GET or PUT index: decimal only ({@code PyLong_FromString(s, NULL, 10)}). */
    static Long decimal(String text) {
        String s = text.strip().replace("_", "");
        if (!s.matches("[+-]?\\d+")) {
            return null;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A STRING argument: quoted, escape-decoded, then decoded as ASCII (the unpickler's default encoding). */
    static String quoted(byte[] line, int len) {
        if (len < 2 || line[0] != line[len - 1] || (line[0] != '\'' && line[0] != '"')) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(len);
        for (int i = 1; i < len - 1; i++) {
            int c = line[i] & 0xff;
            if (c != '\\') {
                out.write(c);
                continue;
            }
            if (++i >= len - 1) {
                return null;
            }
            int e = line[i] & 0xff;
            switch (e) {
                case '\n' -> { }
                case '\\', '\'', '"' -> out.write(e);
                case 'a' -> out.write(7);
                case 'b' -> out.write(8);
                case 'f' -> out.write(12);
                case 'n' -> out.write(10);
                case 'r' -> out.write(13);
                case 't' -> out.write(9);
                case 'v' -> out.write(11);
                case 'x' -> {
                    if (i + 2 > len - 2 || hex(line[i + 1]) < 0 || hex(line[i + 2]) < 0) {
                        return null;
                    }
                    out.write(hex(line[i + 1]) * 16 + hex(line[i + 2]));
                    i += 2;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i + 1 < len - 1 && line[i + 1] >= '0' && line[i + 1] <= '7'; k++) {
                            v = v * 8 + (line[++i] - '0');
                        }
                        out.write(v & 0xff);
                    } else {
                        out.write('\\');
                        out.write(e);
                    }
                }
            }
        }
        byte[] b = out.toByteArray();
        for (byte x : b) {
            if (x < 0) {
                return null;
            }
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    /** A UNICODE argument: raw-unicode-escape ({@code \\uXXXX}, {@code \\UXXXXXXXX}, other bytes latin-1). */
    static String rawUnicodeEscape(byte[] line, int len) {
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) {
            int c = line[i] & 0xff;
            if (c == '\\' && i + 1 < len && (line[i + 1] == 'u' || line[i + 1] == 'U')) {
                // Only an odd number of backslashes escapes; raw-unicode-escape counts them.
                int backslashes = 1;
                for (int j = i - 1; j >= 0 && line[j] == '\\'; j--) {
                    backslashes++;
                }
                if (backslashes % 2 == 1) {
                    int digits = line[i + 1] == 'u' ? 4 : 8;
                    if (i + 2 + digits > len) {
                        return null;
                    }
                    int cp = 0;
                    for (int k = 0; k < digits; k++) {
                        int h = hex(line[i + 2 + k]);
                        if (h < 0) {
                            return null;
                        }
                        cp = cp * 16 + h;
                    }
                    if (cp > 0x10FFFF || cp < 0) {
                        return null;
                    }
                    sb.appendCodePoint(cp);
                    i += 1 + digits;
                    continue;
                }
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    /** Strict UTF-8, as PyUnicode_DecodeUTF8 (surrogates excepted, which we refuse too). */
    static String utf8(byte[] b, int off, int len) {
        if (isAscii(b, off, len)) {
            // The common case, and a quarter of the cost of a CharsetDecoder.
            return new String(b, off, len, StandardCharsets.ISO_8859_1);
        }
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, len));
            return cb.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static boolean isAscii(byte[] b, int len) {
        return isAscii(b, 0, len);
    }

    private static boolean isAscii(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] < 0) {
                return false;
            }
        }
        return true;
    }

    static String ascii(byte[] b, int len) {
        return isAscii(b, len) ? new String(b, 0, len, StandardCharsets.US_ASCII) : null;
    }

    private static int hex(byte b) {
        int c = b & 0xff;
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
