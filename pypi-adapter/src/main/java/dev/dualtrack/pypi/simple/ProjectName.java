package dev.dualtrack.pypi.simple;

import java.util.Locale;
import java.util.regex.Pattern;

/** Python package names as the name-normalization specification (PEP 503) defines them. */
public final class ProjectName {
    private static final Pattern VALID = Pattern.compile("^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern SEPARATORS = Pattern.compile("[-_.]+");

    private ProjectName() {
    }

    public static boolean isValid(String name) {
        return VALID.matcher(name).matches();
    }

    /** {@code Foo.Bar_baz} → {@code foo-bar-baz}. */
    public static String normalize(String name) {
        return SEPARATORS.matcher(name).replaceAll("-").toLowerCase(Locale.ROOT);
    }
}
