package dev.dualtrack.config;

/** Where a YAML node stands: the file (or {@code <default>}), 1-based line and column. */
public record ConfigLocation(String file, int line, int column) {

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
