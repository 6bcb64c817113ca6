package dev.dualtrack.proxy.relay;

import dev.dualtrack.config.RelayConfig;
import dev.dualtrack.proxy.cache.BlobCache;
import dev.dualtrack.proxy.cache.SingleFlight;
import dev.dualtrack.proxy.cache.StoredVerdict;
import dev.dualtrack.proxy.policy.Judge;
import dev.dualtrack.proxy.server.Callbacks;
import dev.dualtrack.proxy.store.SharedBlobs;
import dev.dualtrack.proxy.store.SharedVerdicts;
import java.util.concurrent.CompletableFuture;
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
 *   <li>Known hash: the {@link KnownVerdicts known-verdict gate} judges what is known of those bytes under the
 *       policy in force now: a block that stands is refused before any byte (docs/ARCHITECTURE.md, "Known
 *       verdicts first"); a cached blob is served from disk, with ranges, its stored findings judged like a
 *       fresh download's (warn, waived and allow recorded for this request). A blob whose findings came from
 *       another inspection (an older scanner, other scanner settings, or none) is inspected again from disk
 *       first.</li>
 *   <li>Otherwise one fetch per blob (by hash, or by URL when the hash is not announced). Requests that arrive
 *       while it runs wait for it and are then answered from the cache, or refused as it was, or retry when it
 *       failed.</li>
 *   <li>A {@code Range} request for bytes not yet judged waits for the whole file: it is fetched, verified and
 *       inspected (one flight with any other download of it), and the range is served from the cache. A client
 *       never receives bytes of a file whose verdict is not known (G1 for ranges, docs/guarantees.md).</li>
 * </ol>
 */
public final class BlobFetcher {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BlobFetcher.class);
    /** How many times a follower takes over after failed fetches before it gives up with 502. */
    private static final int MAX_ATTEMPTS = 3;
    /** Reinspection reads the cached blob in chunks of this size. */
    private static final int REINSPECT_CHUNK = 1 << 16;
    /** Reinspections read files and scan them: off the event loops, two at a time. */
    private static final java.util.concurrent.ExecutorService REINSPECT = java.util.concurrent.Executors
            .newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "dualtrack-reinspect");
                t.setDaemon(true);
                return t;
            });

    private final RelayConfig relay;
    private final boolean prefetch;
    private final BlobCache cache;
    private final VerdictMemory memory;
    private final UpstreamClient upstream;
    private final DecisionRecorder recorder;
    private final ProxyMetrics metrics;
    private final SingleFlight<FetchOutcome> flights = new SingleFlight<>();
    private final SingleFlight<StoredVerdict> reinspections = new SingleFlight<>();
    private final Judge judge;
    private final KnownVerdicts known;

    public BlobFetcher(RelayConfig relay, boolean prefetch, BlobCache cache, VerdictMemory memory,
            UpstreamClient upstream, DecisionRecorder recorder, Judge judge) {
        this.judge = judge;
        this.relay = relay;
        this.prefetch = prefetch;
        this.cache = cache;
        this.memory = memory;
        this.upstream = upstream;
        this.recorder = recorder;
        this.metrics = recorder.metrics();
        this.known = new KnownVerdicts(memory, cache, judge, recorder);
    }

    /** The known-verdict gate, for the adapters' refusals before a file's lookup and for listings. */
    public KnownVerdicts known() {
        return known;
    }

    /** The verdict known for a hash, if any (adapters use it to hide known-bad files from listings). */
    public Optional<Verdict> knownVerdict(String sha256) {
        return known.of(sha256);
    }

    /** The verdict known for bytes with this git blob id, if any (the Hub's regular files). */
    public Optional<Verdict> knownByGitBlob(String oid) {
        return known.ofGitBlob(oid);
    }

    /** A block remembered for a location ({@link FetchSpec#locationKey}) whose bytes were never seen whole. */
    public Optional<Verdict> knownAt(String location) {
        return known.at(location);
    }

    public void serve(Exchange ex, FetchSpec spec) {
        Optional<SharedVerdicts> verdicts = memory.shared();
        Optional<String> expected = spec.expectedSha256();
        if (expected.isEmpty() || (verdicts.isEmpty() && sharedBlobs.isEmpty()) || cache.contains(expected.get())
                || memory.bySha256(expected.get()).filter(Verdict::blocked).isPresent()) {
            serve(ex, spec, 1);
            return;
        }
        // Fleet mode: a block another replica found refuses these bytes before any byte; bytes another replica
        // verified come from the shared store instead of the upstream (verified and held all the same).
        String sha = expected.get();
        CompletableFuture<Optional<Verdict>> block = verdicts.map(v -> v.lookup(sha))
                .orElse(CompletableFuture.completedFuture(Optional.empty()));
        CompletableFuture<Optional<java.net.URI>> stored = sharedBlobs.map(b -> b.source(sha))
                .orElse(CompletableFuture.completedFuture(Optional.empty()));
        Callbacks.then(ex, block.thenCombine(stored, FleetAnswer::new), (fleet, error) -> {
            // Unreachable store: the file is fetched from upstream and scanned here, as without fleet mode.
            FleetAnswer a = fleet == null ? new FleetAnswer(Optional.empty(), Optional.empty()) : fleet;
            a.block().ifPresent(b -> memory.rememberLocally(b, sha, Optional.empty()));
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

    private Optional<SharedBlobs> sharedBlobs = Optional.empty();

    /** Reads verified bytes other replicas shared, and quarantines any that fail verification (fleet mode). */
    public void shareBlobs(SharedBlobs blobs) {
        this.sharedBlobs = Optional.of(blobs);
    }

    /** Shares this replica's blocks with the fleet and looks theirs up (fleet mode). */
    public void share(SharedVerdicts verdicts) {
        memory.share(verdicts);
    }

    private void serve(Exchange ex, FetchSpec spec, int attempt) {
        // A block remembered for this location (a mismatch a minute ago, a block before the end of the body)
        // stands before anything known by hash: the source misbehaved, whatever others announced.
        Optional<Verdict> here = known.at(spec.location());
        if (here.isPresent()) {
            metrics.cacheHit("verdict");
            if (!known.admit(ex, spec.refusals(), spec.subject(), spec.version(), here.get(), false)) {
                return;
            }
        }
        if (spec.expectedSha256().isPresent()) {
            String sha = spec.expectedSha256().get();
            DecisionRecorder.Subject subject = spec.subject().withSha256(sha);
            Optional<BlobCache.Cached> cached = cache.find(sha);
            if (cached.isPresent() && !cached.get().verdict().answers(spec.inspection())) {
                reinspect(ex, spec, cached.get(), attempt);
                return;
            }
            if (cached.isPresent()) {
                metrics.cacheHit("blob");
                serveCached(ex, spec, subject, cached.get());
                return;
            }
            metrics.cacheMiss("blob");
            Optional<Verdict> block = memory.bySha256(sha).filter(Verdict::blocked);
            if (block.isPresent()) {
                metrics.cacheHit("verdict");
                if (!known.admit(ex, spec.refusals(), subject, spec.version(), block.get(), false)) {
                    return;
                }
                // Served after all (a waiver, warn, monitor): the relay judges and records the fresh bytes.
            }
        }
        SingleFlight.Flight<FetchOutcome> flight = flights.join(spec.flightKey());
        boolean range = ex.headers().contains(HttpHeaderNames.RANGE) && !ex.isHead();
        if (range) {
            // The range waits for the verdict on the whole file, then is served from the cache.
            if (flight.leader()) {
                lead(null, ex, spec, flight);
            }
            follow(ex, spec, flight, attempt);
        } else if (flight.leader()) {
            lead(ex, ex, spec, flight);
        } else {
            follow(ex, spec, flight, attempt);
        }
    }

    /** A cache hit: the stored findings judged now, then the blob from disk (whole or a range). */
    private void serveCached(Exchange ex, FetchSpec spec, DecisionRecorder.Subject subject, BlobCache.Cached c) {
        if (!known.admit(ex, spec.refusals(), subject, spec.version(), c.verdict().verdict(), true)) {
            return;
        }
        recorder.allowed(subject);
        BlobResponder.serve(ex, c.blob(), cachedHeaders(spec, subject.sha256()));
    }

    /**
     * Inspects a cached blob again, under the inspection this request needs, from disk and off the event loop;
     * stores the new findings with it and serves it under them. Concurrent requests share one reinspection.
     */
    private void reinspect(Exchange ex, FetchSpec spec, BlobCache.Cached c, int attempt) {
        String sha = spec.expectedSha256().orElseThrow();
        SingleFlight.Flight<StoredVerdict> flight = reinspections.join(sha + "\u0000" + spec.inspection());
        if (flight.leader()) {
            metrics.cacheHit("reinspect");
            CompletableFuture.supplyAsync(() -> inspectFile(spec, c.blob()), REINSPECT).whenComplete((v, error) -> {
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
        flight.result().whenCompleteAsync((stored, error) -> {
            if (ex.isDone()) {
                return;
            }
            DecisionRecorder.Subject subject = spec.subject().withSha256(sha);
            Optional<BlobCache.Cached> now = cache.find(sha);
            if (stored == null || now.isEmpty()) {
                serve(ex, spec, attempt + 1); // evicted meanwhile: fetched like any miss
                return;
            }
            serveCached(ex, spec, subject, new BlobCache.Cached(now.get().blob(), stored));
        }, ex.eventLoop());
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

    /**
     * Leads a fetch. {@code client} is the exchange the relay answers, or null when the fetch only fills the cache
     * for a range request that waits for it ({@code origin} is then the exchange whose event loop it runs on).
     */
    private void lead(Exchange client, Exchange origin, FetchSpec spec, SingleFlight.Flight<FetchOutcome> flight) {
        StreamingRelay relayer = new StreamingRelay(client, origin.eventLoop(), spec, relay, prefetch || client == null,
                cache, memory, recorder, judge, outcome -> {
            if (outcome.kind() == FetchOutcome.Kind.BLOCKED && spec.fromSharedStore()) {
                // The shared copy did not verify: it is removed, and nothing is remembered against the file, so
                // the next request fetches it from upstream.
                spec.expectedSha256().ifPresent(sha -> sharedBlobs.ifPresent(b -> b.quarantine(sha)));
            } else if (outcome.kind() == FetchOutcome.Kind.BLOCKED && !seenAsAnnounced(spec, outcome)) {
                // Bytes never seen whole, or not the announced ones: what we know is about this location only.
                String rule = outcome.verdict().rule();
                boolean mismatch = rule.equals(spec.hashMismatchRule())
                        || spec.expectedGitBlob().filter(g -> g.rule().equals(rule)).isPresent();
                if (mismatch && spec.secondHand().isPresent()) {
                    // The digests came from another replica's metadata: a forged object in the bucket must not
                    // make this replica refuse a clean file. Refused now; asked of the source next time.
                    spec.secondHand().get().run();
                } else {
                    memory.rememberAt(spec.location(), outcome.verdict(), mismatch);
                }
            }
            flight.complete(outcome.at(spec.location()));
        });
        upstream.fetch(origin.eventLoop(), spec.upstream(), relayer);
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
            DecisionRecorder.Subject subject = spec.subject().withSha256(outcome.sha256());
            switch (outcome.kind()) {
                case ALLOWED -> {
                    Optional<BlobCache.Cached> blob = cache.find(outcome.sha256());
                    if (blob.isPresent() && blob.get().verdict().answers(spec.inspection())) {
                        metrics.cacheHit("blob");
                        // Judged and counted for this request, as every cache hit is (G5).
                        serveCached(ex, spec, subject, blob.get());
                    } else if (ex.headers().contains(HttpHeaderNames.RANGE) && attempt < MAX_ATTEMPTS) {
                        // Too large to cache (or evicted already): the range is answered with the whole file,
                        // streamed through the relay like any download (a 200 to a Range is allowed).
                        SingleFlight.Flight<FetchOutcome> again = flights.join(spec.flightKey());
                        if (again.leader()) {
                            lead(ex, ex, spec, again);
                        } else {
                            follow(ex, spec, again, attempt + 1);
                        }
                    } else {
                        retry(ex, spec, attempt, "the shared download was not cached");
                    }
                }
                case BLOCKED -> {
                    if (!outcome.location().equals(spec.location()) && !seenAsAnnounced(spec, outcome)) {
                        // Another source announced the same hash, and its bytes were blocked before they could be
                        // told apart from ours: say nothing about ours, fetch them.
                        retry(ex, spec, attempt, "the shared download from another source was refused");
                        return;
                    }
                    if (known.admit(ex, spec.refusals(), subject, spec.version(), outcome.verdict(), false)) {
                        // Policy lets this request have it (a waiver, warn, monitor): its own fetch serves it.
                        retry(ex, spec, attempt, "the shared download was refused, but not for this request");
                    }
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
