package dev.dualtrack.pypi.manifest;

import java.nio.file.Path;
import java.util.Locale;

/** Which dependency manifest a file is, judged by its name the way pip and people name them. */
public enum ManifestKind {
    /** {@code requirements.txt}, {@code requirements-dev.txt}, {@code dev-requirements.txt}, {@code constraints.txt}. */
    REQUIREMENTS,
    /** {@code pip.conf} (Unix) or {@code pip.ini} (Windows). */
    PIP_CONFIG,
    /** Anything else: the model scan's business. */
    OTHER;

    public static ManifestKind of(Path file) {
        Path name = file.getFileName();
        if (name == null) {
            return OTHER;
        }
        String n = name.toString().toLowerCase(Locale.ROOT);
        if (n.equals("pip.conf") || n.equals("pip.ini")) {
            return PIP_CONFIG;
        }
        if (n.endsWith(".txt") && (n.contains("requirements") || n.startsWith("constraints"))) {
            return REQUIREMENTS;
        }
        return OTHER;
    }
}
