package dev.dualtrack.pypi.policy;

import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.config.RuleAction;
import dev.dualtrack.pypi.PypiRules;
import dev.dualtrack.pypi.simple.DistributionFilename;
import dev.dualtrack.pypi.simple.SimpleFile;
import dev.dualtrack.pypi.simple.SimplePage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * {@code pypi.typosquat}: a name's resemblance to a popular project, weighed against the evidence of what the
 * project is. Real typosquats are new projects with one or a few releases, and PyPI removes them within days;
 * an established project that merely resembles a popular name is not one (2 % of PyPI's names resemble one).
 *
 * <ul>
 *   <li>With upload times (PEP 700, which PyPI's JSON pages carry): a project whose earliest upload is younger
 *       than {@code established-after} is refused, with its age, releases and resemblance in the reason; an
 *       older one passes.</li>
 *   <li>Without them (mirrors that publish none, and {@code dualtrack scan}): a name in the
 *       {@link EstablishedNames} snapshot passes; any other resembling name takes {@code when-unknown}, block by
 *       default. Such a name had no release old enough to enter the snapshot, which is where typosquats live,
 *       and the proxy cannot tell it apart from one: failing closed, with a waiver or {@code exempt} as the way
 *       out.</li>
 * </ul>
 */
public final class TyposquatRule {
    /**
     * What a project page shows about the project: its first upload, if the index dates files, and releases.
     * Only entries that could be served count: an {@code .egg} or a malformed entry is never served, so its old
     * upload time or extra version must not make a day-old look-alike look established. The page's own
     * {@code versions} list (PEP 700) is not counted either: it names releases whether or not they have a file.
     */
    public record Evidence(Optional<Instant> firstUpload, int releases) {
        public static Evidence of(String project, SimplePage page) {
            Instant first = null;
            Set<String> versions = new HashSet<>();
            for (SimpleFile f : page.files()) {
                if (DistributionFilename.classify(f.filename()) != DistributionFilename.Kind.INSTALLABLE
                        || PackagePolicy.invalidEntry(f).isPresent()) {
                    continue;
                }
                Filenames.version(project, f.filename()).ifPresent(versions::add);
                if (f.uploadTime().isPresent()) {
                    try {
                        Instant t = Instant.parse(f.uploadTime().get());
                        first = first == null || t.isBefore(first) ? t : first;
                    } catch (DateTimeParseException e) {
                        // An unreadable time is no evidence of age; the release-age rule reports it.
                    }
                }
            }
            return new Evidence(Optional.ofNullable(first), versions.size());
        }
    }

    private final PypiConfig.Typosquat config;
    private final TyposquatDetector names;
    private final EstablishedNames established;
    private final Clock clock;

    public TyposquatRule(PypiConfig.Typosquat config, TyposquatDetector names, EstablishedNames established,
            Clock clock) {
        this.config = config;
        this.names = names;
        this.established = established;
        this.clock = clock;
    }

    /**
     * The decision about {@code project} (normalized) on its page. The page is read for evidence only when the
     * name resembles a popular one, so the common case costs a few hash lookups whatever the page's size.
     */
    public Optional<PackagePolicy.Decision> judge(String project, SimplePage page) {
        if (config.action() == RuleAction.OFF || names.resemblance(project).isEmpty()) {
            return Optional.empty();
        }
        return judge(project, Optional.of(Evidence.of(project, page)));
    }

    /** The decision about {@code project} (normalized) given its evidence, or none when it is unknown (offline). */
    public Optional<PackagePolicy.Decision> judge(String project, Optional<Evidence> evidence) {
        if (config.action() == RuleAction.OFF) {
            return Optional.empty();
        }
        Optional<TyposquatDetector.Resemblance> r = names.resemblance(project);
        if (r.isEmpty()) {
            return Optional.empty();
        }
        String resembles = describe(r.get());
        Optional<Instant> first = evidence.flatMap(Evidence::firstUpload);
        if (first.isPresent()) {
            Duration age = Duration.between(first.get(), clock.instant());
            if (age.compareTo(config.establishedAfter()) >= 0) {
                return Optional.empty();
            }
            int releases = evidence.get().releases();
            return Optional.of(new PackagePolicy.Decision(PypiRules.TYPOSQUAT, config.action(), project + " is "
                    + age(age) + " old, has " + releases + (releases == 1 ? " release" : " releases") + ", and is "
                    + resembles + " (younger than typosquat.established-after, "
                    + Durations.text(config.establishedAfter()) + ")"));
        }
        if (established.contains(project) || config.whenUnknown() == RuleAction.OFF) {
            return Optional.empty();
        }
        return Optional.of(new PackagePolicy.Decision(PypiRules.TYPOSQUAT, weaker(config.action(),
                config.whenUnknown()), project + " is " + resembles + "; "
                + (evidence.isPresent() ? "its index gives no upload times, so its age cannot be checked"
                        : "no upload times are known here") + ", and it is not in " + established.description()));
    }

    /** What the name resembles, as a reason says it: "1 edit from 'requests' (rank 4)". */
    static String describe(TyposquatDetector.Resemblance r) {
        String target = "'" + r.target() + "' (rank " + r.rank() + ")";
        return r.how().equals("1 edit") ? "1 edit from " + target : target + " with " + r.how();
    }

    private static String age(Duration d) {
        if (d.isNegative() || d.toHours() < 1) {
            return "less than an hour";
        }
        return d.toDays() >= 2 ? d.toDays() + " days" : d.toHours() + " h";
    }

    /** {@code when-unknown} never makes a rule stricter than its own action. */
    private static RuleAction weaker(RuleAction a, RuleAction b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Durations as the config writes them. */
    static final class Durations {
        private Durations() {
        }

        static String text(Duration d) {
            if (d.toHours() % 24 == 0 && d.toDays() > 0) {
                return d.toDays() + "d";
            }
            return d.toHours() + "h";
        }
    }
}
