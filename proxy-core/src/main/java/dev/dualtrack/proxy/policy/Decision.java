package dev.dualtrack.proxy.policy;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.Verdict;
import java.util.List;
import java.util.Optional;

/**
 * What policy makes of a whole verdict, now: each rule it found judged on its own ({@link Judge#decide}). A
 * verdict belongs to the bytes; a decision belongs to this request, under the policy in force (G4).
 *
 * @param verdict    the verdict as the inspectors found it, every finding included
 * @param judgements one per rule that blocks by default, the first finding of each rule; in the verdict's order
 * @param notes      findings that never block (information, warn-only rules), recorded as warnings
 */
public record Decision(Verdict verdict, List<Judgement> judgements, List<Finding> notes) {
    public Decision {
        judgements = List.copyOf(judgements);
        notes = List.copyOf(notes);
    }

    /** The first judgement that blocks, if any: the rule the refusal names. */
    public Optional<Judgement> standing() {
        return judgements.stream().filter(Judgement::blocks).findFirst();
    }

    public boolean blocks() {
        return standing().isPresent();
    }

    /**
     * The verdict a refusal answers with: the standing rule and its reason, and every finding of the file, so the
     * client and {@code /-/verdicts} see all that was found, not only the first.
     */
    public Verdict refusal() {
        Judgement j = standing().orElseThrow(() -> new IllegalStateException("the decision does not block"));
        return new Verdict(true, j.verdict().rule(), j.verdict().reason(), verdict.findings());
    }
}
