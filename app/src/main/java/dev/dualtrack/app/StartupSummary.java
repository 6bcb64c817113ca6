package dev.dualtrack.app;

import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.config.PolicyConfig;
import dev.dualtrack.config.RuleAction;
import dev.dualtrack.config.Waiver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a starting dualtrack says about itself, one line per concern: what it runs, where it fetches from, what
 * policy is in force and what it loaded. An operator reading the log after a deploy sees at once whether the
 * feed is there, the waivers are the ones they meant, and the internal index has a token. Never a secret: only
 * the names of the variables that hold them.
 */
final class StartupSummary {
    private StartupSummary() {
    }

    /** The summary, with what each track said of itself ({@code tracks}) after the version line. */
    static List<String> lines(DualtrackConfig c, List<String> tracks) {
        List<String> out = new ArrayList<>();
        out.add("version " + BuildInfo.describe() + ", Java " + Runtime.version() + ", max heap "
                + (Runtime.getRuntime().maxMemory() >> 20) + " MiB, " + (c.listen().ioThreads() == 0
                ? Runtime.getRuntime().availableProcessors() : c.listen().ioThreads()) + " event loop(s) on "
                + dev.dualtrack.proxy.server.Transport.describe());
        out.addAll(tracks);
        out.addAll(access(c));
        out.add("policy: mode " + c.policy().mode().name().toLowerCase(Locale.ROOT) + actions(c.policy()) + "; "
                + waivers(c.policy()));
        out.add(licenses(c));
        out.add("provenance: trusted root " + c.provenance().trustedRoot().map(Object::toString)
                .orElse("built in (Sigstore production)") + (c.pypi().provenance().isEmpty() ? ""
                : ", " + c.pypi().provenance().size() + " PyPI attestation requirement(s)"));
        out.add("cache: " + c.cache().dir().toAbsolutePath() + " (at most " + c.cache().maxSize() + ")"
                + c.cache().shared().map(s -> ", fleet bucket " + s.s3().endpoint() + "/" + s.s3().bucket())
                .orElse("") + "; audit: " + c.audit().output() + (c.audit().logAllows() ? " (allows too)" : ""));
        return out;
    }

    /**
     * Who may pull: open or by token, and a warning when open access hands the proxy's own credentials (the
     * internal index's, the Hub token) to anyone who can reach a port that is not loopback.
     */
    static List<String> access(DualtrackConfig c) {
        List<String> out = new ArrayList<>();
        String where = (c.listen().tls().isPresent() ? "TLS on " : "plain HTTP on ") + c.listen().host();
        if (c.access().mode() == dev.dualtrack.config.AccessConfig.Mode.TOKEN) {
            long principals = c.access().tokens().stream().map(dev.dualtrack.config.AccessConfig.AccessToken::principal)
                    .distinct().count();
            out.add("access: token, " + principals + " principal(s)" + c.access().tokensFile().map(f -> " (tokens "
                    + "file " + f + ")").orElse("") + "; " + where);
        } else {
            out.add("access: open: anyone who reaches the port pulls through it; " + where);
            boolean loopback = c.listen().host().equals("127.0.0.1") || c.listen().host().equals("::1")
                    || c.listen().host().equals("localhost");
            List<String> credentials = new ArrayList<>();
            c.pypi().upstreams().stream().filter(u -> u.auth().isPresent())
                    .forEach(u -> credentials.add("index '" + u.name() + "'"));
            c.hf().tokenEnv().ifPresent(v -> credentials.add("the Hub token ($" + v + ")"));
            if (!loopback && !credentials.isEmpty()) {
                out.add("WARNING: access is open on " + c.listen().host() + " while dualtrack holds credentials for "
                        + String.join(" and ", credentials) + ": anyone who reaches the port reads what they can "
                        + "read; set access.mode: token (docs/access.md)");
            }
        }
        return out;
    }

    /** What the licenses section judges, per track: off, or its lists and what an unknown license gets. */
    static String licenses(DualtrackConfig c) {
        List<String> parts = new ArrayList<>();
        for (String track : List.of("pypi", "hf")) {
            dev.dualtrack.config.LicensesConfig.Effective e = c.licenses().track(track);
            parts.add(track + " " + (!e.active() ? "off" : "deny " + (e.deny().isEmpty() ? "none" : String.join(",",
                    e.deny())) + ", allow " + (e.allow().isEmpty() ? "any other" : String.join(",", e.allow()))
                    + ", unknown " + e.unknown().name().toLowerCase(java.util.Locale.ROOT)));
        }
        return "licenses: " + String.join("; ", parts);
    }

    private static String actions(PolicyConfig p) {
        Map<RuleAction, List<String>> by = p.rules().entrySet().stream().filter(e -> e.getValue() != RuleAction.BLOCK)
                .collect(Collectors.groupingBy(Map.Entry::getValue, java.util.TreeMap::new,
                        Collectors.mapping(Map.Entry::getKey, Collectors.toList())));
        if (by.isEmpty()) {
            return ", every rule at its default action";
        }
        return by.entrySet().stream().map(e -> ", " + e.getKey().name().toLowerCase(Locale.ROOT) + ": "
                + String.join(" ", e.getValue())).collect(Collectors.joining());
    }

    private static String waivers(PolicyConfig p) {
        Instant now = Instant.now();
        List<Waiver> live = p.waivers().stream().filter(w -> now.isBefore(w.expiry())).toList();
        if (live.isEmpty()) {
            return "no waivers in force";
        }
        Waiver next = live.stream().min(java.util.Comparator.comparing(Waiver::expiry)).orElseThrow();
        return live.size() + " waiver(s) in force (" + live.stream().map(Waiver::label).limit(5)
                .collect(Collectors.joining(", ")) + (live.size() > 5 ? ", …" : "") + "), the next expiring "
                + next.expiry() + " (" + next.label() + ")";
    }
}
