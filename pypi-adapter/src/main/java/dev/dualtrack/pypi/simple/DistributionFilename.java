package dev.dualtrack.pypi.simple;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What a distribution filename may be, by the binary distribution format (wheels, PEP 427 as amended) and the
 * source distribution format ({@code name-version.tar.gz}, and the legacy archive suffixes pip still reads).
 *
 * <p>Filenames come from upstream pages, which we treat as hostile: they end up in URLs, in audit lines, in the
 * first-seen ledger and in client output. Only the characters those formats allow pass: letters, digits and
 * {@code . _ - + !} (the last two for PEP 440 local versions and epochs). No control character, separator, quote
 * or space ever does.
 */
public final class DistributionFilename {
    /** How an index entry's filename is treated. */
    public enum Kind {
        /** A wheel or sdist: served. */
        INSTALLABLE,
        /** A format no current installer reads ({@code .egg}, {@code .exe}, {@code .msi}, …): dropped quietly. */
        LEGACY,
        /** Not a distribution filename at all: hidden under {@code pypi.invalid-filename}. */
        INVALID
    }

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+!-]{0,254}");
    /** name-version[-build]-python-abi-platform.whl; a build tag starts with a digit. */
    private static final Pattern WHEEL = Pattern.compile(
            "[A-Za-z0-9._]+-[A-Za-z0-9._+!]+(-[0-9][A-Za-z0-9._]*)?-[A-Za-z0-9._]+-[A-Za-z0-9._]+-[A-Za-z0-9._]+\\.whl");
    /** pip's archive suffixes for source distributions. */
    private static final List<String> SDIST = List.of(".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar",
            ".tbz", ".txz", ".tlz", ".tar.lz", ".tar.lzma");
    private static final List<String> LEGACY_SUFFIXES = List.of(".egg", ".exe", ".msi", ".rpm", ".dmg", ".deb");

    private DistributionFilename() {
    }

    public static Kind classify(String filename) {
        if (filename == null || !SAFE.matcher(filename).matches()) {
            return Kind.INVALID;
        }
        String lower = filename.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".whl")) {
            return WHEEL.matcher(filename).matches() ? Kind.INSTALLABLE : Kind.INVALID;
        }
        for (String suffix : SDIST) {
            if (lower.endsWith(suffix)) {
                String stem = filename.substring(0, filename.length() - suffix.length());
                // name-version: at least one dash with something on both sides.
                int dash = stem.lastIndexOf('-');
                return dash > 0 && dash < stem.length() - 1 ? Kind.INSTALLABLE : Kind.INVALID;
            }
        }
        for (String suffix : LEGACY_SUFFIXES) {
            if (lower.endsWith(suffix)) {
                return Kind.LEGACY;
            }
        }
        return Kind.INVALID;
    }

    /** A wheel or sdist filename dualtrack serves. */
    public static boolean isValid(String filename) {
        return classify(filename) == Kind.INSTALLABLE;
    }

    /** Why {@code filename} is refused, for a human; quotes nothing unsafe (the name may hold anything). */
    public static String describeInvalid(String filename) {
        return "an index entry's filename " + printable(filename) + " is not a wheel or sdist filename "
                + "(letters, digits and ._-+! only, with a known suffix)";
    }

    /** The string with anything outside printable ASCII escaped, cut to 120 characters, in quotes. */
    public static String printable(String s) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder("'");
        for (int i = 0; i < s.length() && b.length() < 120; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.append(s.length() > 120 ? "…'" : "'").toString();
    }
}
