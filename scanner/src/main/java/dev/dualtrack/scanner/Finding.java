package dev.dualtrack.scanner;

import java.util.Objects;

/**
 * A fact an inspector observed, named by a stable rule id ({@code hf.pickle.dangerous-import}) with a detail a
 * person can act on ("GLOBAL posix.system at offset 812 in archive/data.pkl").
 */
public record Finding(String rule, Severity severity, String detail) {
    public Finding {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(detail, "detail");
    }
}
