package dev.dualtrack.scanner;

import java.util.List;
import java.util.Objects;

/**
 * The decision about one artifact: allowed, or blocked under one rule with a reason. A verdict is a pure function
 * of the bytes and the policy version (G4), so it can be cached by sha256.
 *
 * <pre>{@code
 * Verdict v = Verdict.block("hf.pickle.dangerous-import", "GLOBAL posix.system at offset 812");
 * if (v.blocked()) respond403(v.rule(), v.reason());
 * }</pre>
 *
 * <p>{@code findings} carries everything observed, including warnings that did not block.
 */
public record Verdict(boolean blocked, String rule, String reason, List<Finding> findings) {
    private static final Verdict ALLOW = new Verdict(false, "", "", List.of());

    public Verdict {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(reason, "reason");
        findings = List.copyOf(findings);
        if (blocked && rule.isEmpty()) {
            throw new IllegalArgumentException("a block needs a rule id");
        }
    }

    public static Verdict allow() {
        return ALLOW;
    }

    public static Verdict allow(List<Finding> findings) {
        return findings.isEmpty() ? ALLOW : new Verdict(false, "", "", findings);
    }

    public static Verdict block(String rule, String reason) {
        return new Verdict(true, rule, reason, List.of());
    }

    public static Verdict block(Finding finding) {
        return new Verdict(true, finding.rule(), finding.detail(), List.of(finding));
    }
}
