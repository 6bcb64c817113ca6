package dev.dualtrack.proxy.relay;

import dev.dualtrack.config.RelayConfig;
import dev.dualtrack.proxy.cache.BlobCache;
import dev.dualtrack.proxy.cache.QueuedBlobWriter;
import dev.dualtrack.proxy.gate.Refusal;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.server.ResponseStream;
import dev.dualtrack.proxy.upstream.UpstreamException;
import dev.dualtrack.proxy.upstream.UpstreamExchange;
import dev.dualtrack.proxy.upstream.UpstreamListener;
import dev.dualtrack.scanner.Verdict;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * The relay is the one place G1 and G4 are enforced, so it is written as a state machine (RelayState): one
 * field says where it is, every change goes through to(), and onContent is a switch on it. Every path ends in
 * finishAllowed() (COMMITTING, then DONE), block() or fail() (DONE) or blockEarly() (DRAINING or DONE), each
 * of which cancels or completes the upstream, settles the cache writer and reports one FetchOutcome.
 *
 * Per chunk, in this order: hash, inspect, queue for the cache temp file, add to the hold, release what the
 * release rule allows. Bytes are released only after the inspector has seen them (they were fed before being
 * added to the hold) and never from the last `hold` bytes or from the inspector's holdFrom() offset on.
 *
 * The response head is sent lazily, with the first released bytes. So a block found within the first `hold`
 * bytes (a malicious pickle's GLOBAL is usually in its first kilobytes) is still a clean 403, even in stream
 * mode.
 *
 * Back-pressure: we ask the upstream for more only while the client's socket is writable and the cache write
 * is not behind; ServerHandler calls onClientWritable() once the socket drains, the cache writer calls
 * onDiskCaughtUp(). If the client leaves, the upstream is cancelled unless cache.prefetch is on, in which case
 * the relay keeps reading into the cache with no one to send to.
 *
 * Everything runs on the client connection's event loop; the upstream fetch was started on the same loop. The
 * only exception is file I/O: cache writes and the commit run in order on a file-I/O thread (QueuedBlobWriter).
 */

/** Relays one upstream body to one client: hash, inspect, hold the tail, release, commit (docs/ARCHITECTURE.md). */
final class StreamingRelay implements UpstreamListener, ResponseStream {
    private static final Logger LOG = LoggerFactory.getLogger(StreamingRelay.class);
    /**
     * After a block found mid-body, the rest of the body is still read (not sent) to learn its sha256, so the
     * block can be audited with its hash and answered from the verdict cache next time. Bodies with more than
     * this left are not worth the bandwidth: they are recorded without a hash.
     */
    static final long DRAIN_LIMIT = 1L << 30;
    /** Where verdicts that read files are made: off the event loops, two at a time. */
    private static final java.util.concurrent.ExecutorService JUDGES = java.util.concurrent.Executors
            .newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "dualtrack-judge");
                t.setDaemon(true);
                return t;
            });

    private final FetchSpec spec;
    private final RelayConfig relay;
    private final boolean prefetch;
    private final BlobCache cache;
    private final VerdictMemory memory;
    /** The body's sha256, and its git blob id when the spec expects one ({@code sha1("blob <size>\0" + bytes)}). */
    private final ContentDigests digests;
    private final DecisionRecorder recorder;
    private final ProxyMetrics metrics;
    private final Consumer<FetchOutcome> onOutcome;
    private final Inspector inspector;

    private Exchange client;
    /** The client connection's event loop, where everything here runs (the client may leave; the loop stays). */
    private final io.netty.channel.EventLoop loop;
    private UpstreamExchange upstream;
    private TailHold hold;
    private QueuedBlobWriter writer;
    private RelayState state = RelayState.AWAITING_HEAD;
    /** Every state this relay was in, in order (tests walk the transitions with it). */
    private final java.util.List<RelayState> path = new java.util.ArrayList<>(6);
    private HttpResponse upstreamHead;
    private long contentLength = -1;
    private long inspectNanos;
    private long received;
    /** In {@link RelayState#DRAINING}: the verdict waiting for the hash of the bytes. */
    private Verdict draining;
    private String drainingId = "";
    private final dev.dualtrack.proxy.policy.Judge judge;
    /**
     * Whether the inspector is still fed. A finding that policy lets through (warn, monitor, a waiver for its rule)
     * never stops it: the rest of the body is inspected and every later finding judged on its own. Only an
     * inspector that threw is fed no more (its state is lost); that error is a finding like any other.
     */
    private boolean inspecting = true;
    /** Blocks the relay itself found and policy let through (a hold limit, an inspector error): findings too. */
    private final java.util.List<Verdict> relayBlocks = new java.util.ArrayList<>();
    /** Set once a hold limit was let through: the inspector's hold request is no longer honoured. */
    private boolean holdUnbounded;

    /**
     * @param client the client to answer, or null for a fetch that only fills the cache (a range request waits
     *               for it, and is then served from the cache)
     * @param loop   the event loop everything here runs on
     */
    StreamingRelay(Exchange client, io.netty.channel.EventLoop loop, FetchSpec spec, RelayConfig relay,
            boolean prefetch, BlobCache cache, VerdictMemory memory, DecisionRecorder recorder,
            dev.dualtrack.proxy.policy.Judge judge, Consumer<FetchOutcome> onOutcome) {
        this.judge = judge;
        this.client = client;
        this.loop = loop;
        this.spec = spec;
        this.relay = relay;
        this.prefetch = prefetch;
        this.cache = cache;
        this.memory = memory;
        this.recorder = recorder;
        this.metrics = recorder.metrics();
        this.onOutcome = onOutcome;
        this.digests = new ContentDigests(spec.expectedGitBlob().map(FetchSpec.GitBlob::size));
        Inspector made;
        try {
            made = spec.inspector().get();
        } catch (RuntimeException e) {
            made = null;
            LOG.error("inspector factory failed for {}", spec.subject(), e);
        }
        this.inspector = made;
        path.add(state);
        if (client != null) {
            client.attach(this);
        }
    }

    /** The one way the state changes: a change the table does not allow is a bug, and says so. */
    private void to(RelayState next) {
        if (!state.canBecome(next)) {
            throw new IllegalStateException("relay cannot go from " + state + " to " + next);
        }
        state = next;
        path.add(next);
    }

    RelayState state() {
        return state;
    }

    /** The states this relay went through, from {@link RelayState#AWAITING_HEAD}. */
    java.util.List<RelayState> path() {
        return java.util.List.copyOf(path);
    }

    // ---- upstream events --------------------------------------------------------------------------------------

    @Override
    public void onResponse(HttpResponse head, UpstreamExchange exchange) {
        this.upstream = exchange;
        if (state != RelayState.AWAITING_HEAD) {
            exchange.cancel(); // the client left before the head
            return;
        }
        int status = head.status().code();
        if (status != 200) {
            exchange.cancel();
            to(RelayState.DONE);
            dev.dualtrack.proxy.ops.UpstreamFailures.report(spec.upstream().uri().getHost(), spec.track() + " file "
                    + spec.subject().file(), "answered HTTP " + status);
            // The standard phrase, not the upstream's: a reason phrase is free text an upstream chooses.
            String phrase = HttpResponseStatus.valueOf(status).reasonPhrase();
            onOutcome.accept(FetchOutcome.upstreamStatus(status, phrase));
            if (client != null) {
                spec.refusals().upstreamStatus(client, status, phrase);
            }
            return;
        }
        if (inspector == null) {
            block("", Verdict.block(ProxyRules.INSPECTOR_ERROR, "the inspector for this file could not be created"));
            return;
        }
        upstreamHead = head;
        contentLength = HttpUtil.getContentLength(head, -1L);
        RelayMode mode = spec.mode().orElse(contentLength >= 0 && contentLength <= relay.holdWholeBelow().bytes()
                ? RelayMode.HOLD_UNTIL_VERDICT : RelayMode.STREAM_ABORT_ON_BLOCK);
        to(mode == RelayMode.HOLD_UNTIL_VERDICT ? RelayState.HOLDING : RelayState.STREAMING);
        hold = new TailHold(io.netty.buffer.ByteBufAllocator.DEFAULT);
        if (contentLength < 0 || contentLength <= cache.maxBytes()) {
            try {
                writer = cache.newQueuedWriter(() -> loop.execute(this::onDiskCaughtUp));
            } catch (IOException e) {
                LOG.warn("cannot cache {}: {}", dev.dualtrack.proxy.upstream.Urls.redact(spec.upstream().uri()), e.toString());
            }
        }
        exchange.request();
    }

    @Override
    public void onContent(ByteBuf content) {
        switch (state) {
            case HOLDING, STREAMING -> relay(content);
            case DRAINING -> drain(content);
            case AWAITING_HEAD, COMMITTING, DONE -> content.release(); // bytes after the end: nobody wants them
            default -> throw new IllegalStateException("unknown state " + state);
        }
    }

    /** A chunk of a body being relayed: counted, hashed, inspected, cached, held, and released by the rule. */
    private void relay(ByteBuf content) {
        int n = content.readableBytes();
        received += n;
        metrics.bytes(spec.track(), ProxyMetrics.Direction.UPSTREAM, n);
        ByteBuffer[] views = content.nioBuffers(content.readerIndex(), n);
        digests.update(views);
        if (inspecting) {
            Verdict stop = inspect(views);
            if (stop != null) {
                content.release();
                blockEarly(stop);
                return;
            }
        }
        if (writer != null) {
            writer.write(content); // queued: the disk is written off this loop, in order
        }
        hold.add(content);
        if (state == RelayState.HOLDING && hold.received() > relay.holdWholeBelow().bytes()) {
            Verdict limit = Verdict.block(ProxyRules.HOLD_LIMIT, "the body is longer than "
                    + "relay.hold-whole-below (" + relay.holdWholeBelow() + ") and this request must be held whole");
            if (!letThrough(limit)) {
                blockEarly(limit);
                return;
            }
            relayBlocks.add(limit);
            to(RelayState.STREAMING);
        }
        if (state == RelayState.STREAMING) {
            Verdict stop = releaseStreamed();
            if (stop != null) {
                blockEarly(stop);
                return;
            }
            if (state != RelayState.STREAMING) {
                return; // the client left while bytes were released, and the relay ended with it
            }
        }
        pull();
    }

    /**
     * The release rule while streaming: everything but the last {@code relay.hold} bytes, and nothing the
     * inspector asked to hold. Returns a block that stands (a hold beyond {@code relay.max-hold}, an inspector
     * that threw), or null.
     */
    private Verdict releaseStreamed() {
        long holdFrom;
        try {
            holdFrom = holdUnbounded || !inspecting ? Long.MAX_VALUE : inspector.holdFrom();
        } catch (RuntimeException e) {
            Verdict stands = inspectorFailed(e);
            if (stands != null) {
                return stands;
            }
            holdFrom = Long.MAX_VALUE;
        }
        if (!holdUnbounded && hold.heldBytes() > Math.max(relay.maxHold().bytes(), relay.hold().bytes())) {
            Verdict limit = Verdict.block(ProxyRules.HOLD_LIMIT, inspector.name() + " asked to hold back more "
                    + "than relay.max-hold (" + relay.maxHold() + ") before it could decide");
            if (!letThrough(limit)) {
                return limit;
            }
            relayBlocks.add(limit);
            holdUnbounded = true;
            holdFrom = Long.MAX_VALUE;
        }
        release(hold.releasable(relay.hold().bytes(), holdFrom));
        return null;
    }

    /** A chunk of a refused body: only hashed, so the block is recorded under the bytes' own hash. */
    private void drain(ByteBuf content) {
        received += content.readableBytes();
        digests.update(content.nioBuffers(content.readerIndex(), content.readableBytes()));
        content.release();
        upstream.request();
    }

    @Override
    public void onComplete() {
        if (state == RelayState.DRAINING) {
            to(RelayState.DONE);
            String actual = digests.sha256Hex();
            // Read whole: the verdict is now about these bytes, under their own hashes.
            memory.remember(draining, actual, gitBlobOfBody());
            auditEarlyBlock(actual);
            return;
        }
        if (!state.relaying()) {
            return;
        }
        if (contentLength >= 0 && received != contentLength) {
            fail(new UpstreamException(UpstreamException.Kind.PROTOCOL, "upstream body was " + received
                    + " bytes, Content-Length said " + contentLength));
            return;
        }
        if (inspecting && finishReadsFiles()) {
            // The verdict reads a spooled copy (HDF5): made off the event loop, the held tail waiting for it.
            to(RelayState.JUDGING);
            java.util.concurrent.CompletableFuture.supplyAsync(this::finishInspector, JUDGES)
                    .whenCompleteAsync((v, error) -> judged(v != null ? v : Verdict.block(ProxyRules.INSPECTOR_ERROR,
                            inspector.name() + " failed: " + error)), loop);
            return;
        }
        judged(inspecting ? finishInspector() : Verdict.allow(inspector.findingsSoFar()));
    }

    /** Whether the inspector's finish reads files; an inspector that throws asking is judged on the loop. */
    private boolean finishReadsFiles() {
        try {
            return inspector.finishReadsFiles();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The body is whole and inspected: its hashes checked, its verdict judged, then allowed or refused. */
    private void judged(Verdict inspected) {
        if (state == RelayState.DONE) {
            return;
        }
        Verdict verdict = withRelayBlocks(inspected);
        String actual = digests.sha256Hex();
        metrics.inspection(spec.track(), inspectNanos);
        Optional<String> expected = spec.expectedSha256();
        Optional<String> gitActual = gitBlobOfBody();
        boolean gitMatches = spec.expectedGitBlob().isEmpty()
                || gitActual.filter(spec.expectedGitBlob().get().oid()::equals).isPresent();
        boolean matches = (expected.isEmpty() || expected.get().equals(actual)) && gitMatches;
        if (!matches) {
            block(actual, mismatch(actual));
            return;
        }
        memory.remember(verdict, actual, gitActual); // what these bytes are, whatever policy makes of it
        // Every rule found is judged now, under the real hash: a finding let through mid-body (a waiver by the
        // announced hash) is judged again, and one found at the end (a central directory) for the first time.
        Subject subject = spec.subject().withSha256(actual);
        dev.dualtrack.proxy.policy.Decision d = judge.decide(subject, spec.version(), verdict);
        Optional<String> id = recorder.record(subject, d);
        if (d.blocks()) {
            block(actual, d.refusal(), id.orElseThrow());
            return;
        }
        finishAllowed(actual, verdict);
    }

    @Override
    public void onError(UpstreamException error) {
        if (state == RelayState.DRAINING) {
            to(RelayState.DONE);
            auditEarlyBlock("");
            return;
        }
        if (state != RelayState.AWAITING_HEAD && !state.relaying()) {
            return;
        }
        if (error.kind() == UpstreamException.Kind.REDIRECT_REFUSED) {
            block("", Verdict.block(spec.redirectRule(), error.getMessage()));
            return;
        }
        fail(error);
    }

    // ---- client events ----------------------------------------------------------------------------------------

    @Override
    public void onClientWritable() {
        if (state.relaying()) {
            pull();
        }
    }

    @Override
    public void onClientGone() {
        client = null;
        if (state == RelayState.AWAITING_HEAD) {
            settle(FetchOutcome.failed("the client went away before the upstream answered"));
            return;
        }
        if (!state.relaying()) {
            return;
        }
        if (!prefetch) {
            upstream.cancel();
            settle(FetchOutcome.failed("the client went away mid-download"));
        } else {
            // Keep reading into the cache: followers, and the client's retry, will be served from it.
            pull();
        }
    }

    // ---- the release rule and the endings ---------------------------------------------------------------------

    private void pull() {
        if (writer != null && writer.full()) {
            return; // the cache write is behind: read on when onDiskCaughtUp runs
        }
        if (client == null || client.clientWritable() || state == RelayState.HOLDING) {
            upstream.request();
        }
    }

    private void onDiskCaughtUp() {
        if (state.relaying()) {
            pull();
        }
    }

    /** Releases the next {@code n} held bytes to the client (or drops them, when no client is left). */
    private void release(long n) {
        if (n <= 0) {
            return;
        }
        ByteBuf out = hold.take(n);
        if (client != null) {
            if (!client.headSent()) {
                sendHead(-1);
            }
            client.sendContent(out);
        } else {
            out.release();
        }
    }

    /**
     * The head of the client's answer: always the whole file. A range is never cut out of bytes still in flight
     * (they are not judged yet); the fetcher serves ranges from the cache once the whole file is verified.
     */
    private void sendHead(long knownTotal) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().add(spec.clientHeaders().apply(upstreamHead.headers()));
        long total = contentLength >= 0 ? contentLength : knownTotal;
        if (total >= 0) {
            head.headers().set(HttpHeaderNames.CONTENT_LENGTH, total);
            head.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        }
        client.sendHead(head);
    }

    /**
     * The body is verified: the client gets its held tail at once, and the blob is committed to the cache off the
     * event loop (an fsync). The flight settles only once the blob is committed, so a request that arrives
     * meanwhile waits for it and is then served from disk, never from a half-committed cache.
     */
    private void finishAllowed(String sha, Verdict verdict) {
        to(RelayState.COMMITTING);
        if (client != null) {
            // A fill for waiting range requests serves nobody itself: each is recorded when the cache answers it.
            recorder.served(spec.subject().withSha256(sha), spec.revision(), spec.version().orElse(""),
                    hold.received(), spec.inspection(), verdict.findings().stream()
                            .map(dev.dualtrack.scanner.Finding::rule).distinct().toList());
            if (!client.headSent()) {
                sendHead(hold.received());
            }
            release(hold.heldBytes());
            if (client != null) {
                client.finish();
            }
        }
        hold.close();
        QueuedBlobWriter committing = writer;
        writer = null;
        if (committing == null) {
            to(RelayState.DONE);
            onOutcome.accept(FetchOutcome.allowed(sha));
            return;
        }
        // The findings go into the cache with the bytes: a later serve judges them under the policy of its time.
        committing.commit(sha, new dev.dualtrack.proxy.cache.StoredVerdict(spec.inspection(), verdict))
                .whenCompleteAsync((ok, error) -> {
            if (error != null) {
                LOG.warn("cache commit failed for {}: {}", sha, error.toString());
            }
            to(RelayState.DONE);
            onOutcome.accept(FetchOutcome.allowed(sha));
        }, loop);
    }

    /** Refuses a body whose hash is known (or that has none): counted and audited now (G5). */
    private void block(String sha, Verdict verdict) {
        block(sha, verdict, recorder.blocked(spec.subject().withSha256(sha), verdict));
    }

    /** Refuses a body under a decision already recorded as {@code id}. */
    private void block(String sha, Verdict verdict, String id) {
        to(RelayState.DONE);
        if (upstream != null) {
            upstream.cancel();
        }
        cleanUp();
        onOutcome.accept(FetchOutcome.blocked(sha, verdict));
        answerBlocked(new Refusal(verdict, id, spec.subject().withSha256(sha)));
    }

    /**
     * Refuses mid-body. The client is answered at once; the rest of the body is then read, unsent, to hash it
     * (see {@link #DRAIN_LIMIT}), and the block is recorded with that hash when the body ends.
     */
    private void blockEarly(Verdict verdict) {
        long remaining = contentLength >= 0 ? contentLength - received : -1;
        boolean drain = upstream != null && remaining >= 0 && remaining <= DRAIN_LIMIT;
        to(drain ? RelayState.DRAINING : RelayState.DONE);
        cleanUp();
        // Nothing is recorded under the announced hash: these bytes were never seen whole, and anyone can
        // announce anyone's hash. The fetcher remembers the block for this location; the drain below, when the
        // body is drained, records it under the hash of the bytes actually read.
        String id = recorder.countBlock(spec.subject(), verdict);
        draining = verdict;
        drainingId = id;
        onOutcome.accept(FetchOutcome.blocked("", verdict));
        answerBlocked(new Refusal(verdict, id, spec.subject()));
        if (drain) {
            upstream.request();
        } else {
            if (upstream != null) {
                upstream.cancel();
            }
            // The content hash is unknown: the audit line says so rather than quote the announced one.
            auditEarlyBlock("");
        }
    }

    /**
     * The audit line of a block found mid-body, once the bytes' own hash is known ({@code ""}: never known). It
     * was counted when it was found ({@link #blockEarly}).
     */
    private void auditEarlyBlock(String sha) {
        recorder.auditBlock(spec.subject().withSha256(sha), draining, drainingId);
    }

    /** A clean 403 while the head is unsent; after it, an abort, so the client sees a failed transfer. */
    private void answerBlocked(Refusal refusal) {
        if (client != null) {
            if (client.headSent()) {
                client.abort("blocked");
            } else {
                spec.refusals().refuse(client, refusal);
            }
        }
    }

    private void fail(UpstreamException error) {
        to(RelayState.DONE);
        dev.dualtrack.proxy.ops.UpstreamFailures.report(spec.upstream().uri().getHost(), spec.track() + " file "
                + spec.subject().file(), error.kind().name().toLowerCase(java.util.Locale.ROOT) + ": "
                + error.getMessage());
        cleanUp();
        onOutcome.accept(FetchOutcome.failed(error.getMessage()));
        if (client != null) {
            if (client.headSent()) {
                // Never a short body that looks complete: close without the rest.
                client.abort("upstream_error");
            } else {
                spec.refusals().upstreamFailed(client, error);
            }
        }
    }

    private void settle(FetchOutcome outcome) {
        to(RelayState.DONE);
        cleanUp();
        onOutcome.accept(outcome);
    }

    private void cleanUp() {
        if (inspector != null) {
            try {
                inspector.close();
            } catch (RuntimeException e) {
                LOG.warn("inspector {} failed to close", inspector.name(), e);
            }
        }
        if (writer != null) {
            writer.abort();
            writer = null;
        }
        if (hold != null) {
            hold.close();
        }
    }

    private Verdict finishInspector() {
        long t0 = System.nanoTime();
        try {
            Verdict v = inspector.finish();
            if (v == null) {
                return Verdict.block(ProxyRules.INSPECTOR_ERROR, inspector.name() + " returned no verdict");
            }
            return v;
        } catch (RuntimeException e) {
            return inspectorError(e);
        } finally {
            inspectNanos += System.nanoTime() - t0;
        }
    }

    private Verdict mismatch(String actual) {
        if (spec.expectedSha256().isPresent() && !spec.expectedSha256().get().equals(actual)) {
            return Verdict.block(spec.hashMismatchRule(), "content sha256 is " + actual + " but the index announced "
                    + spec.expectedSha256().get());
        }
        FetchSpec.GitBlob g = spec.expectedGitBlob().orElseThrow();
        return Verdict.block(g.rule(), "the file's git blob id is " + gitBlobOfBody().orElse("unknown (" + received
                + " bytes, " + g.size() + " announced)") + " but the source announced " + g.oid());
    }

    /**
     * The body's own git blob id, when one is being computed and the body had the announced size; computed once
     * (a digest resets when read), at the end of the body.
     */
    private Optional<String> gitBlobOfBody() {
        if (gitBlob == null) {
            gitBlob = !digests.computesGitBlob() || received != spec.expectedGitBlob().get().size() ? Optional.empty()
                    : digests.gitBlobHex();
        }
        return gitBlob;
    }

    private Optional<String> gitBlob;

    /**
     * Asks policy about a block found before the end. The bytes' own hash is not known yet, so a waiver by sha256
     * is matched against the announced hash: safe, because the body must still hash to it at the end (an
     * integrity rule no policy relaxes). When it lets the block through, the body goes on, still inspected, and
     * the whole verdict is judged again with the real hash at the end.
     */
    private boolean letThrough(Verdict block) {
        return !judge.judge(spec.subject().withSha256(spec.expectedSha256().orElse("")), spec.version(), block)
                .blocks();
    }

    /**
     * Feeds one chunk's views to the inspector, every view, and judges each block it reports on its own. Returns
     * the block that stands (with every finding so far), or null when the body may go on.
     */
    private Verdict inspect(ByteBuffer[] views) {
        long t0 = System.nanoTime();
        try {
            for (ByteBuffer b : views) {
                if (inspector.feed(b.asReadOnlyBuffer()) == Inspector.Status.BLOCKED) {
                    for (Verdict block : inspector.newBlocks()) {
                        if (!letThrough(block)) {
                            java.util.List<dev.dualtrack.scanner.Finding> so = inspector.findingsSoFar();
                            return so.isEmpty() ? block : new Verdict(true, block.rule(), block.reason(), so);
                        }
                    }
                }
            }
            return null;
        } catch (RuntimeException e) {
            return inspectorFailed(e);
        } finally {
            inspectNanos += System.nanoTime() - t0;
        }
    }

    /**
     * An inspector that threw is fed no more (its state is lost); its error is a block like any other. Returns it
     * when it stands, else null (let through, and kept as a finding).
     */
    private Verdict inspectorFailed(RuntimeException e) {
        Verdict error = inspectorError(e);
        inspecting = false;
        if (!letThrough(error)) {
            return error;
        }
        relayBlocks.add(error);
        return null;
    }

    /** The inspector's verdict with the blocks the relay found and let through, as findings of their own. */
    private Verdict withRelayBlocks(Verdict inspected) {
        if (relayBlocks.isEmpty() && (inspected.blocked() || inspected.findings().stream()
                .noneMatch(dev.dualtrack.scanner.ScanReport::blocksByDefault))) {
            return inspected;
        }
        java.util.List<dev.dualtrack.scanner.Finding> all = new java.util.ArrayList<>(inspected.findings());
        if (inspected.blocked() && all.stream().noneMatch(f -> f.rule().equals(inspected.rule()))) {
            all.add(0, new dev.dualtrack.scanner.Finding(inspected.rule(), dev.dualtrack.scanner.Severity.MALFORMED,
                    inspected.reason()));
        }
        for (Verdict b : relayBlocks) {
            all.add(new dev.dualtrack.scanner.Finding(b.rule(), dev.dualtrack.scanner.Severity.MALFORMED, b.reason()));
        }
        return new dev.dualtrack.scanner.ScanReport("", all).verdict();
    }

    private Verdict inspectorError(RuntimeException e) {
        LOG.warn("inspector {} failed on {}", inspector.name(), dev.dualtrack.proxy.upstream.Urls.redact(spec.upstream().uri()), e);
        return Verdict.block(ProxyRules.INSPECTOR_ERROR, inspector.name() + " failed: " + e);
    }
}
