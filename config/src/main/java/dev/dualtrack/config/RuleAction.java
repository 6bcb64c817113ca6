package dev.dualtrack.config;

/** What a policy rule does when it matches. {@code warn} counts and logs the match but lets the fetch through. */
public enum RuleAction {
    BLOCK,
    WARN,
    OFF
}
