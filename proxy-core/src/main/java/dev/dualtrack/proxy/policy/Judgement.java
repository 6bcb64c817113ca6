package dev.dualtrack.proxy.policy;

import dev.dualtrack.config.Waiver;
import dev.dualtrack.scanner.Verdict;
import java.util.Optional;

/**
 * What becomes of a block once policy has had its say.
 *
 * @param verdict the block as the rule found it
 * @param waiver  the waiver that lets it through, for {@link Kind#WAIVE}
 */
public record Judgement(Kind kind, Verdict verdict, Optional<Waiver> waiver) {

    public enum Kind {
        /** Refused. */
        BLOCK,
        /** Served, counted in {@code dualtrack_warned_total} and audited as {@code warn} (action warn, monitor). */
        WARN,
        /** Served under a waiver, counted in {@code dualtrack_waived_total} and audited as {@code waived}. */
        WAIVE,
        /** The rule is off: served, nothing recorded. */
        PASS
    }

    public boolean blocks() {
        return kind == Kind.BLOCK;
    }
}
