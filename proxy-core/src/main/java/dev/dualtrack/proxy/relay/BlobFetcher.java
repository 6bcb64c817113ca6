package dev.dualtrack.proxy.relay;

import dev.dualtrack.config.RelayConfig;
import dev.dualtrack.proxy.cache.BlobCache;
import dev.dualtrack.proxy.cache.SingleFlight;
import dev.dualtrack.proxy.gate.Checked;
import dev.dualtrack.proxy.gate.Gate;
import dev.dualtrack.proxy.gate.Gates;
import dev.dualtrack.proxy.gate.Refusals;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import dev.dualtrack.proxy.policy.Judge;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.server.BlobResponder;
import dev.dualtrack.proxy.server.Callbacks;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.store.SharedBlobs;
import dev.dualtrack.proxy.upstream.UpstreamClient;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.ScheduledFuture;
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
    private final Judge judge;
    private final KnownVerdicts known;
    private final Gates gates;
    private final Optional<SharedBlobs> sharedBlobs;

    public BlobFetcher(RelayConfig relay, boolean prefetch, BlobCache cache, VerdictMemory memory,
            UpstreamClient upstream, DecisionRecorder recorder, Judge judge) {
        this(relay, prefetch, cache, memory, upstream, recorder, judge, Optional.empty());
    }

    /** In fleet mode, with the bytes other replicas verified ({@code sharedBlobs}), quarantined if they fail. */
    public BlobFetcher(RelayConfig relay, boolean prefetch, BlobCache cache, VerdictMemory memory,
            UpstreamClient upstream, DecisionRecorder recorder, Judge judge, Optional<SharedBlobs> sharedBlobs) {
        this.judge = judge;
        this.relay = relay;
        this.prefetch = prefetch;
        this.cache = cache;
        this.memory = memory;
        this.upstream = upstream;
        this.recorder = recorder;
        this.metrics = recorder.metrics();
        this.known = new KnownVerdicts(memory, cache, metrics, REINSPECT);
        this.gates = new Gates(judge, recorder);
        this.sharedBlobs = sharedBlobs;
    }

    /** The known-verdict gate, last in every track's file list, and for the adapters' listings. */
    public KnownVerdicts known() {
        return known;
    }

    /** A request the fetcher judges itself: a caller without gates, or a verdict a flight learned meanwhile. */
    private record Plain(Exchange exchange, FetchSpec spec, Subject subject) implements KnownVerdicts.Fetching {
        Plain(Exchange exchange, FetchSpec spec) {
            this(exchange, spec, spec.subject().withSha256(spec.expectedSha256().orElse(spec.subject().sha256())));
        }

        @Override
        public Optional<String> version() {
            return spec.version();
        }

        @Override
        public Refusals dialect() {
            return spec.refusals();
        }
    }

    /** The known-verdict gate, then {@link #deliver}: for callers without gates of their own. */
    public void serve(Exchange ex, FetchSpec spec) {
        gates.run(new Plain(ex, spec), java.util.List.of(known.gate()), admitted -> deliver(ex, spec, admitted));
    }

    /**
     * Serves a file whose gates passed: the cache hit they judged, else one flight (from the fleet's shared
     * bytes when another replica verified them, else from upstream) through the relay.
     */
    public void deliver(Exchange ex, FetchSpec spec, Gates.Admitted admitted) {
        Optional<KnownVerdicts.Hit> hit = admitted.fact(KnownVerdicts.Hit.class);
        if (hit.isPresent() && java.nio.file.Files.isRegularFile(hit.get().cached().blob())) {
            metrics.cacheHit("blob");
            serveBlob(ex, spec, spec.expectedSha256().orElseThrow(), hit.get().cached());
            return;
        }
        Optional<String> sha = spec.expectedSha256();
        if (sharedBlobs.isEmpty() || sha.isEmpty() || cache.contains(sha.get())) {
            fly(ex, spec, 1);
            return;
        }
        // Fleet mode: bytes another replica verified come from the shared store instead of the upstream
        // (verified and inspected all the same); an unreachable store means the upstream.
        Callbacks.then(ex, sharedBlobs.get().source(sha.get()), (stored, error) -> {
            if (stored != null && stored.isPresent()) {
                metrics.cacheHit("shared-blob");
                fly(ex, spec.fromSharedStore(stored.get()), 1);
            } else {
                fly(ex, spec, 1);
            }
        });
    }

    /**
     * Another attempt after a flight this request waited for: its verdict is new to this request, so a cache
     * hit is judged here before it is served.
     */
    private void again(Exchange ex, FetchSpec spec, int attempt) {
        Optional<BlobCache.Cached> cached = spec.expectedSha256().flatMap(cache::find)
                .filter(c -> c.verdict().answers(spec.inspection()));
        if (cached.isPresent()) {
            metrics.cacheHit("blob");
            serveCached(ex, spec, spec.subject().withSha256(spec.expectedSha256().get()), cached.get());
            return;
        }
        fly(ex, spec, attempt);
    }

    /** One upstream fetch per blob: the leader runs it through the relay, the others wait for its outcome. */
    private void fly(Exchange ex, FetchSpec spec, int attempt) {
        if (spec.expectedSha256().isPresent()) {
            metrics.cacheMiss("blob");
        }
        SingleFlight.Flight<FetchOutcome> flight = flights.join(spec.flightKey());
        if (ex.headers().contains(HttpHeaderNames.RANGE) && !ex.isHead()) {
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

    /**
     * A verified blob from the cache whose findings this request has not been judged on yet (it waited for a
     * flight): judged through the runner like any gate's, then served.
     */
    private void serveCached(Exchange ex, FetchSpec spec, Subject subject, BlobCache.Cached c) {
        gates.run(new Plain(ex, spec, subject), java.util.List.of(Gate.of("cached findings",
                r -> Checked.judged(c.verdict().verdict()))), admitted -> serveBlob(ex, spec, subject.sha256(), c));
    }

    /**
     * Serves a judged blob from disk, whole or a range; the one place a cache hit is recorded as allowed. Only a
     * whole GET goes into the ledger of files served (the AI-BOM): a HEAD or a range gave the client no file.
     */
    private void serveBlob(Exchange ex, FetchSpec spec, String sha, BlobCache.Cached c) {
        if (ex.isHead() || ex.headers().contains(HttpHeaderNames.RANGE)) {
            recorder.allowed(spec.subject().withSha256(sha));
            BlobResponder.serve(ex, c.blob(), cachedHeaders(spec, sha));
            return;
        }
        long size;
        try {
            size = java.nio.file.Files.size(c.blob());
        } catch (java.io.IOException e) {
            size = -1; // served below, or answered as a failed read there; the ledger says it was not measured
        }
        recorder.served(spec.subject().withSha256(sha), spec.revision(), spec.version().orElse(""), size,
                c.verdict().inspection(), c.verdict().verdict().findings().stream()
                        .map(dev.dualtrack.scanner.Finding::rule).distinct().toList());
        BlobResponder.serve(ex, c.blob(), cachedHeaders(spec, sha));
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
            Subject subject = spec.subject().withSha256(outcome.sha256());
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
                    // A block another request's flight found: it stands for this request too, or policy lets this
                    // request have the file (a waiver, warn, monitor) and its own fetch serves it.
                    gates.run(new Plain(ex, spec, subject), java.util.List.of(Gate.of("shared flight",
                            r -> Checked.tentative(outcome.verdict()))),
                            admitted -> retry(ex, spec, attempt, "the shared download was refused, but not for this "
                                    + "request"));
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
        again(ex, spec, attempt + 1);
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
