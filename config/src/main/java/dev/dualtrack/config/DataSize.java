package dev.dualtrack.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A number of bytes, written in config as {@code 64KiB}, {@code 50GiB}, {@code 10MB} or a plain byte count.
 *
 * <p>Binary units (KiB, MiB, GiB, TiB) are powers of 1024 and decimal units (KB, MB, GB, TB) powers of 1000,
 * as IEC 80000-13 defines them; we never guess which one a bare "K" meant, so "64K" is an error.
 */
public record DataSize(long bytes) implements Comparable<DataSize> {

    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*([KMGT]i?B|B)?");

    public DataSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("a size cannot be negative (was " + bytes + ")");
        }
    }

    public static DataSize ofBytes(long bytes) {
        return new DataSize(bytes);
    }

    public static DataSize ofKibibytes(long n) {
        return new DataSize(Math.multiplyExact(n, 1024L));
    }

    public static DataSize ofMebibytes(long n) {
        return new DataSize(Math.multiplyExact(n, 1024L * 1024));
    }

    /** Parses {@code 64KiB}, {@code 1 GB}, {@code 4096}; throws {@link IllegalArgumentException} with a hint. */
    public static DataSize parse(String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: '" + text
                    + "' (write a whole number with an optional unit: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        long multiplier = switch (unit) {
            case "B" -> 1L;
            case "KB" -> 1000L;
            case "MB" -> 1000L * 1000;
            case "GB" -> 1000L * 1000 * 1000;
            case "TB" -> 1000L * 1000 * 1000 * 1000;
            case "KIB" -> 1L << 10;
            case "MIB" -> 1L << 20;
            case "GIB" -> 1L << 30;
            case "TIB" -> 1L << 40;
            default -> throw new IllegalArgumentException("unknown size unit in '" + text + "'");
        };
        try {
            return new DataSize(Math.multiplyExact(n, multiplier));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
    }

    /** The size as an int, for buffer limits; sizes past 2 GiB - 1 are refused rather than wrapped. */
    public int toIntBytes() {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalStateException("size " + this + " does not fit in an int");
        }
        return (int) bytes;
    }

    @Override
    public int compareTo(DataSize o) {
        return Long.compare(bytes, o.bytes);
    }

    @Override
    public String toString() {
        long b = bytes;
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int i = 0;
        while (i < units.length - 1 && b != 0 && b % 1024 == 0) {
            b /= 1024;
            i++;
        }
        return b + units[i];
    }
}
