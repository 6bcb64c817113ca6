package dev.dualtrack.pypi.manifest;

import dev.dualtrack.pypi.OriginRules;
import dev.dualtrack.pypi.policy.MaliciousFeed;
import dev.dualtrack.pypi.policy.EstablishedNames;
import dev.dualtrack.pypi.policy.TyposquatDetector;
import dev.dualtrack.pypi.policy.TyposquatRule;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.Severity;
import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.config.RuleAction;
import dev.dualtrack.pypi.simple.ProjectName;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Collectors;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The dependency track's rules, offline: what the proxy would refuse or what would let an install bypass it,
 * found in requirements files and pip configuration. Uses the PyPI track's own engines (reservations,
 * typosquat list, malicious feed), so CI and the proxy agree.
 */
public final class ManifestAudit {
    private final Optional<OriginRules> reservations;
    private final Optional<TyposquatRule> typosquats;
    private final Optional<MaliciousFeed> feed;
    private final boolean strictLockfile;
    private final Optional<dev.dualtrack.pypi.vuln.VulnerabilityRule> vulnerabilities;
    static final String INTERNAL_ERROR = "dualtrack could not take this file apart (a bug; please report it): ";

    public ManifestAudit(Optional<OriginRules> reservations, Optional<TyposquatRule> typosquats,
            Optional<MaliciousFeed> feed, boolean strictLockfile) {
        this(reservations, typosquats, feed, strictLockfile, Optional.empty());
    }

    /** With rule {@code pypi.vulnerable}'s advisories: pins and locked versions they affect are findings. */
    public ManifestAudit(Optional<OriginRules> reservations, Optional<TyposquatRule> typosquats,
            Optional<MaliciousFeed> feed, boolean strictLockfile,
            Optional<dev.dualtrack.pypi.vuln.VulnerabilityRule> vulnerabilities) {
        this.vulnerabilities = vulnerabilities;
        this.reservations = reservations;
        this.typosquats = typosquats;
        this.feed = feed;
        this.strictLockfile = strictLockfile;
    }

    /**
     * The audit the proxy's configuration implies: its reservations, its typosquat setting and exemptions, its
     * malicious feed. Without a configuration, the built-in typosquat list alone.
     */
    public static ManifestAudit fromConfig(Optional<PypiConfig> config, boolean strictLockfile) {
        if (config.isEmpty()) {
            return new ManifestAudit(Optional.empty(), Optional.of(typosquatRule(PypiConfig.Typosquat.defaults())),
                    Optional.empty(), strictLockfile);
        }
        PypiConfig c = config.get();
        Optional<TyposquatRule> typosquats = c.typosquat().action() == RuleAction.OFF ? Optional.empty()
                : Optional.of(typosquatRule(c.typosquat()));
        Optional<MaliciousFeed> feed = c.maliciousFeed().filter(f -> f.action() != RuleAction.OFF)
                .map(f -> new MaliciousFeed(f.path(), Clock.systemUTC(), Duration.ofDays(1)));
        return new ManifestAudit(Optional.of(new OriginRules(c)), typosquats, feed, strictLockfile,
                dev.dualtrack.pypi.policy.PackagePolicy.vulnerabilities(c, Clock.systemUTC()));
    }

    /**
     * The proxy's typosquat rule without a page: a requirements file carries no ages, so an established name is
     * known from the built-in snapshot, and any other resembling name takes {@code when-unknown}.
     */
    private static TyposquatRule typosquatRule(PypiConfig.Typosquat config) {
        return new TyposquatRule(config, TyposquatDetector.withBuiltInList(config.exempt().stream()
                .map(ProjectName::normalize).collect(Collectors.toUnmodifiableSet())), EstablishedNames.builtIn(),
                Clock.systemUTC());
    }

    /** Findings for a requirements file (and what it includes); lines refer to {@code file} only. */
    public List<Finding> requirements(Path file, RequirementsParser.Parsed parsed) {
        List<Finding> out = new ArrayList<>();
        for (RequirementsParser.Problem p : parsed.problems()) {
            if (p.file().equals(file)) {
                out.add(new Finding(DepsRules.UNREADABLE, Severity.MALFORMED, p.text(), p.line()));
            }
        }
        indexes(parsed.indexes(), file, out);

        for (Requirement r : parsed.requirements()) {
            if (!r.file().equals(file)) {
                continue; // reported with the file that holds it
            }
            int line = r.line();
            if (r.reference().isPresent()) {
                // Under --strict-lockfile a direct reference is only acceptable with a sha256 of what it fetches.
                // A project's declared direct reference is its lockfile's to pin (see uncovered).
                boolean locked = parsed.declared() || r.hashes().stream().anyMatch(h -> h.startsWith("sha256:"));
                out.add(new Finding(strictLockfile && !locked ? DepsRules.NOT_LOCKED : DepsRules.DIRECT_REFERENCE,
                        strictLockfile && !locked ? Severity.UNKNOWN : Severity.INFO, "direct reference "
                        + r.reference().get() + " bypasses the index and its checks", line));
            }
            if (r.name().isEmpty()) {
                continue;
            }
            String name = r.name().get();
            typosquats.flatMap(t -> t.judge(ProjectName.normalize(name), Optional.empty())).ifPresent(d -> out.add(
                    new Finding(DepsRules.TYPOSQUAT, d.blocks() ? Severity.DANGEROUS : Severity.INFO,
                            "may be a typosquat: " + d.reason(), line)));
            // By name and version, then by each locked file's sha256 (a record may list only hashes).
            Optional<String> malicious = feed.flatMap(f -> f.match(name, r.pinnedVersion().orElse(null), null));
            for (String h : r.hashes()) {
                if (malicious.isEmpty() && h.startsWith("sha256:")) {
                    malicious = feed.flatMap(f -> f.match(name, null, h.substring("sha256:".length())));
                }
            }
            malicious.ifPresent(why -> out.add(new Finding(DepsRules.MALICIOUS, Severity.DANGEROUS,
                    name + " is known-malicious: " + why, line)));
            // The version a pin or a lockfile installs, against the proxy's advisories (one finding each).
            if (vulnerabilities.isPresent() && r.pinnedVersion().isPresent()) {
                String normalized = ProjectName.normalize(name);
                for (dev.dualtrack.pypi.vuln.VulnerabilityRule.Hit hit : vulnerabilities.get().hits(normalized,
                        r.pinnedVersion().get())) {
                    out.add(new Finding(DepsRules.VULNERABLE, vulnerabilities.get().config().action()
                            == RuleAction.BLOCK ? Severity.UNKNOWN : Severity.INFO, dev.dualtrack.pypi.vuln
                            .VulnerabilityRule.reason(normalized, r.pinnedVersion().get(), hit), line));
                }
            }
            if (parsed.merged() && r.index().isEmpty() && reservations.flatMap(o -> o.reservation(name)).isPresent()) {
                out.add(new Finding(DepsRules.INDEX_CONFUSION, Severity.DANGEROUS, name + " is reserved for an "
                        + "internal index, but " + mergeCause(file) + ": a public upload of " + name + " would win",
                        line));
            }
            if (parsed.declared()) {
                continue; // ranges are a project's business; its lockfile is held to pins and hashes
            }
            if (r.reference().isEmpty() && !r.pinned()) {
                out.add(new Finding(strictLockfile ? DepsRules.NOT_LOCKED : DepsRules.UNPINNED,
                        strictLockfile ? Severity.UNKNOWN : Severity.INFO,
                        name + (r.specifier().isEmpty() ? " has no version specifier" : " is not pinned (" + r.specifier()
                                + ")"), line));
            } else if (r.reference().isEmpty() && r.hashes().stream().noneMatch(h -> h.startsWith("sha256:"))) {
                out.add(strictLockfile
                        ? new Finding(DepsRules.NOT_LOCKED, Severity.UNKNOWN, name + " is pinned without a sha256"
                                + (ManifestKind.of(file) == ManifestKind.REQUIREMENTS ? " --hash" : ""), line)
                        : new Finding(DepsRules.UNHASHED, Severity.INFO, name + (ManifestKind.of(file)
                                == ManifestKind.REQUIREMENTS ? " has no --hash, so a changed file would install "
                                + "unnoticed (use pip's --require-hashes)" : " is locked without a hash, so a changed "
                                + "file would install unnoticed"), line));
            }
        }
        return out;
    }

    /**
     * Audits requirements files and pip configuration files found in a tree. Each finding is filed under the
     * file and line it is about, including files reached only through {@code -r}; a file reached twice is
     * reported once.
     */
    public Map<Path, List<Finding>> audit(List<Path> requirementsFiles, List<Path> pipConfigs) {
        Map<Path, Set<Finding>> byFile = new LinkedHashMap<>();
        Map<Path, RequirementsParser.Parsed> all = new LinkedHashMap<>();
        for (Path f : requirementsFiles) {
            byFile.computeIfAbsent(f, k -> new LinkedHashSet<>());
            RequirementsParser.Parsed parsed;
            try {
                parsed = ManifestKind.of(f) == ManifestKind.PROJECT_OR_LOCK ? TomlManifests.parse(f)
                        : RequirementsParser.parse(f);
                all.put(f, parsed);
            } catch (IOException | UncheckedIOException e) {
                byFile.get(f).add(new Finding(DepsRules.UNREADABLE, Severity.MALFORMED, "cannot read: " + e.getMessage()));
                continue;
            } catch (RuntimeException e) {
                // Fail closed: a manifest dualtrack could not take apart is refused, never passed.
                byFile.get(f).add(new Finding(DepsRules.UNREADABLE, Severity.MALFORMED, INTERNAL_ERROR + e));
                continue;
            }
            Set<Path> touched = new LinkedHashSet<>();
            parsed.requirements().forEach(r -> touched.add(r.file()));
            parsed.indexes().forEach(i -> touched.add(i.file()));
            parsed.problems().forEach(p -> touched.add(p.file()));
            touched.add(f);
            for (Path t : touched) {
                byFile.computeIfAbsent(t, k -> new LinkedHashSet<>()).addAll(requirements(t, parsed));
            }
        }
        if (strictLockfile) {
            all.forEach((f, parsed) -> {
                if (parsed.declared()) {
                    byFile.get(f).addAll(uncovered(f, parsed, all));
                }
            });
        }
        for (Path f : pipConfigs) {
            Set<Finding> found = byFile.computeIfAbsent(f, k -> new LinkedHashSet<>());
            try {
                found.addAll(indexes(PipConf.indexes(f), f, new ArrayList<>()));
            } catch (IOException | UncheckedIOException e) {
                found.add(new Finding(DepsRules.UNREADABLE, Severity.MALFORMED, "cannot read: " + e.getMessage()));
            } catch (RuntimeException e) {
                found.add(new Finding(DepsRules.UNREADABLE, Severity.MALFORMED, INTERNAL_ERROR + e));
            }
        }
        Map<Path, List<Finding>> out = new LinkedHashMap<>();
        byFile.forEach((k, v) -> out.put(k, v.stream().sorted(java.util.Comparator.comparingInt(Finding::line)).toList()));
        return out;
    }

    /** Under --strict-lockfile: declared requirements no lockfile beside the project pins with a sha256. */
    private static List<Finding> uncovered(Path project, RequirementsParser.Parsed declared,
            Map<Path, RequirementsParser.Parsed> all) {
        Set<String> locked = new java.util.HashSet<>();
        all.forEach((f, p) -> {
            if (!p.declared() && java.util.Objects.equals(f.getParent(), project.getParent())) {
                p.requirements().stream().filter(r -> r.hashes().stream().anyMatch(h -> h.startsWith("sha256:")))
                        .forEach(r -> r.name().ifPresent(locked::add));
            }
        });
        List<Finding> out = new ArrayList<>();
        for (Requirement r : declared.requirements()) {
            if (r.file().equals(project) && r.name().isPresent() && !locked.contains(r.name().get())) {
                out.add(new Finding(DepsRules.NOT_LOCKED, Severity.UNKNOWN, r.name().get() + " is not pinned with a "
                        + "sha256 by any lockfile beside " + project.getFileName(), r.line()));
            }
        }
        return out;
    }

    private static String mergeCause(Path file) {
        String n = String.valueOf(file.getFileName());
        if (n.equals("pyproject.toml") || n.equals("poetry.lock")) {
            return "it is not tied to one source (source = \"...\"), so PyPI can answer for it too";
        }
        if (n.equals("uv.lock")) {
            return "index-strategy lets uv take it from any index";
        }
        return "--extra-index-url makes pip merge every index and take the highest version";
    }

    /** Findings for index settings (requirements files and pip configuration). */
    public List<Finding> indexes(List<RequirementsParser.IndexSetting> settings, Path file,
            List<Finding> out) {
        for (RequirementsParser.IndexSetting s : settings) {
            if (!s.file().equals(file)) {
                continue;
            }
            URI u;
            try {
                u = URI.create(s.url());
            } catch (IllegalArgumentException e) {
                out.add(new Finding(DepsRules.UNREADABLE, Severity.MALFORMED, "not a URL: " + s.url(), s.line()));
                continue;
            }
            if (s.tlsUnverified()) {
                out.add(new Finding(DepsRules.INSECURE_INDEX, Severity.UNKNOWN, "index " + s.url() + " has verify_ssl "
                        + "= false: without certificate checks anyone on the path can change what installs", s.line()));
            } else if ("http".equalsIgnoreCase(u.getScheme()) && !isLoopback(u.getHost())) {
                out.add(new Finding(DepsRules.INSECURE_INDEX, Severity.UNKNOWN, "index " + s.url()
                        + " is plain http: anyone on the path can change what installs", s.line()));
            }
            if (s.extra()) {
                out.add(new Finding(DepsRules.INDEX_CONFUSION, Severity.INFO, "extra index " + s.url()
                        + ": when indexes are merged the highest version from any wins; use one index (dualtrack) "
                        + "that routes each name to one origin", s.line()));
            }
        }
        return out;
    }

    private static boolean isLoopback(String host) {
        return host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"));
    }
}
