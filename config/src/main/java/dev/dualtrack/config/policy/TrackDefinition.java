package dev.dualtrack.config.policy;

import java.util.List;

/**
 * What the layers below the tracks know of a track: its name (the {@code track} label of metrics, audit lines and
 * waivers), the path prefix it is served under, and the rules that fire on it alone. The proxy and the app know
 * nothing else of a track; its module supplies the rest (its routes, its refusals) through
 * {@code dev.dualtrack.proxy.Track}.
 *
 * <p>A track registers itself with one line: its {@link Provider}'s class name in
 * {@code META-INF/services/dev.dualtrack.config.policy.TrackDefinition$Provider}. The two built-in tracks' rules
 * are listed in {@link RuleRegistry} (so every module's tests and {@code dualtrack rules} know them without
 * loading the adapters); a track from elsewhere brings its own.
 */
public record TrackDefinition(String name, String prefix, List<Rule> rules) {
    public static final String PYPI = "pypi";
    public static final String HF = "hf";

    /** Supplies a track; found with {@link java.util.ServiceLoader}. */
    public interface Provider {
        /** The track's name, known before its definition is asked for. */
        String name();

        TrackDefinition definition();
    }

    public TrackDefinition {
        if (!name.matches("[a-z][a-z0-9-]*") || name.equals(Rule.Scope.PROXY.label())
                || name.equals(Rule.Scope.SCAN.label()) || name.equals("none")) {
            throw new IllegalArgumentException("'" + name + "' cannot name a track");
        }
        if (!prefix.equals("/" + name)) {
            throw new IllegalArgumentException("track " + name + " must be served under /" + name);
        }
        rules = List.copyOf(rules);
    }

    /** A built-in track, its rules from the registry. */
    public static TrackDefinition builtIn(String name) {
        return new TrackDefinition(name, "/" + name, RuleRegistry.ofBuiltInTrack(name));
    }
}
