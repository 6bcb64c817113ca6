package dev.dualtrack.config;

import dev.dualtrack.config.policy.Rule;
import dev.dualtrack.config.policy.RuleRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What every rule does, for a security team's rollout: an action per rule ({@code block}, {@code warn},
 * {@code off}), a mode ({@code monitor} turns every block into a warn: the dry run), and dated waivers.
 *
 * <pre>{@code
 * policy:
 *   mode: monitor
 *   rules: {hf.pickle.unknown-import: warn, pypi.typosquat: block}
 *   waivers:
 *     - {track: pypi, sha256: 3f5a…, reason: "audited by sec-1234", expires: 2027-01-31, ticket: SEC-1234}
 * }</pre>
 *
 * <p>{@code waivers-file} names a second YAML file ({@code waivers: [...]}) whose waivers are added to these, so that
 * another team can own them; a relative path is taken from the config file's folder, and it reloads with it.
 *
 * <p>Integrity rules (bytes that do not match their announced hash, sources that may not be used; see
 * {@code docs/rules.md}) always block: they cannot be set to warn or off, monitor mode leaves them blocking, and
 * no waiver covers them. A proxy that serves tampered bytes is worse than none.
 */
public record PolicyConfig(
        @Default("enforce") Mode mode,
        @Default("{}") Map<String, RuleAction> rules,
        @Default("[]") List<Waiver> waivers,
        Optional<java.nio.file.Path> waiversFile) {

    /** {@code enforce}: blocks block. {@code monitor}: every non-integrity block is served, counted and audited. */
    public enum Mode { ENFORCE, MONITOR }

    /** The section with {@code more} waivers added (those of the waivers file). */
    public PolicyConfig withWaivers(List<Waiver> more) {
        List<Waiver> all = new ArrayList<>(waivers);
        all.addAll(more);
        return new PolicyConfig(mode, rules, List.copyOf(all), waiversFile);
    }

    public PolicyConfig {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, RuleAction> e : rules.entrySet()) {
            Optional<Rule> r = RuleRegistry.find(e.getKey());
            if (r.isEmpty()) {
                problems.add("unknown rule '" + e.getKey() + "'" + RuleRegistry.nearest(e.getKey())
                        .map(n -> " (did you mean '" + n + "'?)").orElse(" (bin/dualtrack rules lists them)"));
            } else if (r.get().integrity() && e.getValue() != RuleAction.BLOCK) {
                problems.add("rule '" + e.getKey() + "' guards integrity and always blocks; it cannot be "
                        + e.getValue().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }
}
