package dev.dualtrack.proxy.gate;

import dev.dualtrack.proxy.policy.Subject;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.Severity;
import dev.dualtrack.scanner.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a refusal tells the client: every finding, and a waiver only where pasting one is a reasonable step. */
class RefusalTest {
    static final Subject FILE = new Subject("c", "hf", "acme/m", "m.pkl",
            "a".repeat(64));
    static final Finding UNKNOWN = new Finding("hf.pickle.unknown-import", Severity.UNKNOWN, "imports acme.Thing");
    static final Finding OPCODE = new Finding("hf.pickle.malformed", Severity.MALFORMED, "truncated");
    static final Finding SYSTEM = new Finding("hf.pickle.dangerous-import", Severity.DANGEROUS, "imports posix.system");

    @Test
    void theSuggestedWaiverNamesEveryRuleFoundSoTheNextFindingDoesNotBlock() {
        Refusal r = new Refusal(new Verdict(true, UNKNOWN.rule(), UNKNOWN.detail(), List.of(UNKNOWN, OPCODE)), "id",
                FILE);
        assertThat(r.rules()).containsExactly("hf.pickle.unknown-import", "hf.pickle.malformed");
        assertThat(r.waiverAdvice()).startsWith("- {track: hf, sha256: " + "a".repeat(64))
                .contains("rules: [hf.pickle.unknown-import, hf.pickle.malformed]");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> findings = (List<Map<String, Object>>) r.explanation().get("findings");
        assertThat(findings).extracting(f -> f.get("rule")).containsExactly("hf.pickle.unknown-import",
                "hf.pickle.malformed");
    }

    @Test
    void aFileThatRunsCodeGetsNoReadyMadeWaiverEvenWhenRefusedForAnotherRule() {
        Refusal r = new Refusal(new Verdict(true, UNKNOWN.rule(), UNKNOWN.detail(), List.of(UNKNOWN, SYSTEM)), "id",
                FILE);
        assertThat(r.waiverAdvice()).startsWith("none suggested: hf.pickle.dangerous-import");
    }

    @Test
    void anIntegrityRuleIsNeverWaivable() {
        Refusal r = new Refusal(Verdict.block("hf.lfs-oid-mismatch", "content sha256 is …"), "id", FILE);
        assertThat(r.waiverAdvice()).startsWith("none: hf.lfs-oid-mismatch guards integrity");
    }
}
