package dev.dualtrack.scanner;

import java.util.List;

/**
 * The scanner's account of one file: the format it found by content, and every finding. {@link #blocked()} is
 * the default decision (every finding blocks except {@link Severity#INFO} and the warn-only {@code hf.unscanned});
 * the proxy's policy may map rules to other actions.
 */
public record ScanReport(String format, List<Finding> findings) {
    public ScanReport {
        findings = List.copyOf(findings);
    }

    public boolean blocked() {
        return findings.stream().anyMatch(ScanReport::blocksByDefault);
    }

    public static boolean blocksByDefault(Finding f) {
        return f.severity() != Severity.INFO && !f.rule().equals(ScanRules.UNSCANNED);
    }

    /**
     * The decision as a verdict. The rule named is the most telling blocking finding: a TorchScript archive is
     * refused as TorchScript, otherwise a dangerous finding comes before an unknown import or a parse error.
     */
    public Verdict verdict() {
        java.util.Comparator<Finding> telling = java.util.Comparator
                .comparing((Finding f) -> !f.rule().equals(ScanRules.TORCHSCRIPT))
                .thenComparing(f -> f.severity() != Severity.DANGEROUS);
        return findings.stream().filter(ScanReport::blocksByDefault).min(telling)
                .map(f -> new Verdict(true, f.rule(), f.detail(), findings))
                .orElseGet(() -> Verdict.allow(findings));
    }
}
