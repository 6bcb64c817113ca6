package dev.dualtrack.proxy.ops;

import dev.dualtrack.proxy.policy.Subject;
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
    private final dev.dualtrack.proxy.bom.ServedLedger served;

    public DecisionRecorder(ProxyMetrics metrics, AuditLog audit, Clock clock) {
        this(metrics, audit, clock, dev.dualtrack.proxy.bom.ServedLedger.none());
    }

    /** With the ledger of files served, which the AI-BOM is made from. */
    public DecisionRecorder(ProxyMetrics metrics, AuditLog audit, Clock clock,
            dev.dualtrack.proxy.bom.ServedLedger served) {
        this.metrics = metrics;
        this.audit = audit;
        this.clock = clock;
        this.served = served;
    }

    public dev.dualtrack.proxy.bom.ServedLedger served() {
        return served;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    /**
     * Records a block: counts it and writes its audit line. Returns the decision id, which the refusal carries
     * ({@code X-Dualtrack-Decision}) and the audit line repeats, so a user's error and the log meet.
     */
    public String blocked(Subject s, Verdict v) {
        String id = countBlock(s, v);
        auditBlock(s, v, id);
        return id;
    }

    /** A short random id for one decision. */
    static String newId() {
        byte[] b = new byte[8];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    /**
     * The two halves of {@link #blocked}, for a block whose hash is learnt later: the counter moves at once
     * (alerts should not wait), the audit line is written when the hash is known. Call each exactly once.
     */
    public String countBlock(Subject s, Verdict v) {
        if (!v.blocked()) {
            throw new IllegalArgumentException("not a block: " + v);
        }
        metrics.blocked(s.track(), v.rule());
        return newId();
    }

    /** See {@link #countBlock}; {@code id} is the one it returned. */
    public void auditBlock(Subject s, Verdict v, String id) {
        audit.record(new AuditEvent(clock.instant(), s.client(), s.principal(), s.track(), s.artifact(), s.file(), s.sha256(),
                "block", v.rule(), v.reason(), id));
    }

    /**
     * Records a rule that matched with action {@code warn}: counted in {@code dualtrack_warned_total{track,rule}}
     * and audited with decision {@code warn}; not a block.
     */
    public void warned(Subject s, String rule, String detail) {
        metrics.warned(s.track(), rule);
        audit.record(new AuditEvent(clock.instant(), s.client(), s.principal(), s.track(), s.artifact(), s.file(), s.sha256(),
                "warn", rule, detail));
    }

    /**
     * Records files left out of a listing or a project page because a block stands for them: counted in
     * {@code dualtrack_hidden_total} and audited with decision {@code hide}. Nobody asked for those files, so it
     * is not a refused fetch: a resolver picks another version, and the file's own request is refused if it comes.
     */
    public void hidden(Subject s, Verdict v) {
        metrics.hidden(s.track(), v.rule());
        audit.record(new AuditEvent(clock.instant(), s.client(), s.principal(), s.track(), s.artifact(), s.file(), s.sha256(),
                "hide", v.rule(), v.reason()));
    }

    /** Records a block that a waiver let through: counted in {@code dualtrack_waived_total}, audited as waived. */
    public void waived(Subject s, Verdict v, String waiver, String reason) {
        metrics.waived(s.track(), v.rule());
        audit.record(new AuditEvent(clock.instant(), s.client(), s.principal(), s.track(), s.artifact(), s.file(), s.sha256(),
                "waived", v.rule(), v.reason() + " (waived by " + waiver + ": " + reason + ")"));
    }

    /**
     * Records what policy made of a block: a block, a warning, a waiver, or nothing (action off). Returns whether
     * the block stands.
     */
    public boolean judged(Subject s, dev.dualtrack.proxy.policy.Judgement j) {
        return judgedId(s, j).isPresent();
    }

    /** As {@link #judged}, with the decision id of a block that stands. */
    public java.util.Optional<String> judgedId(Subject s, dev.dualtrack.proxy.policy.Judgement j) {
        switch (j.kind()) {
            case BLOCK -> {
                return java.util.Optional.of(blocked(s, j.verdict()));
            }
            case WARN -> warned(s, j.verdict().rule(), j.verdict().reason());
            case WAIVE -> waived(s, j.verdict(), j.waiver().orElseThrow().label(), j.waiver().orElseThrow().reason());
            default -> {
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * Records a whole decision about a file ({@link dev.dualtrack.proxy.policy.Judge#decide}). When it blocks, one
     * block under the standing rule, whose detail names the other rules found; otherwise every rule let through
     * (warn, monitor, waived) and every note, one line each. Returns the decision id of a block.
     */
    public java.util.Optional<String> record(Subject s, dev.dualtrack.proxy.policy.Decision d) {
        if (d.blocks()) {
            Verdict refusal = d.refusal();
            java.util.List<String> others = d.judgements().stream().map(j -> j.verdict().rule())
                    .filter(r -> !r.equals(refusal.rule())).toList();
            Verdict line = others.isEmpty() ? refusal : new Verdict(true, refusal.rule(), refusal.reason()
                    + " (also found: " + String.join(", ", others) + ")", refusal.findings());
            return java.util.Optional.of(blocked(s, line));
        }
        d.judgements().forEach(j -> judgedId(s, j));
        d.notes().forEach(f -> warned(s, f.rule(), f.detail()));
        return java.util.Optional.empty();
    }

    /**
     * A file served whole and allowed, with what the AI-BOM lists of it: audited like {@link #allowed}, and kept
     * in the ledger of files served.
     */
    public void served(Subject s, String revision, String version, long size, String inspection,
            java.util.List<String> findings) {
        allowed(s);
        this.served.record(new dev.dualtrack.proxy.bom.ServedLedger.Served(s.track(), s.artifact(), revision, version,
                s.file(), s.sha256(), size, inspection, findings, clock.instant().toString()));
    }

    public void allowed(Subject s) {
        audit.record(new AuditEvent(clock.instant(), s.client(), s.principal(), s.track(), s.artifact(), s.file(), s.sha256(),
                "allow", "", ""));
    }
}
