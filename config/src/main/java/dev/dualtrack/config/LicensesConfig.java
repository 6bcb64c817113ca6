package dev.dualtrack.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What licenses may be pulled, one section for both tracks. Ids are SPDX ids and expressions, the Hub's license
 * ids as model cards write them ({@code llama3.1}, {@code gemma}, {@code openrail++}, a {@code license_name} for
 * {@code other}) and globs over them ({@code cc-by-nc-*}), compared in lower case.
 *
 * <pre>{@code
 * licenses:
 *   deny: [AGPL*, GPL*, cc-by-nc-*]
 *   allow: [MIT, Apache*, BSD*, ISC, PSF-2.0]    # empty: anything not denied
 *   unknown: warn                                # no license, or none in allow: block, warn or off
 *   hf: {allow: [apache-2.0, mit, openrail*, llama3*]}   # a track's own lists replace the shared ones
 * }</pre>
 *
 * A denied license is refused under the track's rule ({@code pypi.license}, {@code hf.license}) like any rule:
 * {@code policy.rules} may set it to warn or off, monitor mode serves it, a waiver covers it. The section is off
 * until it names a license or sets {@code unknown}: nothing is fetched to read licenses then.
 */
public record LicensesConfig(
        @Default("[]") List<String> allow,
        @Default("[]") List<String> deny,
        @Default("off") RuleAction unknown,
        Optional<Track> pypi,
        Optional<Track> hf) {

    /** A track's own lists and action, each replacing the shared one when given. */
    public record Track(Optional<List<String>> allow, Optional<List<String>> deny, Optional<RuleAction> unknown) {
    }

    /** The lists and action in force on one track. */
    public record Effective(List<String> allow, List<String> deny, RuleAction unknown) {
        /** Whether anything is judged: a list names a license, or an unknown license is acted on. */
        public boolean active() {
            return !allow.isEmpty() || !deny.isEmpty() || unknown != RuleAction.OFF;
        }
    }

    public LicensesConfig {
        List<String> shared = List.copyOf(allow);
        List<String> denied = List.copyOf(deny);
        allow = shared;
        deny = denied;
        List<String> problems = new ArrayList<>();
        check("licenses", shared, denied, problems);
        pypi.ifPresent(t -> check("licenses.pypi", t.allow().orElse(shared), t.deny().orElse(denied), problems));
        hf.ifPresent(t -> check("licenses.hf", t.allow().orElse(shared), t.deny().orElse(denied), problems));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    private static void check(String where, List<String> allow, List<String> deny, List<String> problems) {
        for (String p : concat(allow, deny)) {
            if (!p.matches("[A-Za-z0-9.+*?:_ -]+") || p.isBlank()) {
                problems.add(where + ": '" + p + "' is not a license id or glob");
            }
        }
        for (String a : allow) {
            for (String d : deny) {
                if (a.equalsIgnoreCase(d)) {
                    problems.add(where + ": '" + a + "' is both allowed and denied");
                }
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Off: no license is read or judged (the default). */
    public static LicensesConfig off() {
        return new LicensesConfig(List.of(), List.of(), RuleAction.OFF, Optional.empty(), Optional.empty());
    }

    /** What applies on track {@code name} ({@code pypi}, {@code hf}, or another: the shared lists). */
    public Effective track(String name) {
        Optional<Track> t = name.equals("pypi") ? pypi : name.equals("hf") ? hf : Optional.empty();
        return new Effective(t.flatMap(Track::allow).orElse(allow), t.flatMap(Track::deny).orElse(deny),
                t.flatMap(Track::unknown).orElse(unknown));
    }
}
