package dev.dualtrack.pypi.policy;

import dev.dualtrack.pypi.simple.ProjectName;
import java.util.Optional;

/** Versions from distribution filenames: wheels (PEP 427) and sdists ({@code name-version.tar.gz}). */
public final class Filenames {
    private static final String[] SDIST = {".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar"};

    private Filenames() {
    }

    public static Optional<String> version(String project, String filename) {
        if (filename.endsWith(".whl")) {
            String[] parts = filename.substring(0, filename.length() - 4).split("-");
            return parts.length >= 5 ? Optional.of(parts[1]) : Optional.empty();
        }
        for (String ext : SDIST) {
            if (filename.endsWith(ext)) {
                String stem = filename.substring(0, filename.length() - ext.length());
                // The project name may itself contain dashes: match it normalized, the version is what follows.
                for (int i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
                    if (ProjectName.normalize(stem.substring(0, i)).equals(project)) {
                        return Optional.of(stem.substring(i + 1));
                    }
                }
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
