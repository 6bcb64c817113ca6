package dev.dualtrack.config.policy;

import dev.dualtrack.config.RuleAction;

/**
 * One rule of the registry.
 *
 * @param id            the stable id: the {@code rule} label of the metrics and audit lines; never renamed
 * @param scope         where it applies: one track (by name), {@link Scope#PROXY} (every track's relay) or
 *                      {@link Scope#SCAN} (the offline {@code dualtrack scan} only)
 * @param defaultAction what it does when the configuration says nothing
 * @param integrity     true when the bytes, or where they come from, cannot be trusted: such a rule always blocks,
 *                      in monitor mode too, and no waiver covers it
 * @param description   one line: what it catches
 */
public record Rule(String id, Scope scope, RuleAction defaultAction, boolean integrity, String description) {

    /**
     * Where a rule is evaluated: on one proxy track (by its name), on both tracks' relay ({@link #PROXY}), or in
     * the offline {@code dualtrack scan} only ({@link #SCAN}).
     */
    public record Scope(String label) {
        public static final Scope PROXY = new Scope("proxy");
        public static final Scope SCAN = new Scope("scan");

        public Scope {
            if (!label.matches("[a-z][a-z0-9-]*")) {
                throw new IllegalArgumentException("a scope is a lower-case name, was '" + label + "'");
            }
        }

        /** The scope of rules that fire on track {@code name} only. */
        public static Scope track(String name) {
            return new Scope(name);
        }

        /** Whether the rule can fire on proxy track {@code track}. */
        public boolean firesOn(String track) {
            return this.equals(PROXY) || label.equals(track);
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
