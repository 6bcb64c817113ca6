package dev.dualtrack.proxy.relay;

import dev.dualtrack.proxy.cache.BlobCache;
import dev.dualtrack.proxy.cache.SingleFlight;
import dev.dualtrack.proxy.cache.StoredVerdict;
import dev.dualtrack.proxy.gate.Checked;
import dev.dualtrack.proxy.gate.Gate;
import dev.dualtrack.proxy.gate.Gated;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import dev.dualtrack.scanner.Verdict;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The known-verdict gate: what is already known about a file's bytes, judged under the policy in force now. It is
 * the one place a known verdict is looked up, once per request, for a cache hit as much as for a refusal before
 * any byte; its answer goes through the track's {@link dev.dualtrack.proxy.gate.Gates} like every other gate's.
 *
 * <p>What is known about bytes comes from three places, in this order: a block remembered for the location (a
 * source that misbehaved a minute ago), the findings stored with a cached blob
 * ({@link dev.dualtrack.proxy.cache.StoredVerdict}, kept across restarts; inspected again from disk, off the
 * loops, when another inspection made them), and the verdict memory (blocks of bytes that were never cached, and
 * in fleet mode what other replicas found). Neither is a decision: monitor mode, a warn or a waiver decided for
 * the request that let a file through, and a later request is judged again, so switching to enforce or revoking
 * a waiver takes effect at the next request, restart or not (G4).
 */
public final class KnownVerdicts {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KnownVerdicts.class);
    /** Reinspection reads the cached blob in chunks of this size. */
    private static final int REINSPECT_CHUNK = 1 << 16;

    /** A request that fetches a file: the gates' record and what it will fetch. */
    public interface Fetching extends Gated {
        FetchSpec spec();
    }

    /** A cache hit whose stored findings the gate judged for this request: served without judging again. */
    public record Hit(BlobCache.Cached cached) {
    }

    private final VerdictMemory memory;
    private final BlobCache cache;
    private final ProxyMetrics metrics;
    private final Executor reinspectOn;
    private final SingleFlight<StoredVerdict> reinspections = new SingleFlight<>();
    private final Gate<Fetching> gate = Gate.async("known verdict", r -> check(r.spec()));

    KnownVerdicts(VerdictMemory memory, BlobCache cache, ProxyMetrics metrics, Executor reinspectOn) {
        this.memory = memory;
        this.cache = cache;
        this.metrics = metrics;
        this.reinspectOn = reinspectOn;
    }

    /** The gate, last in every track's file list. */
    public Gate<Fetching> gate() {
        return gate;
    }

    /** The verdict known for bytes with this sha256: the cached blob's stored findings, else the memory's. */
    public Optional<Verdict> of(String sha256) {
        return cache.find(sha256).map(c -> c.verdict().verdict()).or(() -> memory.bySha256(sha256));
    }

    /**
     * What is known of the bytes {@code spec} would fetch. A cached blob's findings are judged and recorded for
     * this request (it is served from them) and handed on as a {@link Hit}; blocks of bytes not cached are
     * tentative: when policy lets them through, the bytes are fetched and the relay records its own decision.
     */
    CompletionStage<Checked> check(FetchSpec spec) {
        Checked here = memory.at(spec.location()).map(v -> {
            metrics.cacheHit("verdict");
            return Checked.tentative(v);
        }).orElse(Checked.pass());
        if (spec.expectedSha256().isEmpty()) {
            // The Hub's regular files are known by their git blob id until their bytes are read.
            return CompletableFuture.completedFuture(here.and(spec.expectedGitBlob()
                    .flatMap(g -> memory.byGitBlob(g.oid())).filter(Verdict::blocked)
                    .map(Checked::tentative).orElse(Checked.pass())));
        }
        String sha = spec.expectedSha256().get();
        Optional<BlobCache.Cached> cached = cache.find(sha);
        if (cached.isPresent() && cached.get().verdict().answers(spec.inspection())) {
            return CompletableFuture.completedFuture(here.and(Checked.judged(cached.get().verdict().verdict())
                    .with(new Hit(cached.get()))));
        }
        if (cached.isPresent()) {
            return reinspect(spec, cached.get()).thenApply(stored -> here.and(Checked.judged(stored.verdict())
                    .with(new Hit(new BlobCache.Cached(cached.get().blob(), stored)))));
        }
        Optional<Verdict> block = memory.bySha256(sha).filter(Verdict::blocked);
        if (block.isPresent()) {
            metrics.cacheHit("verdict");
            return CompletableFuture.completedFuture(here.and(Checked.tentative(block.get())));
        }
        if (memory.shared().isEmpty()) {
            return CompletableFuture.completedFuture(here);
        }
        // Fleet mode: a block another replica found refuses these bytes before any byte. An unreachable store
        // knows nothing: the file is fetched from upstream and inspected here, as without fleet mode.
        return memory.shared().get().lookup(sha).handle((found, error) -> {
            Optional<Verdict> b = found == null ? Optional.empty() : found.filter(Verdict::blocked);
            b.ifPresent(v -> memory.rememberLocally(v, sha, Optional.empty()));
            return here.and(b.map(Checked::tentative).orElse(Checked.pass()));
        });
    }

    /**
     * Inspects a cached blob again, under the inspection {@code spec} needs, from disk and off the event loop;
     * stores the new findings with it. Concurrent requests share one reinspection.
     */
    private CompletionStage<StoredVerdict> reinspect(FetchSpec spec, BlobCache.Cached c) {
        String sha = spec.expectedSha256().orElseThrow();
        SingleFlight.Flight<StoredVerdict> flight = reinspections.join(sha + "\u0000" + spec.inspection());
        if (flight.leader()) {
            metrics.cacheHit("reinspect");
            CompletableFuture.supplyAsync(() -> inspectFile(spec, c.blob()), reinspectOn).whenComplete((v, error) -> {
                StoredVerdict stored = v != null ? v : new StoredVerdict(spec.inspection(), Verdict.block(
                        ProxyRules.INSPECTOR_ERROR, "the cached file could not be inspected again: " + error));
                try {
                    if (v != null && cache.restate(sha, stored)) {
                        memory.rememberLocally(stored.verdict(), sha, Optional.empty());
                    }
                } catch (java.io.IOException e) {
                    LOG.warn("cannot store the new verdict of {}: {}", sha, e.toString());
                }
                flight.complete(stored);
            });
        }
        return flight.result();
    }

    /** Feeds a file to a fresh inspector of {@code spec}, every finding kept (blocks do not stop it). */
    private static StoredVerdict inspectFile(FetchSpec spec, java.nio.file.Path file) {
        Inspector inspector = spec.inspector().get();
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(REINSPECT_CHUNK);
            while (ch.read(buf.clear()) >= 0) {
                if (inspector.feed(buf.flip().asReadOnlyBuffer()) == Inspector.Status.BLOCKED) {
                    inspector.newBlocks();
                }
            }
            Verdict v = inspector.finish();
            return new StoredVerdict(spec.inspection(), v == null ? Verdict.block(ProxyRules.INSPECTOR_ERROR,
                    inspector.name() + " returned no verdict") : v);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (RuntimeException e) {
            return new StoredVerdict(spec.inspection(), Verdict.block(ProxyRules.INSPECTOR_ERROR,
                    inspector.name() + " failed: " + e));
        } finally {
            inspector.close();
        }
    }
}
