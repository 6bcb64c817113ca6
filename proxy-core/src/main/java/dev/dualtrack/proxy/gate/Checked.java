package dev.dualtrack.proxy.gate;

import dev.dualtrack.scanner.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one gate found. {@link Gates} judges and records each part:
 *
 * @param judged    verdicts judged and recorded whatever policy decides (a block, or a known verdict the request
 *                  will be served under: its warnings and waivers are recorded for this request)
 * @param tentative blocks recorded only when they stand: a block known for bytes that are fetched again when
 *                  policy lets them through (the relay then records its own decision about the fresh bytes)
 * @param warnings  rules that never block here: recorded as warnings, the request goes on
 * @param facts     what a gate learned that the next step uses (a judged cache hit), by type
 */
public record Checked(List<Verdict> judged, List<Verdict> tentative, List<Verdict> warnings, List<Object> facts) {
    private static final Checked PASS = new Checked(List.of(), List.of(), List.of(), List.of());

    public Checked {
        judged = List.copyOf(judged);
        tentative = List.copyOf(tentative);
        warnings = List.copyOf(warnings);
        facts = List.copyOf(facts);
    }

    public static Checked pass() {
        return PASS;
    }

    /** Whether there is nothing to judge or record: no verdict, no warning. */
    public boolean nothingToRecord() {
        return judged.isEmpty() && tentative.isEmpty() && warnings.isEmpty();
    }

    /** A block, judged and recorded. */
    public static Checked block(String rule, String reason) {
        return judged(Verdict.block(rule, reason));
    }

    /** A verdict judged and recorded, blocking or not. */
    public static Checked judged(Verdict v) {
        return new Checked(List.of(v), List.of(), List.of(), List.of());
    }

    /** Blocks, each judged and recorded in order (none: a pass). */
    public static Checked blocks(List<Verdict> blocks) {
        return blocks.isEmpty() ? PASS : new Checked(blocks, List.of(), List.of(), List.of());
    }

    /** A block recorded only if it stands. */
    public static Checked tentative(Verdict v) {
        return new Checked(List.of(), List.of(v), List.of(), List.of());
    }

    public static Checked block(Optional<Verdict> v) {
        return v.map(Checked::judged).orElse(PASS);
    }

    /** A warning under {@code rule}: recorded, never blocks. */
    public static Checked warning(String rule, String reason) {
        return new Checked(List.of(), List.of(), List.of(new Verdict(false, rule, reason, List.of())), List.of());
    }

    /** Both, in order: {@code this} first. */
    public Checked and(Checked other) {
        if (other == PASS) {
            return this;
        }
        if (this == PASS) {
            return other;
        }
        return new Checked(concat(judged, other.judged), concat(tentative, other.tentative),
                concat(warnings, other.warnings), concat(facts, other.facts));
    }

    /** The same, and a fact for the step after the gates. */
    public Checked with(Object fact) {
        return new Checked(judged, tentative, warnings, concat(facts, List.of(fact)));
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
