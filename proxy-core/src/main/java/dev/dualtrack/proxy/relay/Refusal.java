package dev.dualtrack.proxy.relay;

import dev.dualtrack.config.policy.Rule;
import dev.dualtrack.config.policy.RuleRegistry;
import dev.dualtrack.proxy.ops.DecisionRecorder;
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
public record Refusal(Verdict verdict, String decisionId, DecisionRecorder.Subject subject) {

    /** A refusal without a recorded decision (tests, and answers that record nothing). */
    public static Refusal of(Verdict v) {
        return new Refusal(v, "", new DecisionRecorder.Subject("", "", "", "", ""));
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
        boolean integrity = RuleRegistry.find(verdict.rule()).map(Rule::integrity).orElse(false);
        m.put("waiver", integrity ? "none: " + verdict.rule() + " guards integrity and cannot be waived"
                : waiverSnippet());
        return m;
    }

    /** A waiver for exactly this artifact, to paste under {@code policy.waivers} after filling in the reason. */
    public String waiverSnippet() {
        StringBuilder b = new StringBuilder("- {track: ").append(subject.track().isEmpty() ? "pypi" : subject.track());
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
        return b.append(", rules: [").append(verdict.rule()).append("], reason: 'REPLACE: why this is safe', ")
                .append("expires: ").append(expires).append(", ticket: 'REPLACE'}").toString();
    }
}
