package dev.dualtrack.app;

import dev.dualtrack.config.ConfigError;
import dev.dualtrack.config.ConfigException;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;

/** Loads the config a command was given (or the embedded default) and prints errors the same way everywhere. */
final class ConfigFiles {
    private ConfigFiles() {
    }

    /** The config, or empty after printing every error as {@code file:line:col: key.path: message}. */
    static Optional<DualtrackConfig> load(Path file, PrintWriter err) {
        if (file == null) {
            return Optional.of(ConfigLoader.loadDefault());
        }
        try {
            return Optional.of(ConfigLoader.load(file));
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                err.println(error);
            }
            int n = e.errors().size();
            err.println("dualtrack: " + n + " error" + (n == 1 ? "" : "s") + " in " + file);
            err.flush();
            return Optional.empty();
        }
    }
}
