package dev.dualtrack.proxy.relay;

import static dev.dualtrack.proxy.relay.RelayState.AWAITING_HEAD;
import static dev.dualtrack.proxy.relay.RelayState.COMMITTING;
import static dev.dualtrack.proxy.relay.RelayState.DONE;
import static dev.dualtrack.proxy.relay.RelayState.DRAINING;
import static dev.dualtrack.proxy.relay.RelayState.HOLDING;
import static dev.dualtrack.proxy.relay.RelayState.JUDGING;
import static dev.dualtrack.proxy.relay.RelayState.STREAMING;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Caffeine;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.proxy.cache.BlobCache;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import dev.dualtrack.proxy.policy.Judge;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.testing.Awaits;
import dev.dualtrack.proxy.testing.ForbiddenPatternInspector;
import dev.dualtrack.proxy.upstream.UpstreamExchange;
import dev.dualtrack.proxy.upstream.UpstreamRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay's lifecycle, {@link RelayState}: the table allows exactly the transitions drawn in its javadoc, and
 * real relays, driven event by event, walk every one of them.
 */
class RelayStateTest {
    static final byte[] PATTERN = "<<FORBIDDEN>>".getBytes(StandardCharsets.US_ASCII);
    static final int HOLD_WHOLE_BELOW = 64 * 1024;
    static DefaultEventLoop loop;
    @TempDir
    static Path data;

    /** Every transition the table allows; anything else is a bug. */
    static final Set<String> ALLOWED = Set.of("AWAITING_HEAD>HOLDING", "AWAITING_HEAD>STREAMING",
            "AWAITING_HEAD>DONE", "HOLDING>STREAMING", "HOLDING>JUDGING", "HOLDING>COMMITTING", "HOLDING>DRAINING",
            "HOLDING>DONE", "STREAMING>JUDGING", "STREAMING>COMMITTING", "STREAMING>DRAINING", "STREAMING>DONE",
            "JUDGING>COMMITTING", "JUDGING>DONE", "COMMITTING>DONE", "DRAINING>DONE");

    @BeforeAll
    static void start() {
        loop = new DefaultEventLoop();
    }

    @AfterAll
    static void stop() {
        loop.shutdownGracefully();
    }

    @Test
    void theTableAllowsExactlyTheDrawnTransitions() {
        for (RelayState from : RelayState.values()) {
            for (RelayState to : RelayState.values()) {
                assertThat(from.canBecome(to)).as(from + " -> " + to).isEqualTo(ALLOWED.contains(from + ">" + to));
            }
        }
        assertThat(EnumSet.of(HOLDING, STREAMING).stream().allMatch(RelayState::relaying)).isTrue();
        assertThat(EnumSet.complementOf(EnumSet.of(HOLDING, STREAMING)).stream().noneMatch(RelayState::relaying))
                .isTrue();
    }

    @Test
    void relaysWalkEveryTransition() throws Exception {
        byte[] small = body(16 * 1024, false);
        byte[] smallBad = body(16 * 1024, true);
        byte[] large = body(256 * 1024, false);
        byte[] largeBad = body(256 * 1024, true);
        List<List<RelayState>> paths = new ArrayList<>();
        // A small clean file, held whole, then committed.
        paths.add(run(Judge.enforcing(), small, true, Optional.empty(), false, 200, List.of(AWAITING_HEAD, HOLDING,
                COMMITTING, DONE)));
        // A clean file of unknown length, streamed, then committed.
        paths.add(run(Judge.enforcing(), large, false, Optional.empty(), false, 200, List.of(AWAITING_HEAD,
                STREAMING, COMMITTING, DONE)));
        // Held whole by the request's mode, longer than the hold: the limit is let through (monitor mode).
        paths.add(run(monitor(), large, false, Optional.of(RelayMode.HOLD_UNTIL_VERDICT), false, 200,
                List.of(AWAITING_HEAD, HOLDING, STREAMING, COMMITTING, DONE)));
        // Refused while held, then drained to learn the bytes' hash.
        paths.add(run(Judge.enforcing(), smallBad, true, Optional.empty(), false, 200, List.of(AWAITING_HEAD,
                HOLDING, DRAINING, DONE)));
        // Refused while streaming, the length known: drained.
        paths.add(run(Judge.enforcing(), largeBad, true, Optional.empty(), false, 200, List.of(AWAITING_HEAD,
                STREAMING, DRAINING, DONE)));
        // Refused while streaming, the length unknown: not drained.
        paths.add(run(Judge.enforcing(), largeBad, false, Optional.empty(), false, 200, List.of(AWAITING_HEAD,
                STREAMING, DONE)));
        // Held whole, and the bytes are not the announced ones.
        paths.add(run(Judge.enforcing(), small, true, Optional.empty(), true, 200, List.of(AWAITING_HEAD, HOLDING,
                DONE)));
        // The upstream refused.
        paths.add(run(Judge.enforcing(), small, true, Optional.empty(), false, 404, List.of(AWAITING_HEAD, DONE)));
        // An inspector whose verdict reads files (a spooled HDF5): judged off the loop, then committed...
        paths.add(run(Judge.enforcing(), small, true, Optional.empty(), false, 200, true, List.of(AWAITING_HEAD,
                HOLDING, JUDGING, COMMITTING, DONE)));
        // ...or refused, when the bytes are not the announced ones.
        paths.add(run(Judge.enforcing(), large, false, Optional.empty(), true, 200, true, List.of(AWAITING_HEAD,
                STREAMING, JUDGING, DONE)));

        Set<String> walked = new HashSet<>();
        for (List<RelayState> p : paths) {
            for (int i = 1; i < p.size(); i++) {
                walked.add(p.get(i - 1) + ">" + p.get(i));
            }
        }
        assertThat(walked).as("every allowed transition walked, and nothing else").isEqualTo(ALLOWED);
    }

    @Test
    void aRelayThatEndedIgnoresLateEvents() throws Exception {
        StreamingRelay relay = relay(Judge.enforcing(), Optional.empty(), Optional.empty(), o -> { });
        relay.onResponse(head(200, -1), new Upstream());
        relay.onContent(Unpooled.wrappedBuffer(body(1024, true)));
        assertThat(relay.state()).isEqualTo(DONE);
        // A late body end changes nothing: the relay is over.
        relay.onComplete();
        relay.onError(new dev.dualtrack.proxy.upstream.UpstreamException(
                dev.dualtrack.proxy.upstream.UpstreamException.Kind.PROTOCOL, "late"));
        assertThat(relay.path()).containsExactly(AWAITING_HEAD, STREAMING, DONE);
        Upstream late = new Upstream();
        relay.onResponse(head(200, -1), late);
        assertThat(late.cancelled).as("a head after the end is cancelled").isTrue();
        assertThat(relay.path()).containsExactly(AWAITING_HEAD, STREAMING, DONE);
    }

    private static List<RelayState> run(Judge judge, byte[] bytes, boolean length, Optional<RelayMode> mode,
            boolean wrongHash, int status, List<RelayState> expected) throws Exception {
        return run(judge, bytes, length, mode, wrongHash, status, false, expected);
    }

    private static List<RelayState> run(Judge judge, byte[] bytes, boolean length, Optional<RelayMode> mode,
            boolean wrongHash, int status, boolean readsFiles, List<RelayState> expected) throws Exception {
        String sha = wrongHash ? "0".repeat(64) : sha256(bytes);
        AtomicReference<FetchOutcome> outcome = new AtomicReference<>();
        StreamingRelay relay = relay(judge, Optional.of(sha), mode, outcome::set, readsFiles);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        loop.submit(() -> {
            try {
                Upstream up = new Upstream();
                relay.onResponse(head(status, length ? bytes.length : -1), up);
                if (status == 200) {
                    for (int at = 0; at < bytes.length && !up.cancelled; at += 4096) {
                        relay.onContent(Unpooled.wrappedBuffer(bytes, at, Math.min(4096, bytes.length - at)));
                    }
                    if (!up.cancelled) {
                        relay.onComplete();
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }).get();
        assertThat(failure.get()).isNull();
        // The state ends before the flight's outcome is handed on, on the loop: wait for both.
        Awaits.until(() -> relay.state() == DONE && outcome.get() != null);
        assertThat(relay.path()).isEqualTo(expected);
        return relay.path();
    }

    private static StreamingRelay relay(Judge judge, Optional<String> sha, Optional<RelayMode> mode,
            java.util.function.Consumer<FetchOutcome> onOutcome) throws Exception {
        return relay(judge, sha, mode, onOutcome, false);
    }

    private static StreamingRelay relay(Judge judge, Optional<String> sha, Optional<RelayMode> mode,
            java.util.function.Consumer<FetchOutcome> onOutcome, boolean readsFiles) throws Exception {
        DualtrackConfig config = ConfigLoader.parse("t", "relay: {hold: 4KiB, hold-whole-below: "
                + HOLD_WHOLE_BELOW / 1024 + "KiB, max-hold: 64KiB}\n");
        ProxyMetrics metrics = new ProxyMetrics();
        DecisionRecorder recorder = new DecisionRecorder(metrics, AuditLog.inMemory(false, l -> { }),
                Clock.systemUTC());
        BlobCache cache = new BlobCache(data.resolve("cache-" + System.nanoTime()), 1 << 30, metrics);
        FetchSpec.Builder spec = FetchSpec.builder(new Subject("test", "test", "a", "f", ""),
                        UpstreamRequest.get(URI.create("http://127.0.0.1:9/f")))
                .expectedSha256(sha)
                .inspector("test", () -> readsFiles ? new ReadsFiles(new ForbiddenPatternInspector(PATTERN))
                        : new ForbiddenPatternInspector(PATTERN));
        mode.ifPresent(spec::mode);
        return new StreamingRelay(null, loop.next(), spec.build(), config.relay(), true, cache,
                new VerdictMemory(Caffeine.newBuilder().<String, dev.dualtrack.scanner.Verdict>build()), recorder,
                judge, onOutcome);
    }

    private static Judge monitor() throws Exception {
        return new Judge(ConfigLoader.parse("t", "policy: {mode: monitor}\n").policy(), Clock.systemUTC());
    }

    private static HttpResponse head(int status, long length) {
        HttpResponse h = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        if (length >= 0) {
            h.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        return h;
    }

    private static byte[] body(int size, boolean forbidden) {
        byte[] b = new byte[size];
        new java.util.Random(size).nextBytes(b);
        if (forbidden) {
            System.arraycopy(PATTERN, 0, b, 100, PATTERN.length);
        }
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** An inspector whose finish, it says, reads files: the relay must call it off the event loop. */
    static final class ReadsFiles implements Inspector {
        private final Inspector inner;

        ReadsFiles(Inspector inner) {
            this.inner = inner;
        }

        @Override
        public Status feed(java.nio.ByteBuffer chunk) {
            return inner.feed(chunk);
        }

        @Override
        public dev.dualtrack.scanner.Verdict finish() {
            assertThat(loop.inEventLoop()).as("finish runs off the event loop").isFalse();
            return inner.finish();
        }

        @Override
        public boolean finishReadsFiles() {
            return true;
        }
    }

    /** The upstream side: reads are granted at once; a cancel is remembered. */
    static final class Upstream implements UpstreamExchange {
        boolean cancelled;

        @Override
        public void request() {
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
