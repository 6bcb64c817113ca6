package dev.dualtrack.pypi.manifest;

import java.nio.file.Path;
import java.util.Locale;

/** Which dependency manifest a file is, judged by its name the way pip and people name them. */
public enum ManifestKind {
    /** {@code requirements.txt}, {@code requirements-dev.txt}, {@code dev-requirements.txt}, {@code constraints.txt}. */
    REQUIREMENTS,
    /** {@code pip.conf} (Unix) or {@code pip.ini} (Windows). */
    PIP_CONFIG,
    /** pyproject.toml, poetry.lock, uv.lock, Pipfile.lock, pdm.lock, pylock.toml (PEP 751). */
    PROJECT_OR_LOCK,
    /** Anything else: the model scan's business. */
    OTHER;

    /** The format label reports show: {@code requirements}, {@code pyproject}, {@code uv-lock}, … */
    public static String label(Path file) {
        String n = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
        return switch (of(file)) {
            case REQUIREMENTS -> "requirements";
            case PIP_CONFIG -> "pip-config";
            case PROJECT_OR_LOCK -> n.equals("pyproject.toml") ? "pyproject" : n.replace('.', '-');
            case OTHER -> "requirements"; // a file reached through -r, whatever its name
        };
    }

    public static ManifestKind of(Path file) {
        Path name = file.getFileName();
        if (name == null) {
            return OTHER;
        }
        String n = name.toString().toLowerCase(Locale.ROOT);
        if (n.equals("pyproject.toml") || n.equals("poetry.lock") || n.equals("uv.lock") || n.equals("pipfile.lock")
                || n.equals("pdm.lock") || n.equals("pylock.toml") || n.matches("pylock\\.[a-z0-9_-]+\\.toml")) {
            return PROJECT_OR_LOCK;
        }
        if (n.equals("pip.conf") || n.equals("pip.ini")) {
            return PIP_CONFIG;
        }
        if (n.endsWith(".txt") && (n.contains("requirements") || n.startsWith("constraints"))) {
            return REQUIREMENTS;
        }
        return OTHER;
    }
}
