package dev.dualtrack.proxy.relay;

import com.github.benmanes.caffeine.cache.Cache;
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
 *   <li>Known hash, known verdict: a cached block is refused at once, before any byte (DESIGN.md, "Known
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
    private final Cache<String, Verdict> verdicts;
    private final UpstreamClient upstream;
    private final DecisionRecorder recorder;
    private final ProxyMetrics metrics;
    private final SingleFlight<FetchOutcome> flights = new SingleFlight<>();
    /**
     * Locations ({@link FetchSpec#location()}) whose bytes just failed to match their announced hash, for a short
     * while. A client whose download was cut short at the tail retries at once (huggingface_hub resumes with a
     * Range, five times): it then gets a clean 403 naming the rule instead of another cut. Short, because a CDN
     * fault may be transient and the file itself good.
     *
     * <p>Keyed by location, never by the announced hash: an attacker's repo may announce the hash of a popular
     * clean file and serve other bytes, and that must not get the clean file refused everywhere else.
     */
    private final Cache<String, Verdict> recentMismatches = com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(java.time.Duration.ofSeconds(60)).build();
    /**
     * Locations whose bytes were blocked before their end, so that their hash was never learnt (a pickle's
     * GLOBAL comes first; a chunked body is not drained). The next request for the same file at the same
     * revision is refused before any byte; the same hash announced anywhere else is not.
     */
    private final Cache<String, Verdict> locationBlocks = com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(java.time.Duration.ofHours(24)).build();

    private final dev.dualtrack.proxy.policy.Judge judge;

    public BlobFetcher(RelayConfig relay, boolean prefetch, BlobCache cache, Cache<String, Verdict> verdicts,
            UpstreamClient upstream, DecisionRecorder recorder, dev.dualtrack.proxy.policy.Judge judge) {
        this.judge = judge;
        this.relay = relay;
        this.prefetch = prefetch;
        this.cache = cache;
        this.verdicts = verdicts;
        this.upstream = upstream;
        this.recorder = recorder;
        this.metrics = recorder.metrics();
    }

    /** The verdict cached for a hash, if any (adapters use it to hide known-bad files from listings). */
    public Optional<Verdict> knownVerdict(String sha256) {
        return Optional.ofNullable(verdicts.getIfPresent(sha256.toLowerCase(java.util.Locale.ROOT)));
    }

    /** A block remembered for a location ({@link FetchSpec#locationKey}) whose bytes were never seen whole. */
    public Optional<Verdict> knownAt(String location) {
        Verdict v = locationBlocks.getIfPresent(location);
        if (v == null) {
            v = recentMismatches.getIfPresent(location);
        }
        return Optional.ofNullable(v).filter(Verdict::blocked);
    }

    public void serve(Exchange ex, FetchSpec spec) {
        serve(ex, spec, 1);
    }

    private void serve(Exchange ex, FetchSpec spec, int attempt) {
        if (spec.expectedSha256().isPresent()) {
            String sha = spec.expectedSha256().get();
            Verdict known = verdicts.getIfPresent(sha);
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
        StreamingRelay relayer = new StreamingRelay(ex, spec, relay, prefetch, cache, verdicts, recorder, judge,
                outcome -> {
            if (outcome.kind() == FetchOutcome.Kind.BLOCKED && !seenAsAnnounced(spec, outcome)) {
                // Bytes never seen whole, or not the announced ones: what we know is about this location only.
                (outcome.verdict().rule().equals(spec.hashMismatchRule()) ? recentMismatches : locationBlocks)
                        .put(spec.location(), outcome.verdict());
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
                        recorder.allowed(spec.subject().withSha256(outcome.sha256()));
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
