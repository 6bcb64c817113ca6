package dev.dualtrack.proxy.relay;

import dev.dualtrack.proxy.cache.BlobCache;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.policy.Decision;
import dev.dualtrack.proxy.policy.Judge;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.scanner.Verdict;
import java.util.Optional;

/**
 * The known-verdict gate: what is already known about a file's bytes, judged under the policy in force now. It is
 * the one place a known verdict is looked up and judged, for a cache hit as much as for a refusal before any
 * byte, and for a listing's choice to hide a file.
 *
 * <p>What is known about bytes comes from two places: the findings stored with a cached blob
 * ({@link dev.dualtrack.proxy.cache.StoredVerdict}, kept across restarts), and the verdict memory (blocks of
 * bytes that were never cached, and what other replicas found). The stored findings win: they are about exactly
 * the bytes that would be served. Neither is a decision: monitor mode, a warn or a waiver decided for the request
 * that let a file through, and a later request is judged again, so switching to enforce or revoking a waiver
 * takes effect at the next request, restart or not (G4).
 */
public final class KnownVerdicts {
    private final VerdictMemory memory;
    private final BlobCache cache;
    private final Judge judge;
    private final DecisionRecorder recorder;

    KnownVerdicts(VerdictMemory memory, BlobCache cache, Judge judge, DecisionRecorder recorder) {
        this.memory = memory;
        this.cache = cache;
        this.judge = judge;
        this.recorder = recorder;
    }

    /** The verdict known for bytes with this sha256: the cached blob's stored findings, else the memory's. */
    public Optional<Verdict> of(String sha256) {
        return cache.find(sha256).map(c -> c.verdict().verdict()).or(() -> memory.bySha256(sha256));
    }

    /** The verdict known for bytes with this git blob id (the Hub's regular files). */
    public Optional<Verdict> ofGitBlob(String oid) {
        return memory.byGitBlob(oid);
    }

    /** A block remembered for a location whose bytes were never seen whole ({@link FetchSpec#location()}). */
    public Optional<Verdict> at(String location) {
        return memory.at(location);
    }

    /** Whether {@code known} refuses {@code subject} now; nothing is recorded (a listing asks this per file). */
    public boolean refuses(DecisionRecorder.Subject subject, Optional<String> version, Verdict known) {
        return judge.decide(subject, version, known).blocks();
    }

    /**
     * The gate. Judges {@code known} for this request and answers a refusal in the track's dialect when it
     * stands (recorded, with its decision id). When the request will be served from this verdict (a cache hit),
     * the rules let through and the notes are recorded too; when the bytes are still to be fetched, the relay
     * records its own decision and nothing else is recorded here. Returns whether the request may go on.
     */
    public boolean admit(Exchange ex, Refusals dialect, DecisionRecorder.Subject subject, Optional<String> version,
            Verdict known, boolean serving) {
        Decision d = judge.decide(subject, version, known);
        if (d.blocks()) {
            String id = recorder.record(subject, d).orElse("");
            dialect.refuse(ex, new Refusal(d.refusal(), id, subject));
            return false;
        }
        if (serving) {
            recorder.record(subject, d);
        }
        return true;
    }
}
