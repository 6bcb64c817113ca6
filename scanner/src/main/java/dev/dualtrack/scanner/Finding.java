package dev.dualtrack.scanner;

import java.util.Objects;

/**
 * A fact an inspector observed, named by a stable rule id ({@code hf.pickle.dangerous-import}) with a detail a
 * person can act on ("GLOBAL posix.system at offset 812 in archive/data.pkl"). {@code line} is the 1-based line
 * of a text file the finding is about (a requirements file), or 0 when a line means nothing (model files).
 */
public record Finding(String rule, Severity severity, String detail, int line) {
    public Finding {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(detail, "detail");
    }

    public Finding(String rule, Severity severity, String detail) {
        this(rule, severity, detail, 0);
    }
}
