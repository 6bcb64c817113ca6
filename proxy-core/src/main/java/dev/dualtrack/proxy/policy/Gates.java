package dev.dualtrack.proxy.policy;

import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.relay.Refusal;
import dev.dualtrack.proxy.relay.Refusals;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.scanner.Verdict;
import java.util.List;
import java.util.Optional;

/**
 * The runner of a track's gates, the checks that run before any byte. It is the one place that judges a block
 * (action, mode, waivers: {@link Judge}), records it (count and audit line, with the decision id) and answers it
 * in the track's dialect ({@link Refusals}). A track brings a list of gates; the relay's verdicts go through the
 * same judge and recorder.
 *
 * <pre>{@code
 * if (!gates.admit(ex, Refusals.PLAIN, subject, version, List.of(
 *         () -> typosquat(project),
 *         () -> fileRules(project, file)))) {
 *     return; // refused, recorded, answered
 * }
 * }</pre>
 */
public final class Gates {
    /** One check: the blocks it finds (empty when it passes). Warnings it records itself. */
    @FunctionalInterface
    public interface Gate {
        List<Verdict> check();
    }

    private final Judge judge;
    private final DecisionRecorder recorder;

    public Gates(Judge judge, DecisionRecorder recorder) {
        this.judge = judge;
        this.recorder = recorder;
    }

    public Judge judge() {
        return judge;
    }

    /**
     * Runs {@code gates} in order, lazily. Every block is judged and recorded; the first that stands is answered
     * with {@code dialect} and ends the run. Returns whether the request may go on.
     */
    public boolean admit(Exchange ex, Refusals dialect, DecisionRecorder.Subject subject, Optional<String> version,
            List<Gate> gates) {
        for (Gate gate : gates) {
            for (Verdict block : gate.check()) {
                Optional<Refusal> refusal = stand(subject, version, block);
                if (refusal.isPresent()) {
                    dialect.refuse(ex, refusal.get());
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Judges and records one block, every rule it found on its own ({@link Judge#decide}); the refusal when it
     * stands (for answers other than a 403, such as a 404).
     */
    public Optional<Refusal> stand(DecisionRecorder.Subject subject, Optional<String> version, Verdict block) {
        Decision d = judge.decide(subject, version, block);
        return recorder.record(subject, d).map(id -> new Refusal(d.refusal(), id, subject));
    }
}
