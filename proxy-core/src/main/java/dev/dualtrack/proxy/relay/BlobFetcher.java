package dev.dualtrack.proxy.relay;

import dev.dualtrack.config.RelayConfig;
import dev.dualtrack.proxy.cache.BlobCache;
import dev.dualtrack.proxy.cache.SingleFlight;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import dev.dualtrack.proxy.server.BlobResponder;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.upstream.UpstreamClient;
import dev.dualtrack.scanner.Verdict;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Delivers a file to a client: from what is already known when possible, else by one upstream fetch through the
 * {@link StreamingRelay}.
 *
 * <ol>
 *   <li>Known hash, known verdict: a cached block is refused at once, before any byte (docs/ARCHITECTURE.md, "Known
 *       verdicts first").</li>
 *   <li>Known hash, cached blob: served from disk, with ranges.</li>
 *   <li>Otherwise one fetch per blob (by hash, or by URL when the hash is not announced). Requests that arrive
 *       while it runs wait for it and are then answered from the cache, or refused as it was, or retry when it
 *       failed.</li>
 * </ol>
 */
public final class BlobFetcher {
    /** How many times a follower takes over after failed fetches before it gives up with 502. */
    private static final int MAX_ATTEMPTS = 3;

    private final RelayConfig relay;
    private final boolean prefetch;
    private final BlobCache cache;
    private final VerdictMemory memory;
    private final UpstreamClient upstream;
    private final DecisionRecorder recorder;
    private final ProxyMetrics metrics;
    private final SingleFlight<FetchOutcome> flights = new SingleFlight<>();
    private final dev.dualtrack.proxy.policy.Judge judge;

    public BlobFetcher(RelayConfig relay, boolean prefetch, BlobCache cache, VerdictMemory memory,
            UpstreamClient upstream, DecisionRecorder recorder, dev.dualtrack.proxy.policy.Judge judge) {
        this.judge = judge;
        this.relay = relay;
        this.prefetch = prefetch;
        this.cache = cache;
        this.memory = memory;
        this.upstream = upstream;
        this.recorder = recorder;
        this.metrics = recorder.metrics();
    }

    /** The verdict cached for a hash, if any (adapters use it to hide known-bad files from listings). */
    public Optional<Verdict> knownVerdict(String sha256) {
        return memory.bySha256(sha256);
    }

    /** The verdict cached for bytes with this git blob id, if any (the Hub's regular files). */
    public Optional<Verdict> knownByGitBlob(String oid) {
        return memory.byGitBlob(oid);
    }

    /** A block remembered for a location ({@link FetchSpec#locationKey}) whose bytes were never seen whole. */
    public Optional<Verdict> knownAt(String location) {
        return memory.at(location);
    }

    public void serve(Exchange ex, FetchSpec spec) {
        Optional<dev.dualtrack.proxy.store.SharedVerdicts> verdicts = memory.shared();
        Optional<String> expected = spec.expectedSha256();
        if (expected.isEmpty() || (verdicts.isEmpty() && sharedBlobs.isEmpty()) || cache.find(expected.get())
                .isPresent() || memory.bySha256(expected.get()).filter(Verdict::blocked).isPresent()) {
            serve(ex, spec, 1);
            return;
        }
        // Fleet mode: a block another replica found refuses these bytes before any byte; bytes another replica
        // verified come from the shared store instead of the upstream (verified and held all the same).
        String sha = expected.get();
        java.util.concurrent.CompletableFuture<Optional<Verdict>> block = verdicts.map(v -> v.lookup(sha))
                .orElse(java.util.concurrent.CompletableFuture.completedFuture(Optional.empty()));
        java.util.concurrent.CompletableFuture<Optional<java.net.URI>> stored = sharedBlobs.map(b -> b.source(sha))
                .orElse(java.util.concurrent.CompletableFuture.completedFuture(Optional.empty()));
        dev.dualtrack.proxy.server.Callbacks.then(ex, block.thenCombine(stored, FleetAnswer::new), (fleet, error) -> {
            // Unreachable store: the file is fetched from upstream and scanned here, as without fleet mode.
            FleetAnswer a = fleet == null ? new FleetAnswer(Optional.empty(), Optional.empty()) : fleet;
            a.block().ifPresent(known -> memory.rememberLocally(known, sha, Optional.empty()));
            if (a.block().isEmpty() && a.blob().isPresent()) {
                metrics.cacheHit("shared-blob");
                serve(ex, spec.fromSharedStore(a.blob().get()), 1);
            } else {
                serve(ex, spec, 1);
            }
        });
    }

    /** What the fleet knows of a sha256: a block another replica found, and where its verified bytes are. */
    private record FleetAnswer(Optional<Verdict> block, Optional<java.net.URI> blob) {
    }

    private Optional<dev.dualtrack.proxy.store.SharedBlobs> sharedBlobs = Optional.empty();

    /** Reads verified bytes other replicas shared, and quarantines any that fail verification (fleet mode). */
    public void shareBlobs(dev.dualtrack.proxy.store.SharedBlobs blobs) {
        this.sharedBlobs = Optional.of(blobs);
    }

    /** Shares this replica's blocks with the fleet and looks theirs up (fleet mode). */
    public void share(dev.dualtrack.proxy.store.SharedVerdicts verdicts) {
        memory.share(verdicts);
    }

    private void serve(Exchange ex, FetchSpec spec, int attempt) {
        if (spec.expectedSha256().isPresent()) {
            String sha = spec.expectedSha256().get();
            Verdict known = memory.bySha256(sha).orElse(null);
            if (known == null || !known.blocked()) {
                known = knownAt(spec.location()).orElse(null);
            }
            dev.dualtrack.proxy.policy.Judgement passed = null;
            if (known != null && known.blocked()) {
                metrics.cacheHit("verdict");
                dev.dualtrack.proxy.policy.Judgement j = judge.judge(spec.subject().withSha256(sha), spec.version(),
                        known);
                if (j.blocks()) {
                    String id = recorder.judgedId(spec.subject().withSha256(sha), j).orElse("");
                    spec.refusals().refuse(ex, new Refusal(known, id, spec.subject().withSha256(sha)));
                    return;
                }
                passed = j; // served after all: recorded below if from the cache, else by the relay
            }
            Optional<Path> blob = cache.find(sha);
            if (blob.isPresent()) {
                metrics.cacheHit("blob");
                if (passed != null) {
                    recorder.judged(spec.subject().withSha256(sha), passed);
                }
                recorder.allowed(spec.subject().withSha256(sha));
                BlobResponder.serve(ex, blob.get(), cachedHeaders(spec, sha));
                return;
            }
            metrics.cacheMiss("blob");
        }
        Optional<Verdict> here = spec.expectedSha256().isPresent() ? Optional.empty() : knownAt(spec.location());
        if (here.isPresent() && judge.judge(spec.subject(), spec.version(), here.get()).blocks()) {
            metrics.cacheHit("verdict");
            String id = recorder.blocked(spec.subject(), here.get());
            spec.refusals().refuse(ex, new Refusal(here.get(), id, spec.subject()));
            return;
        }
        SingleFlight.Flight<FetchOutcome> flight = flights.join(spec.flightKey());
        if (flight.leader()) {
            lead(ex, spec, flight);
        } else {
            follow(ex, spec, flight, attempt);
        }
    }

    private void lead(Exchange ex, FetchSpec spec, SingleFlight.Flight<FetchOutcome> flight) {
        StreamingRelay relayer = new StreamingRelay(ex, spec, relay, prefetch, cache, memory, recorder, judge,
                outcome -> {
            if (outcome.kind() == FetchOutcome.Kind.BLOCKED && spec.fromSharedStore()) {
                // The shared copy did not verify: it is removed, and nothing is remembered against the file, so
                // the next request fetches it from upstream.
                spec.expectedSha256().ifPresent(sha -> sharedBlobs.ifPresent(b -> b.quarantine(sha)));
            } else if (outcome.kind() == FetchOutcome.Kind.BLOCKED && !seenAsAnnounced(spec, outcome)) {
                // Bytes never seen whole, or not the announced ones: what we know is about this location only.
                String rule = outcome.verdict().rule();
                memory.rememberAt(spec.location(), outcome.verdict(), rule.equals(spec.hashMismatchRule())
                        || spec.expectedGitBlob().filter(g -> g.rule().equals(rule)).isPresent());
            }
            flight.complete(outcome.at(spec.location()));
        });
        upstream.fetch(ex.eventLoop(), spec.upstream(), relayer);
    }

    private void follow(Exchange ex, FetchSpec spec, SingleFlight.Flight<FetchOutcome> flight, int attempt) {
        ScheduledFuture<?> timeout = ex.eventLoop().schedule(() -> {
            if (!ex.isDone()) {
                ex.respondText(HttpResponseStatus.GATEWAY_TIMEOUT, "waited " + relay.followerWait().toSeconds()
                        + " s for another download of the same file to finish\n");
            }
        }, relay.followerWait().toMillis(), TimeUnit.MILLISECONDS);
        flight.result().whenCompleteAsync((outcome, error) -> {
            timeout.cancel(false);
            if (ex.isDone()) {
                return;
            }
            if (error != null) {
                ex.respondText(HttpResponseStatus.BAD_GATEWAY, "shared download failed: " + error + "\n");
                return;
            }
            switch (outcome.kind()) {
                case ALLOWED -> {
                    Optional<Path> blob = cache.find(outcome.sha256());
                    if (blob.isPresent()) {
                        metrics.cacheHit("blob");
                        // Bytes the leader served under a waiver (or warn, or monitor): this request is judged
                        // and counted for itself, as a cache hit is (G5).
                        DecisionRecorder.Subject subject = spec.subject().withSha256(outcome.sha256());
                        Optional<Verdict> known = memory.bySha256(outcome.sha256()).filter(Verdict::blocked);
                        if (known.isPresent()) {
                            dev.dualtrack.proxy.policy.Judgement j = judge.judge(subject, spec.version(), known.get());
                            if (j.blocks()) {
                                String id = recorder.judgedId(subject, j).orElse("");
                                spec.refusals().refuse(ex, new Refusal(known.get(), id, subject));
                                return;
                            }
                            recorder.judged(subject, j);
                        }
                        recorder.allowed(subject);
                        BlobResponder.serve(ex, blob.get(), cachedHeaders(spec, outcome.sha256()));
                    } else {
                        // Too large to cache, or evicted already: fetch again.
                        retry(ex, spec, attempt, "the shared download was not cached");
                    }
                }
                case BLOCKED -> {
                    if (!judge.judge(spec.subject().withSha256(outcome.sha256()), spec.version(), outcome.verdict())
                            .blocks()) {
                        // Policy lets this request have it (a waiver, warn, monitor): its own fetch serves it.
                        retry(ex, spec, attempt, "the shared download was refused, but not for this request");
                        return;
                    }
                    if (!outcome.location().equals(spec.location()) && !seenAsAnnounced(spec, outcome)) {
                        // Another source announced the same hash, and its bytes were blocked before they could be
                        // told apart from ours: say nothing about ours, fetch them.
                        retry(ex, spec, attempt, "the shared download from another source was refused");
                        return;
                    }
                    String id = recorder.blocked(spec.subject().withSha256(outcome.sha256()), outcome.verdict());
                    spec.refusals().refuse(ex, new Refusal(outcome.verdict(), id,
                            spec.subject().withSha256(outcome.sha256())));
                }
                case UPSTREAM_STATUS -> spec.refusals().upstreamStatus(ex, outcome.upstreamStatus(), outcome.detail());
                case FAILED -> retry(ex, spec, attempt, outcome.detail());
                default -> throw new IllegalStateException("unknown outcome " + outcome);
            }
        }, ex.eventLoop());
    }

    /** Whether a block is about bytes read whole that hash to what {@code spec} expects. */
    private static boolean seenAsAnnounced(FetchSpec spec, FetchOutcome outcome) {
        return !outcome.sha256().isEmpty() && spec.expectedSha256().filter(outcome.sha256()::equals).isPresent();
    }

    private void retry(Exchange ex, FetchSpec spec, int attempt, String why) {
        if (attempt >= MAX_ATTEMPTS) {
            ex.respondText(HttpResponseStatus.BAD_GATEWAY, "download failed " + attempt + " times; last: " + why + "\n");
            return;
        }
        serve(ex, spec, attempt + 1);
    }

    /**
     * The head of a cached answer: what the adapter adds when it has no upstream head to copy (the Hub adapter's
     * commit and linked ETag), then the type and the hash.
     */
    private static HttpHeaders cachedHeaders(FetchSpec spec, String sha) {
        HttpHeaders h = new DefaultHttpHeaders().add(spec.clientHeaders().apply(new DefaultHttpHeaders()));
        h.set(HttpHeaderNames.CONTENT_TYPE, spec.contentType());
        h.set(HttpHeaderNames.ETAG, "\"" + sha + "\"");
        return h;
    }

    /** Fetches in progress now (for tests and metrics). */
    public int inFlight() {
        return flights.size();
    }
}
