package dev.dualtrack.pypi.manifest;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One requirement line: a name with a version specifier, or a direct reference (URL, VCS, local path).
 *
 * @param name      the normalized project name, when the line names one
 * @param specifier the version specifier as written ({@code ==1.2}, {@code >=2}), empty when none
 * @param hashes    {@code --hash=sha256:...} values
 * @param reference the URL, VCS or path for direct references
 * @param index     the one index or source the manifest ties this requirement to, if it does
 */
public record Requirement(Path file, int line, Optional<String> name, String specifier, List<String> hashes,
        Optional<String> reference, Optional<String> index) {

    /** Pinned to exactly one version ({@code ==X} without wildcards, or {@code ===X}). */
    public boolean pinned() {
        String s = specifier.strip();
        return (s.startsWith("===") || (s.startsWith("==") && !s.contains("*"))) && !s.contains(",");
    }

    public Optional<String> pinnedVersion() {
        if (!pinned()) {
            return Optional.empty();
        }
        return Optional.of(specifier.strip().replaceFirst("^===?", "").strip());
    }
}
