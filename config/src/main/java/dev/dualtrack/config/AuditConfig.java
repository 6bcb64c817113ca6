package dev.dualtrack.config;

/**
 * The JSON audit log: one line per block, and per allowed file download when {@code log-allows} is true.
 * {@code output} is {@code stdout} or a file path (appended to).
 */
public record AuditConfig(@Default("stdout") String output, @Default("false") boolean logAllows) {
    public AuditConfig {
        if (output.isBlank()) {
            throw new IllegalArgumentException("output must be 'stdout' or a file path");
        }
    }
}
