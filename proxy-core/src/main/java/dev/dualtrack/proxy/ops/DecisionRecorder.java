package dev.dualtrack.proxy.ops;

import dev.dualtrack.scanner.Verdict;
import java.time.Clock;

/**
 * The single place where a decision becomes observable (G5): every block increments
 * {@code dualtrack_blocked_total{track,rule}} and writes one audit line; allows are audited when configured.
 */
public final class DecisionRecorder {
    private final ProxyMetrics metrics;
    private final AuditLog audit;
    private final Clock clock;

    public DecisionRecorder(ProxyMetrics metrics, AuditLog audit, Clock clock) {
        this.metrics = metrics;
        this.audit = audit;
        this.clock = clock;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    /** Records a block: counts it and writes its audit line. */
    public void blocked(Subject s, Verdict v) {
        countBlock(s, v);
        auditBlock(s, v);
    }

    /**
     * The two halves of {@link #blocked}, for a block whose hash is learnt later: the counter moves at once
     * (alerts should not wait), the audit line is written when the hash is known. Call each exactly once.
     */
    public void countBlock(Subject s, Verdict v) {
        if (!v.blocked()) {
            throw new IllegalArgumentException("not a block: " + v);
        }
        metrics.blocked(s.track(), v.rule());
    }

    /** See {@link #countBlock}. */
    public void auditBlock(Subject s, Verdict v) {
        audit.record(new AuditEvent(clock.instant(), s.client(), s.track(), s.artifact(), s.file(), s.sha256(),
                "block", v.rule(), v.reason()));
    }

    /**
     * Records a rule that matched with action {@code warn}: counted in {@code dualtrack_warned_total{track,rule}}
     * and audited with decision {@code warn}; not a block.
     */
    public void warned(Subject s, String rule, String detail) {
        metrics.warned(s.track(), rule);
        audit.record(new AuditEvent(clock.instant(), s.client(), s.track(), s.artifact(), s.file(), s.sha256(),
                "warn", rule, detail));
    }

    /** Records a block that a waiver let through: counted in {@code dualtrack_waived_total}, audited as waived. */
    public void waived(Subject s, Verdict v, String waiver, String reason) {
        metrics.waived(s.track(), v.rule());
        audit.record(new AuditEvent(clock.instant(), s.client(), s.track(), s.artifact(), s.file(), s.sha256(),
                "waived", v.rule(), v.reason() + " (waived by " + waiver + ": " + reason + ")"));
    }

    /**
     * Records what policy made of a block: a block, a warning, a waiver, or nothing (action off). Returns whether
     * the block stands.
     */
    public boolean judged(Subject s, dev.dualtrack.proxy.policy.Judgement j) {
        switch (j.kind()) {
            case BLOCK -> blocked(s, j.verdict());
            case WARN -> warned(s, j.verdict().rule(), j.verdict().reason());
            case WAIVE -> waived(s, j.verdict(), j.waiver().orElseThrow().label(), j.waiver().orElseThrow().reason());
            default -> {
            }
        }
        return j.blocks();
    }

    public void allowed(Subject s) {
        audit.record(new AuditEvent(clock.instant(), s.client(), s.track(), s.artifact(), s.file(), s.sha256(),
                "allow", "", ""));
    }

    /** What a decision is about: who asked, on which track, for which artifact and file. */
    public record Subject(String client, String track, String artifact, String file, String sha256) {
        public Subject withSha256(String sha) {
            return new Subject(client, track, artifact, file, sha);
        }
    }
}
