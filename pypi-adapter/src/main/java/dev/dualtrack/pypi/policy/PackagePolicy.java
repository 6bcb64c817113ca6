package dev.dualtrack.pypi.policy;

import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.config.RuleAction;
import dev.dualtrack.pypi.PypiRules;
import dev.dualtrack.pypi.simple.DistributionFilename;
import dev.dualtrack.pypi.simple.ProjectName;
import dev.dualtrack.pypi.simple.SimpleFile;
import dev.dualtrack.pypi.simple.SimplePage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Track 1's package rules, as decisions; the route turns them into page filtering, refusals, metrics and audit
 * lines. Protocol code never decides, and this class never touches HTTP.
 *
 * <ul>
 *   <li>{@code pypi.typosquat}: a project name that imitates a popular one is hidden, and its files refused;</li>
 *   <li>{@code pypi.malicious-feed}: releases or files an OSV record names;</li>
 *   <li>{@code pypi.min-release-age}: files younger than the configured age, or newer than exclude-newer.</li>
 * </ul>
 * A rule whose action is {@code warn} is reported but decides nothing; {@code off} is not evaluated.
 */
public final class PackagePolicy {
    /** One rule's finding about a project or a file. */
    public record Decision(String rule, RuleAction action, String reason) {
        public boolean blocks() {
            return action == RuleAction.BLOCK;
        }
    }

    /**
     * A page with the files policy hides taken out: {@code hidden} are the blocks that stand, {@code letThrough}
     * the blocks the {@code policy} section lets through (warn, monitor, a waiver) with their files kept.
     */
    public record Filtered(SimplePage page, List<Decision> hidden, List<Kept> letThrough) {
    }

    /** A file a blocking decision would hide that policy kept on the page. */
    public record Kept(SimpleFile file, Decision decision) {
    }

    private final PypiConfig config;
    private final TyposquatRule typosquats;
    private final Optional<MaliciousFeed> feed;
    private final Clock clock;
    private final Set<String> ageExempt;
    private final Optional<FirstSeenHashes> firstSeen;
    private final Optional<dev.dualtrack.pypi.vuln.VulnerabilityRule> vulnerabilities;

    public PackagePolicy(PypiConfig config, TyposquatDetector typosquats, Optional<MaliciousFeed> feed, Clock clock) {
        this(config, typosquats, feed, clock, Optional.empty());
    }

    public PackagePolicy(PypiConfig config, TyposquatDetector typosquats, Optional<MaliciousFeed> feed, Clock clock,
            Optional<FirstSeenHashes> firstSeen) {
        this(config, typosquats, feed, clock, firstSeen, Optional.empty());
    }

    /** With rule {@code pypi.vulnerable}'s advisories ({@code pypi.vulnerabilities}). */
    public PackagePolicy(PypiConfig config, TyposquatDetector typosquats, Optional<MaliciousFeed> feed, Clock clock,
            Optional<FirstSeenHashes> firstSeen, Optional<dev.dualtrack.pypi.vuln.VulnerabilityRule> vulnerabilities) {
        this.vulnerabilities = vulnerabilities;
        this.config = config;
        this.typosquats = new TyposquatRule(config.typosquat(), typosquats, EstablishedNames.builtIn(), clock);
        this.feed = feed;
        this.clock = clock;
        this.firstSeen = firstSeen;
        this.ageExempt = config.minReleaseAge().exempt().stream().map(ProjectName::normalize)
                .collect(Collectors.toUnmodifiableSet());
    }

    public static PackagePolicy fromConfig(PypiConfig config, Clock clock) {
        return fromConfig(config, clock, Optional.empty());
    }

    /** With trust-on-first-use hashes recorded in {@code firstSeenFile} (normally in the cache directory). */
    public static PackagePolicy fromConfig(PypiConfig config, Clock clock, Optional<java.nio.file.Path> firstSeenFile) {
        Set<String> exempt = config.typosquat().exempt().stream().map(ProjectName::normalize)
                .collect(Collectors.toUnmodifiableSet());
        Optional<MaliciousFeed> feed = config.maliciousFeed().filter(f -> f.action() != RuleAction.OFF)
                .map(f -> new MaliciousFeed(f.path(), clock, Duration.ofSeconds(30)));
        return new PackagePolicy(config, TyposquatDetector.withBuiltInList(exempt), feed, clock,
                firstSeenFile.map(FirstSeenHashes::new), vulnerabilities(config, clock));
    }

    /**
     * Rule {@code pypi.vulnerable} from {@code pypi.vulnerabilities}, read now and again when it changes. A source
     * that yields no advisory at all (an empty folder, the wrong zip, a folder of unreadable records) stops the
     * start: the rule would pass every release while the operator believes it is on.
     */
    public static Optional<dev.dualtrack.pypi.vuln.VulnerabilityRule> vulnerabilities(PypiConfig config, Clock clock) {
        return config.vulnerabilities().filter(v -> v.action() != RuleAction.OFF).map(v -> {
            var source = new dev.dualtrack.pypi.vuln.AdvisorySource(v.path(), clock, Duration.ofSeconds(30));
            if (source.snapshot().records() == 0) {
                throw new IllegalStateException("pypi.vulnerabilities.path: " + v.path() + " holds no readable "
                        + "PyPI advisory (" + source.snapshot().unreadable() + " unreadable record(s)); point it at "
                        + "the PyPA advisory database's vulns folder or osv.dev's PyPI/all.zip, or set the rule off");
            }
            return new dev.dualtrack.pypi.vuln.VulnerabilityRule(v, source);
        });
    }

    /** Rule {@code pypi.vulnerable}, when {@code pypi.vulnerabilities} names advisories. */
    public Optional<dev.dualtrack.pypi.vuln.VulnerabilityRule> vulnerabilityRule() {
        return vulnerabilities;
    }

    /** How many projects the malicious-package feed lists, when one is configured (for the startup summary). */
    public Optional<Integer> feedProjects() {
        return feed.map(MaliciousFeed::size);
    }

    /**
     * The decision about the project as a whole (the typosquat rule), weighing what its page shows; without a
     * page (the offline scan), on the name and the established-names snapshot.
     */
    public Optional<Decision> project(String project, Optional<SimplePage> page) {
        return page.isPresent() ? typosquats.judge(project, page.get()) : typosquats.judge(project, Optional.empty());
    }

    /** Decisions about one file (the first that blocks, else any warnings). */
    public List<Decision> file(String project, SimpleFile f) {
        return file(project, f, true);
    }

    /**
     * Decisions about one file from an index that is ({@code publicSource}) or is not a public one. The rules that
     * judge public sources (release age, the malicious feed by name) do not apply to an internal index: its
     * packages are built and installed minutes apart by design, and often carry no upload time at all. The
     * feed's sha256 records, the hash and entry checks apply everywhere.
     */
    public List<Decision> file(String project, SimpleFile f, boolean publicSource) {
        List<Decision> out = new ArrayList<>();
        // A hostile entry is refused before anything records or quotes it (the first-seen ledger, audit lines).
        Optional<Decision> invalid = invalidEntry(f);
        if (invalid.isPresent()) {
            return List.of(invalid.get());
        }
        if (firstSeen.isPresent() && f.sha256().isPresent()) {
            firstSeen.get().conflict(project, f.filename(), f.sha256().get()).ifPresent(first ->
                    out.add(new Decision(PypiRules.HASH_MISMATCH, RuleAction.BLOCK, f.filename() + " is announced with "
                            + "sha256 " + f.sha256().get() + ", but was first seen as " + first
                            + ": a filename never changes its bytes on PyPI, so this is tampering")));
        }
        Optional<String> version = Filenames.version(project, f.filename());
        feed.ifPresent(m -> m.match(project, version.orElse(null), f.sha256().orElse(null), publicSource).ifPresent(why ->
                out.add(new Decision(PypiRules.MALICIOUS_FEED, config.maliciousFeed().orElseThrow().action(),
                        f.filename() + " is known-malicious: " + why))));
        if (publicSource) {
            age(project, f).ifPresent(out::add);
            // A public project's advisories are about that project; an internal index's package of the same name
            // is other software.
            if (vulnerabilities.isPresent() && version.isPresent()) {
                for (dev.dualtrack.pypi.vuln.VulnerabilityRule.Hit hit : vulnerabilities.get().hits(project,
                        version.get())) {
                    out.add(new Decision(PypiRules.VULNERABLE, config.vulnerabilities().orElseThrow().action(),
                            dev.dualtrack.pypi.vuln.VulnerabilityRule.reason(project, version.get(), hit)));
                }
            }
        }
        return out;
    }

    private static final java.util.regex.Pattern SHA256 = java.util.regex.Pattern.compile("[0-9a-f]{64}");

    /**
     * An index entry that is not what the simple API allows: a filename no distribution format has, a sha256
     * that is not 64 hex digits, a link that is not http(s). Such entries are hidden, never served or recorded.
     */
    static Optional<Decision> invalidEntry(SimpleFile f) {
        if (DistributionFilename.classify(f.filename()) == DistributionFilename.Kind.INVALID) {
            return Optional.of(new Decision(PypiRules.INVALID_ENTRY, RuleAction.BLOCK,
                    DistributionFilename.describeInvalid(f.filename())));
        }
        Optional<String> sha = f.sha256();
        if (sha.isPresent() && !SHA256.matcher(sha.get()).matches()) {
            return Optional.of(new Decision(PypiRules.INVALID_ENTRY, RuleAction.BLOCK, f.filename()
                    + " is announced with a sha256 that is not 64 lower-case hex digits: "
                    + DistributionFilename.printable(sha.get())));
        }
        Optional<Map<String, String>> cm = f.coreMetadata();
        if (cm.isPresent() && cm.get().containsKey("sha256") && !SHA256.matcher(cm.get().get("sha256")).matches()) {
            return Optional.of(new Decision(PypiRules.INVALID_ENTRY, RuleAction.BLOCK, f.filename()
                    + " announces core metadata with a malformed sha256"));
        }
        return Optional.empty();
    }

    private Optional<Decision> age(String project, SimpleFile f) {
        PypiConfig.MinReleaseAge rule = config.minReleaseAge();
        if (rule.action() == RuleAction.OFF || ageExempt.contains(project)) {
            return Optional.empty();
        }
        if (f.uploadTime().isEmpty()) {
            return rule.whenUnknown() == PypiConfig.UnknownUploadTime.BLOCK
                    ? Optional.of(new Decision(PypiRules.MIN_RELEASE_AGE, rule.action(), f.filename()
                            + " has no upload time in its index, so its age cannot be checked"))
                    : Optional.empty();
        }
        Instant uploaded;
        try {
            uploaded = Instant.parse(f.uploadTime().get());
        } catch (DateTimeParseException e) {
            return Optional.of(new Decision(PypiRules.MIN_RELEASE_AGE, rule.action(), f.filename()
                    + " has an unreadable upload time '" + f.uploadTime().get() + "'"));
        }
        if (rule.excludeNewer().isPresent()) {
            Instant cutoff = PypiConfig.MinReleaseAge.parseInstant(rule.excludeNewer().get());
            if (uploaded.isAfter(cutoff)) {
                return Optional.of(new Decision(PypiRules.MIN_RELEASE_AGE, rule.action(), f.filename()
                        + " was uploaded " + uploaded + ", after the cut-off " + cutoff));
            }
        }
        Duration old = Duration.between(uploaded, clock.instant());
        if (old.compareTo(rule.age()) < 0) {
            return Optional.of(new Decision(PypiRules.MIN_RELEASE_AGE, rule.action(), f.filename()
                    + " is " + old.toHours() + " h old, younger than the minimum " + rule.age().toHours() + " h"));
        }
        return Optional.empty();
    }

    /** The page without the files policy blocks (warn decisions keep their file). */
    public Filtered filter(String project, SimplePage page) {
        return filter(project, page, true, (f, d) -> true);
    }

    /**
     * The page without the files whose blocking decision {@code stands} (the policy section's judgement; an
     * integrity decision always stands). A release that only a vulnerability advisory blocks is yanked instead
     * (PEP 592): resolvers skip it and pick the newest unaffected release, and a pin to exactly it still reaches
     * its file, whose refusal names the advisory and the version to upgrade to.
     */
    public Filtered filter(String project, SimplePage page, boolean publicSource,
            java.util.function.BiPredicate<SimpleFile, Decision> stands) {
        List<SimpleFile> kept = new ArrayList<>();
        List<Decision> hidden = new ArrayList<>();
        List<Kept> letThrough = new ArrayList<>();
        for (SimpleFile f : page.files()) {
            if (DistributionFilename.classify(f.filename()) == DistributionFilename.Kind.LEGACY) {
                continue; // eggs and installers: no current client reads them, and we do not serve them
            }
            List<Decision> blocks = file(project, f, publicSource).stream().filter(Decision::blocks).toList();
            List<Decision> standing = blocks.stream().filter(d -> stands.test(f, d)).toList();
            if (!standing.isEmpty() && standing.stream().allMatch(d -> d.rule().equals(PypiRules.VULNERABLE))) {
                hidden.add(standing.get(0));
                kept.add(f.yanked().isPresent() ? f : f.withYanked("dualtrack: " + standing.get(0).reason()));
            } else if (!standing.isEmpty()) {
                hidden.add(standing.get(0));
            } else {
                blocks.stream().findFirst().ifPresent(d -> letThrough.add(new Kept(f, d)));
                kept.add(f);
            }
        }
        return new Filtered(new SimplePage(page.name(), kept, page.versions()), hidden, letThrough);
    }
}
