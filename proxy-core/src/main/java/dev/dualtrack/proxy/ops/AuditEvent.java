package dev.dualtrack.proxy.ops;

import java.time.Instant;

/**
 * One audit line (G5): what was decided about which artifact, for whom.
 *
 * @param principal the principal a client's token named; empty when access is open
 * @param artifact the package or repo ({@code torchtriton}, {@code acme/bert-base})
 * @param file     the file name within it, or empty for a whole-project decision
 * @param sha256   the content hash when known, else empty
 * @param decision {@code block}, {@code warn}, {@code waived} or {@code allow}
 * @param id       the decision id; a refusal's is the {@code X-Dualtrack-Decision} its client was given
 */
public record AuditEvent(
        Instant time,
        String client,
        String principal,
        String track,
        String artifact,
        String file,
        String sha256,
        String decision,
        String rule,
        String detail,
        String id) {
    /** With a fresh decision id: every line has one, so a line can be quoted and found again. */
    public AuditEvent(Instant time, String client, String principal, String track, String artifact, String file,
            String sha256, String decision, String rule, String detail) {
        this(time, client, principal, track, artifact, file, sha256, decision, rule, detail, DecisionRecorder.newId());
    }
}
