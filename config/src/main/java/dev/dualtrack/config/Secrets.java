package dev.dualtrack.config;

import java.util.Optional;

/**
 * Where secret values come from. The config only ever holds the <em>name</em> of an environment variable;
 * production reads the process environment, tests pass a map.
 */
@FunctionalInterface
public interface Secrets {
    /** The value of the named variable, or empty when it is unset or blank. */
    Optional<String> get(String name);

    static Secrets environment() {
        return name -> Optional.ofNullable(System.getenv(name)).filter(v -> !v.isBlank());
    }

    static Secrets of(java.util.Map<String, String> values) {
        return name -> Optional.ofNullable(values.get(name)).filter(v -> !v.isBlank());
    }
}
