package dev.dualtrack.proxy.policy;

import dev.dualtrack.config.PolicyConfig;
import dev.dualtrack.config.RuleAction;
import dev.dualtrack.config.Waiver;
import dev.dualtrack.config.policy.Rule;
import dev.dualtrack.config.policy.RuleRegistry;
import dev.dualtrack.scanner.Verdict;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Applies the {@code policy} section to a block: the rule's action, the mode, and the waivers. It is the one place
 * that decides whether a block stands; every refusal in both tracks and in the relay asks it first, and records
 * what it answers through {@code DecisionRecorder.judged}.
 *
 * <ol>
 *   <li>An integrity rule blocks, whatever the configuration says.</li>
 *   <li>Action {@code off}: served, nothing recorded. Action {@code warn}: served and recorded as a warning.</li>
 *   <li>Mode {@code monitor}: a block is served and recorded as a warning.</li>
 *   <li>A waiver that matches the artifact and the rule, and has not expired by the clock's instant: served and
 *       recorded as waived.</li>
 *   <li>Otherwise the block stands.</li>
 * </ol>
 */
public final class Judge {
    /** Swapped whole on reload: a judgement sees one policy, never half of an old and half of a new one. */
    private volatile PolicyConfig policy;
    private final Clock clock;

    public Judge(PolicyConfig policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
    }

    /** Puts a reloaded policy in force, atomically. */
    public void replace(PolicyConfig next) {
        this.policy = java.util.Objects.requireNonNull(next);
    }

    public PolicyConfig policy() {
        return policy;
    }

    /** A judge that lets every block stand (tests and tools that have no policy). */
    public static Judge enforcing() {
        return new Judge(new PolicyConfig(PolicyConfig.Mode.ENFORCE, java.util.Map.of(), java.util.List.of(),
                Optional.empty()),
                Clock.systemUTC());
    }

    /**
     * @param subject what the block is about: track, project or repo, file and, when known, the sha256 of the
     *                bytes (a waiver by sha256 matches only that)
     * @param version the release version when the track has one (PyPI), else empty
     */
    public Judgement judge(Subject subject, Optional<String> version, Verdict block) {
        if (!block.blocked()) {
            throw new IllegalArgumentException("not a block: " + block);
        }
        PolicyConfig policy = this.policy;
        Optional<Rule> rule = RuleRegistry.find(block.rule());
        if (rule.isPresent() && rule.get().integrity()) {
            return new Judgement(Judgement.Kind.BLOCK, block, Optional.empty());
        }
        // The block came from a rule whose own section already said block (or whose nature is to block); only an
        // explicit policy.rules entry changes that.
        RuleAction action = policy.rules().getOrDefault(block.rule(), RuleAction.BLOCK);
        if (action == RuleAction.OFF) {
            return new Judgement(Judgement.Kind.PASS, block, Optional.empty());
        }
        if (action == RuleAction.WARN || policy.mode() == PolicyConfig.Mode.MONITOR) {
            return new Judgement(Judgement.Kind.WARN, block, Optional.empty());
        }
        Instant now = clock.instant();
        for (Waiver w : policy.waivers()) {
            if (now.isBefore(w.expiry()) && covers(w, subject, version, block.rule())
                    && w.advisory().map(a -> namesAdvisory(block.reason(), a)).orElse(true)) {
                return new Judgement(Judgement.Kind.WAIVE, block, Optional.of(w));
            }
        }
        return new Judgement(Judgement.Kind.BLOCK, block, Optional.empty());
    }

    /**
     * Judges a whole verdict: every rule it found, each on its own, so a waiver or a warn for one rule never lets
     * another through. A verdict that blocks without findings (a hash mismatch, a limit) is one rule.
     */
    public Decision decide(Subject subject, Optional<String> version, Verdict verdict) {
        java.util.List<Judgement> judged = new java.util.ArrayList<>();
        java.util.List<dev.dualtrack.scanner.Finding> notes = new java.util.ArrayList<>();
        java.util.Set<String> rules = new java.util.HashSet<>();
        if (verdict.blocked() && verdict.findings().stream().noneMatch(f -> f.rule().equals(verdict.rule()))) {
            rules.add(verdict.rule());
            judged.add(judge(subject, version, Verdict.block(verdict.rule(), verdict.reason())));
        }
        for (dev.dualtrack.scanner.Finding f : verdict.findings()) {
            if (!dev.dualtrack.scanner.ScanReport.blocksByDefault(f)) {
                notes.add(f);
            } else if (rules.add(f.rule())) {
                judged.add(judge(subject, version, Verdict.block(f)));
            }
        }
        // The verdict's own rule (the most telling finding) is judged first, so it names the refusal when it stands.
        judged.sort(java.util.Comparator.comparing((Judgement j) -> !j.verdict().rule().equals(verdict.rule())));
        return new Decision(verdict, judged, notes);
    }

    /** The waivers in force now that name {@code sha256} (any track, any rule they list). */
    public java.util.List<Waiver> waiversFor(String sha256) {
        Instant now = clock.instant();
        return policy.waivers().stream().filter(w -> now.isBefore(w.expiry()))
                .filter(w -> w.sha256().filter(sha256::equalsIgnoreCase).isPresent()).toList();
    }

    /** The earliest expiry among waivers not yet expired, if any. */
    public Optional<Instant> nextExpiry() {
        PolicyConfig policy = this.policy;
        Instant now = clock.instant();
        return policy.waivers().stream().map(Waiver::expiry).filter(now::isBefore).min(Instant::compareTo);
    }

    public Judgement judge(Subject subject, Verdict block) {
        return judge(subject, Optional.empty(), block);
    }

    /** Whether a waiver names this artifact and rule. Every field it gives must match. */
    static boolean covers(Waiver w, Subject s, Optional<String> version, String rule) {
        if (!w.track().equals(s.track())) {
            return false;
        }
        if (!w.rules().isEmpty() && !w.rules().contains(rule)) {
            return false;
        }
        if (w.sha256().isPresent() && !w.sha256().get().equalsIgnoreCase(s.sha256())) {
            return false;
        }
        if (w.project().isPresent() && !Glob.matches(w.project().get(), s.artifact())) {
            return false;
        }
        if (w.file().isPresent() && !Glob.matches(w.file().get(), s.file())) {
            return false;
        }
        return w.version().isEmpty() || version.filter(w.version().get()::equals).isPresent();
    }

    /**
     * Whether a {@code pypi.vulnerable} block is about {@code advisory}: each block names one advisory, with its
     * aliases, before its first {@code ;}.
     */
    static boolean namesAdvisory(String reason, String advisory) {
        int semi = reason.indexOf(';');
        String head = semi < 0 ? reason : reason.substring(0, semi);
        return Pattern.compile("(^|[^A-Za-z0-9_-])" + Pattern.quote(advisory) + "($|[^A-Za-z0-9_-])",
                Pattern.CASE_INSENSITIVE).matcher(head).find();
    }

}
