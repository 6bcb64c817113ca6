package dev.dualtrack.proxy.relay;

import com.github.benmanes.caffeine.cache.Cache;
import dev.dualtrack.config.RelayConfig;
import dev.dualtrack.proxy.cache.BlobCache;
import dev.dualtrack.proxy.cache.QueuedBlobWriter;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import dev.dualtrack.proxy.server.ByteRange;
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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design notes.
 *
 * The relay is the one place G1 and G4 are enforced, so it is written as a small state machine with a single
 * exit: every path ends in finishAllowed(), block() or fail(), each of which sets `finished`, cancels or
 * completes the upstream, settles the cache writer and reports one FetchOutcome.
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

    private final FetchSpec spec;
    private final RelayConfig relay;
    private final boolean prefetch;
    private final BlobCache cache;
    private final VerdictMemory memory;
    /** The git blob id being computed, when the spec expects one ({@code sha1("blob <size>\0" + bytes)}). */
    private final MessageDigest gitSha1;
    private final DecisionRecorder recorder;
    private final ProxyMetrics metrics;
    private final Consumer<FetchOutcome> onOutcome;
    private final MessageDigest sha256;
    private final Inspector inspector;

    private Exchange client;
    /** The client connection's event loop, where everything here runs (the client may leave; the loop stays). */
    private final io.netty.channel.EventLoop loop;
    private UpstreamExchange upstream;
    private TailHold hold;
    private QueuedBlobWriter writer;
    private RelayMode mode;
    private HttpResponse upstreamHead;
    private long contentLength = -1;
    /** The client's window of the body, [first, end): the whole body unless a Range was asked for. */
    private long windowFirst;
    private long windowEnd = Long.MAX_VALUE;
    private boolean partial;
    private long inspectNanos;
    private long received;
    private boolean finished;
    private boolean clientGoneEarly;
    /** Set while reading the rest of a blocked body only to hash it; the verdict waiting for that hash. */
    private Verdict draining;
    private String drainingId = "";
    private final dev.dualtrack.proxy.policy.Judge judge;
    /**
     * A block that policy let through (warn, monitor, a waiver): inspection has stopped, the body is relayed and
     * hash-checked like any other, and the judgement is recorded with the real hash at the end.
     */
    private dev.dualtrack.proxy.policy.Judgement letThrough;

    StreamingRelay(Exchange client, FetchSpec spec, RelayConfig relay, boolean prefetch, BlobCache cache,
            VerdictMemory memory, DecisionRecorder recorder, dev.dualtrack.proxy.policy.Judge judge,
            Consumer<FetchOutcome> onOutcome) {
        this.judge = judge;
        this.client = client;
        this.loop = client.eventLoop();
        this.spec = spec;
        this.relay = relay;
        this.prefetch = prefetch;
        this.cache = cache;
        this.memory = memory;
        this.recorder = recorder;
        this.metrics = recorder.metrics();
        this.onOutcome = onOutcome;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
            if (spec.expectedGitBlob().isPresent()) {
                this.gitSha1 = MessageDigest.getInstance("SHA-1");
                gitSha1.update(("blob " + spec.expectedGitBlob().get().size() + "\0")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } else {
                this.gitSha1 = null;
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 and SHA-1 are required of every JDK", e);
        }
        Inspector made;
        try {
            made = spec.inspector().get();
        } catch (RuntimeException e) {
            made = null;
            LOG.error("inspector factory failed for {}", spec.subject(), e);
        }
        this.inspector = made;
        client.attach(this);
    }

    // ---- upstream events --------------------------------------------------------------------------------------

    @Override
    public void onResponse(HttpResponse head, UpstreamExchange exchange) {
        this.upstream = exchange;
        if (finished || clientGoneEarly) {
            exchange.cancel();
            return;
        }
        int status = head.status().code();
        if (status != 200) {
            exchange.cancel();
            finished = true;
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
        mode = spec.mode().orElse(contentLength >= 0 && contentLength <= relay.holdWholeBelow().bytes()
                ? RelayMode.HOLD_UNTIL_VERDICT : RelayMode.STREAM_ABORT_ON_BLOCK);
        if (contentLength >= 0 && client != null) {
            ByteRange.Request r = ByteRange.parse(Optional.ofNullable(client.headers().get(HttpHeaderNames.RANGE)),
                    contentLength);
            if (r instanceof ByteRange.Unsatisfiable) {
                exchange.cancel();
                finished = true;
                onOutcome.accept(FetchOutcome.failed("range not satisfiable"));
                client.respondText(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                        "range not satisfiable for " + contentLength + " bytes\n");
                return;
            }
            if (r instanceof ByteRange.Partial p) {
                partial = true;
                windowFirst = p.range().first();
                windowEnd = p.range().last() + 1;
            }
        }
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
        if (draining != null) {
            received += content.readableBytes();
            for (ByteBuffer b : content.nioBuffers(content.readerIndex(), content.readableBytes())) {
                if (gitSha1 != null) {
                    gitSha1.update(b.duplicate());
                }
                sha256.update(b);
            }
            content.release();
            upstream.request();
            return;
        }
        if (finished) {
            content.release();
            return;
        }
        int n = content.readableBytes();
        received += n;
        metrics.bytes(spec.track(), ProxyMetrics.Direction.UPSTREAM, n);
        ByteBuffer[] views = content.nioBuffers(content.readerIndex(), n);
        for (ByteBuffer b : views) {
            sha256.update(b.duplicate());
            if (gitSha1 != null) {
                gitSha1.update(b.duplicate());
            }
        }
        if (letThrough == null) {
            Inspector.Status status;
            long t0 = System.nanoTime();
            Verdict stop = null;
            try {
                status = Inspector.Status.CONTINUE;
                for (ByteBuffer b : views) {
                    status = inspector.feed(b.asReadOnlyBuffer());
                    if (status == Inspector.Status.BLOCKED) {
                        break;
                    }
                }
                if (status == Inspector.Status.BLOCKED) {
                    stop = finishInspector();
                }
            } catch (RuntimeException e) {
                stop = inspectorError(e);
            } finally {
                inspectNanos += System.nanoTime() - t0;
            }
            if (stop != null && !letThrough(stop)) {
                content.release();
                blockEarly(stop);
                return;
            }
        }
        if (writer != null) {
            writer.write(content); // queued: the disk is written off this loop, in order
        }
        hold.add(content);
        if (mode == RelayMode.HOLD_UNTIL_VERDICT) {
            if (hold.received() > relay.holdWholeBelow().bytes()) {
                Verdict limit = Verdict.block(ProxyRules.HOLD_LIMIT, "the body is longer than "
                        + "relay.hold-whole-below (" + relay.holdWholeBelow() + ") and this request must be held whole");
                if (!letThrough(limit)) {
                    blockEarly(limit);
                    return;
                }
                mode = RelayMode.STREAM_ABORT_ON_BLOCK;
            }
        }
        if (mode != RelayMode.HOLD_UNTIL_VERDICT) {
            long holdFrom;
            try {
                holdFrom = letThrough != null ? Long.MAX_VALUE : inspector.holdFrom();
            } catch (RuntimeException e) {
                Verdict error = inspectorError(e);
                if (!letThrough(error)) {
                    blockEarly(error);
                    return;
                }
                holdFrom = Long.MAX_VALUE;
            }
            if (hold.heldBytes() > Math.max(relay.maxHold().bytes(), relay.hold().bytes())) {
                Verdict limit = Verdict.block(ProxyRules.HOLD_LIMIT, inspector.name() + " asked to hold back more "
                        + "than relay.max-hold (" + relay.maxHold() + ") before it could decide");
                if (!letThrough(limit)) {
                    blockEarly(limit);
                    return;
                }
                holdFrom = Long.MAX_VALUE;
            }
            release(hold.releasable(relay.hold().bytes(), holdFrom));
            if (finished) {
                return;
            }
        }
        pull();
    }

    @Override
    public void onComplete() {
        if (draining != null) {
            Verdict v = draining;
            draining = null;
            String actual = HexFormat.of().formatHex(sha256.digest());
            // Read whole: the verdict is now about these bytes, under their own hashes.
            memory.remember(v, actual, gitBlobOfBody());
            recorder.auditBlock(spec.subject().withSha256(actual), v, drainingId);
            return;
        }
        if (finished) {
            return;
        }
        if (contentLength >= 0 && received != contentLength) {
            fail(new UpstreamException(UpstreamException.Kind.PROTOCOL, "upstream body was " + received
                    + " bytes, Content-Length said " + contentLength));
            return;
        }
        Verdict verdict = letThrough != null ? letThrough.verdict() : finishInspector();
        String actual = HexFormat.of().formatHex(sha256.digest());
        metrics.inspection(spec.track(), inspectNanos);
        Optional<String> expected = spec.expectedSha256();
        Optional<String> gitActual = gitBlobOfBody();
        boolean gitMatches = spec.expectedGitBlob().isEmpty()
                || gitActual.filter(spec.expectedGitBlob().get().oid()::equals).isPresent();
        boolean matches = (expected.isEmpty() || expected.get().equals(actual)) && gitMatches;
        if (verdict.blocked()) {
            if (matches) {
                memory.remember(verdict, actual, gitActual); // what these bytes are, whatever policy makes of it
            }
            dev.dualtrack.proxy.policy.Judgement j = letThrough != null ? letThrough
                    : judge.judge(spec.subject().withSha256(actual), spec.version(), verdict);
            if (j.blocks() || !matches) {
                block(actual, matches ? verdict : mismatch(actual));
                return;
            }
            recorder.judged(spec.subject().withSha256(actual), j);
            finishAllowed(actual, Verdict.allow());
            return;
        }
        if (!matches) {
            block(actual, mismatch(actual));
            return;
        }
        memory.remember(verdict, actual, gitActual);
        finishAllowed(actual, verdict);
    }

    @Override
    public void onError(UpstreamException error) {
        if (draining != null) {
            recorder.auditBlock(spec.subject().withSha256(""), draining, drainingId);
            draining = null;
            return;
        }
        if (finished) {
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
        if (!finished && upstream != null) {
            pull();
        }
    }

    @Override
    public void onClientGone() {
        client = null;
        if (finished) {
            return;
        }
        if (upstream == null) {
            clientGoneEarly = true;
            settle(FetchOutcome.failed("the client went away before the upstream answered"));
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
        if (client == null || client.clientWritable() || mode == RelayMode.HOLD_UNTIL_VERDICT) {
            upstream.request();
        }
    }

    private void onDiskCaughtUp() {
        if (!finished && upstream != null) {
            pull();
        }
    }

    /** Releases the next {@code n} held bytes: the part inside the client's window goes out, the rest is dropped. */
    private void release(long n) {
        if (n <= 0) {
            return;
        }
        long from = hold.released();
        long to = from + n;
        long sendFrom = Math.max(from, windowFirst);
        long sendTo = Math.min(to, windowEnd);
        if (sendFrom > from) {
            hold.skip(Math.min(sendFrom, to) - from);
        }
        if (sendTo > sendFrom) {
            ByteBuf out = hold.take(sendTo - sendFrom);
            if (client != null) {
                if (!client.headSent()) {
                    sendHead(-1);
                }
                client.sendContent(out);
            } else {
                out.release();
            }
        }
        if (hold.released() < to) {
            hold.skip(to - hold.released());
        }
        if (partial && client != null && hold.released() >= windowEnd) {
            // The requested range is out, and every byte of it was inspected: the range response is complete.
            client.finish();
            client = null;
            if (!prefetch && !finished) {
                upstream.cancel();
                settle(FetchOutcome.failed("range served; the rest of the file was not fetched"));
            }
        }
    }

    private void sendHead(long knownTotal) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                partial ? HttpResponseStatus.PARTIAL_CONTENT : HttpResponseStatus.OK);
        head.headers().add(spec.clientHeaders().apply(upstreamHead.headers()));
        long total = contentLength >= 0 ? contentLength : knownTotal;
        if (partial) {
            head.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes " + windowFirst + "-" + (windowEnd - 1) + "/" + total);
            head.headers().set(HttpHeaderNames.CONTENT_LENGTH, windowEnd - windowFirst);
        } else if (total >= 0) {
            head.headers().set(HttpHeaderNames.CONTENT_LENGTH, total);
        }
        if (total >= 0) {
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
        finished = true;
        for (var f : verdict.findings()) {
            recorder.warned(spec.subject().withSha256(sha), f.rule(), f.detail());
        }
        recorder.allowed(spec.subject().withSha256(sha));
        if (client != null) {
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
            onOutcome.accept(FetchOutcome.allowed(sha));
            return;
        }
        committing.commit(sha).whenCompleteAsync((ok, error) -> {
            if (error != null) {
                LOG.warn("cache commit failed for {}: {}", sha, error.toString());
            }
            onOutcome.accept(FetchOutcome.allowed(sha));
        }, loop);
    }

    /** Refuses a body whose hash is known (or that has none): counted and audited now (G5). */
    private void block(String sha, Verdict verdict) {
        finished = true;
        if (upstream != null) {
            upstream.cancel();
        }
        cleanUp();
        String id = recorder.blocked(spec.subject().withSha256(sha), verdict);
        onOutcome.accept(FetchOutcome.blocked(sha, verdict));
        answerBlocked(new Refusal(verdict, id, spec.subject().withSha256(sha)));
    }

    /**
     * Refuses mid-body. The client is answered at once; the rest of the body is then read, unsent, to hash it
     * (see {@link #DRAIN_LIMIT}), and the block is recorded with that hash when the body ends.
     */
    private void blockEarly(Verdict verdict) {
        finished = true;
        cleanUp();
        // Nothing is recorded under the announced hash: these bytes were never seen whole, and anyone can
        // announce anyone's hash. The fetcher remembers the block for this location; the drain below, when the
        // body is drained, records it under the hash of the bytes actually read.
        String id = recorder.countBlock(spec.subject(), verdict);
        onOutcome.accept(FetchOutcome.blocked("", verdict));
        answerBlocked(new Refusal(verdict, id, spec.subject()));
        long remaining = contentLength >= 0 ? contentLength - received : -1;
        if (upstream != null && remaining >= 0 && remaining <= DRAIN_LIMIT) {
            draining = verdict;
            drainingId = id;
            upstream.request();
        } else {
            if (upstream != null) {
                upstream.cancel();
            }
            // The content hash is unknown: the audit line says so rather than quote the announced one.
            recorder.auditBlock(spec.subject().withSha256(""), verdict, id);
        }
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
        finished = true;
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
        finished = true;
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
            gitBlob = gitSha1 == null || received != spec.expectedGitBlob().get().size() ? Optional.empty()
                    : Optional.of(HexFormat.of().formatHex(gitSha1.digest()));
        }
        return gitBlob;
    }

    private Optional<String> gitBlob;

    /**
     * Asks policy about a block found before the end. The bytes' own hash is not known yet, so a waiver by sha256
     * is matched against the announced hash: safe, because the body must still hash to it at the end (an
     * integrity rule no policy relaxes). When it lets the body through, inspection stops and the body is relayed.
     */
    private boolean letThrough(Verdict block) {
        dev.dualtrack.proxy.policy.Judgement j = judge.judge(spec.subject().withSha256(
                spec.expectedSha256().orElse("")), spec.version(), block);
        if (j.blocks()) {
            return false;
        }
        letThrough = j;
        return true;
    }

    private Verdict inspectorError(RuntimeException e) {
        LOG.warn("inspector {} failed on {}", inspector.name(), dev.dualtrack.proxy.upstream.Urls.redact(spec.upstream().uri()), e);
        return Verdict.block(ProxyRules.INSPECTOR_ERROR, inspector.name() + " failed: " + e);
    }
}
