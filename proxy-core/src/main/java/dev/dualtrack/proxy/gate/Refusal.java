package dev.dualtrack.proxy.gate;

import dev.dualtrack.config.Waiver;
import dev.dualtrack.config.policy.Rule;
import dev.dualtrack.config.policy.RuleRegistry;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.scanner.Verdict;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A block that stands, as the client is told of it: the rule, why, what it is about, the decision id that the
 * audit line repeats, and a ready-to-paste waiver (for rules that can be waived).
 *
 * @param decisionId the audit line's {@code id}, sent as {@code X-Dualtrack-Decision}; empty when not recorded
 */
public record Refusal(Verdict verdict, String decisionId, Subject subject) {

    /** A refusal without a recorded decision (tests, and answers that record nothing). */
    public static Refusal of(Verdict v) {
        return new Refusal(v, "", new Subject("", "", "", "", ""));
    }

    /** The human line every client prints. */
    public String message() {
        return "dualtrack blocked this download: " + verdict.rule() + ": " + verdict.reason();
    }

    /** The JSON body of the refusal: the message under {@code error} (what clients print), and the details. */
    public Map<String, Object> explanation() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message());
        m.put("rule", verdict.rule());
        m.put("detail", verdict.reason());
        m.put("track", subject.track());
        m.put("artifact", subject.artifact());
        m.put("file", subject.file());
        m.put("sha256", subject.sha256());
        m.put("decision", decisionId);
        java.util.List<Map<String, Object>> findings = new java.util.ArrayList<>();
        for (dev.dualtrack.scanner.Finding f : verdict.findings()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("rule", f.rule());
            one.put("severity", f.severity().name().toLowerCase(java.util.Locale.ROOT));
            one.put("detail", f.detail());
            findings.add(one);
        }
        m.put("findings", findings);
        m.put("waiver", waiverAdvice());
        return m;
    }

    /**
     * Every rule this refusal found that blocks by default: the one it names first, then the other findings'.
     * A waiver must name all of them, or the next one found blocks the file.
     */
    public java.util.List<String> rules() {
        java.util.LinkedHashSet<String> rules = new java.util.LinkedHashSet<>();
        rules.add(verdict.rule());
        verdict.findings().stream().filter(dev.dualtrack.scanner.ScanReport::blocksByDefault)
                .map(dev.dualtrack.scanner.Finding::rule).forEach(rules::add);
        return java.util.List.copyOf(rules);
    }

    /**
     * The waiver a person may paste, or why none is suggested: an integrity rule cannot be waived at all, and a
     * file with a dangerous finding (code that runs when the file is loaded) gets no ready-made waiver, so that
     * serving it takes a waiver written by someone who read the findings (docs/policy.md).
     */
    public String waiverAdvice() {
        for (String rule : rules()) {
            if (RuleRegistry.find(rule).map(Rule::integrity).orElse(false)) {
                return "none: " + rule + " guards integrity and cannot be waived";
            }
        }
        java.util.Optional<dev.dualtrack.scanner.Finding> dangerous = verdict.findings().stream()
                .filter(f -> f.severity() == dev.dualtrack.scanner.Severity.DANGEROUS).findFirst();
        if (dangerous.isPresent()) {
            return "none suggested: " + dangerous.get().rule() + " means the file runs code when it is loaded; a "
                    + "waiver for it must be written by hand after review (docs/policy.md, \"Waivers\")";
        }
        return waiverSnippet();
    }

    /**
     * A waiver for exactly this artifact and every rule found in it, to paste under {@code policy.waivers} after
     * filling in the reason.
     */
    public String waiverSnippet() {
        StringBuilder b = new StringBuilder("- {track: ").append(subject.track().isEmpty() ? Waiver.PLACEHOLDER
                : subject.track());
        if (!subject.sha256().isEmpty()) {
            b.append(", sha256: ").append(subject.sha256());
        } else {
            if (!subject.artifact().isEmpty()) {
                b.append(", project: '").append(subject.artifact()).append('\'');
            }
            if (!subject.file().isEmpty()) {
                b.append(", file: '").append(subject.file()).append('\'');
            }
        }
        String expires = LocalDate.now(ZoneOffset.UTC).plusDays(30).toString();
        return b.append(", rules: [").append(String.join(", ", rules()))
                .append("], reason: 'REPLACE: why this is safe', ")
                .append("expires: ").append(expires).append(", ticket: 'REPLACE'}").toString();
    }
}
