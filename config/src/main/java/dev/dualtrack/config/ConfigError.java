package dev.dualtrack.config;

/**
 * One problem in a configuration file, located so a person can go straight to it.
 *
 * <p>Rendered as {@code file:line:col: key.path: message}, the shape compilers use, so editors can jump to it.
 */
public record ConfigError(ConfigLocation location, String path, String message) {

    @Override
    public String toString() {
        return location + ": " + (path.isEmpty() ? "(root)" : path) + ": " + message;
    }
}
