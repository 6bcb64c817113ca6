package dev.dualtrack.config.policy;

import dev.dualtrack.config.RuleAction;

/**
 * One rule of the registry.
 *
 * @param id            the stable id: the {@code rule} label of the metrics and audit lines; never renamed
 * @param scope         where it applies: {@link Scope#PYPI}, {@link Scope#HF}, {@link Scope#PROXY} (both tracks'
 *                      relay) or {@link Scope#SCAN} (the offline {@code dualtrack scan} only)
 * @param defaultAction what it does when the configuration says nothing
 * @param integrity     true when the bytes, or where they come from, cannot be trusted: such a rule always blocks,
 *                      in monitor mode too, and no waiver covers it
 * @param description   one line: what it catches
 */
public record Rule(String id, Scope scope, RuleAction defaultAction, boolean integrity, String description) {

    /** Where a rule is evaluated. */
    public enum Scope {
        PYPI("pypi"), HF("hf"), PROXY("proxy"), SCAN("scan");

        public final String label;

        Scope(String label) {
            this.label = label;
        }

        /** Whether the rule can fire on proxy track {@code track} ({@code pypi} or {@code hf}). */
        public boolean firesOn(String track) {
            return this == PROXY || label.equals(track);
        }
    }

    public Rule {
        if (!id.matches("[a-z]+(\\.[a-z0-9]+(-[a-z0-9]+)*)+")) {
            throw new IllegalArgumentException("rule id '" + id + "' is not dotted lower-case words");
        }
        if (integrity && defaultAction != RuleAction.BLOCK) {
            throw new IllegalArgumentException("integrity rule " + id + " must block");
        }
    }
}
