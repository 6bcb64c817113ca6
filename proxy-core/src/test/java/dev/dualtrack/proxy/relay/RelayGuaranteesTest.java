package dev.dualtrack.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.testing.Awaits;
import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.ForbiddenPatternInspector;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.proxy.testing.TestProxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * G1: no client receives the complete bytes of a file that fails inspection, whatever the relay mode, the
 * upstream's framing, and where in the body (and across which chunk boundary) the forbidden bytes sit.
 */
@ExtendWith(LeakCheckExtension.class)
class RelayGuaranteesTest {
    static final byte[] PATTERN = "<<FORBIDDEN-PAYLOAD-0xDEADBEEF>>".getBytes(StandardCharsets.US_ASCII);
    static final int HOLD = 64 * 1024;

    @TempDir
    static Path data;
    static ScriptedOrigin origin;
    static TestProxy proxy;

    enum Where { START, END, SPLIT }

    enum Framing { CONTENT_LENGTH, CHUNKED }

    @BeforeAll
    static void start() throws Exception {
        origin = new ScriptedOrigin();
        proxy = TestProxy.start(data, "relay: {hold: 64KiB, hold-whole-below: 1MiB}\n",
                ex -> TestProxy.specFromQuery(ex, origin, () -> new ForbiddenPatternInspector(PATTERN)));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        origin.close();
    }

    static byte[] body(int size, Where where, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        int at = switch (where) {
            case START -> 0;
            case END -> size - PATTERN.length;
            // Straddles the boundary of the origin's 4 KiB writes, in the middle of the body.
            case SPLIT -> (size / 2 / 4096) * 4096 - PATTERN.length / 2;
        };
        System.arraycopy(PATTERN, 0, b, at, PATTERN.length);
        return b;
    }

    static Stream<Arguments> cases() {
        return Stream.of(RelayMode.values()).flatMap(mode -> Stream.of(Where.values()).flatMap(where ->
                Stream.of(Framing.values()).map(framing -> Arguments.of(mode, where, framing))));
    }

    @ParameterizedTest(name = "{0}, pattern at {1}, {2}")
    @MethodSource("cases")
    void clientNeverGetsTheCompleteBodyOfABlockedFile(RelayMode mode, Where where, Framing framing) throws Exception {
        int size = mode == RelayMode.HOLD_UNTIL_VERDICT ? 256 * 1024 : 2 * 1024 * 1024;
        byte[] bytes = body(size, where, mode.ordinal() * 31 + where.ordinal() * 7 + framing.ordinal());
        String path = "/g1-" + mode + "-" + where + "-" + framing;
        Script script = Script.ok(BodySource.of(bytes)).chunkSize(4096).flushEachChunk();
        if (framing == Framing.CHUNKED) {
            script.chunked();
        }
        if (where == Where.SPLIT) {
            script.dribble(1);
        }
        origin.on(path, script);

        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files" + path + "?mode=" + mode.name());

        assertThat(r.status() == 200 && r.complete()).as("a blocked file arrived complete").isFalse();
        assertThat(indexOf(r.body(), PATTERN)).as("the forbidden bytes reached the client").isEqualTo(-1);
        if (mode == RelayMode.HOLD_UNTIL_VERDICT || where == Where.START) {
            // Known before the first byte went out: a clean refusal that names the rule.
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.text()).contains(ForbiddenPatternInspector.RULE);
            assertThat(r.headers()).containsEntry("x-dualtrack-rule", ForbiddenPatternInspector.RULE);
        } else {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyLength()).isLessThanOrEqualTo(size - HOLD);
            assertThat(Arrays.equals(r.body(), 0, (int) r.bodyLength(), bytes, 0, (int) r.bodyLength()))
                    .as("released bytes are the upstream's bytes").isTrue();
        }
    }

    @Test
    void cleanFileStreamsCompleteAndMatchesItsHash() throws Exception {
        BodySource src = BodySource.generated(3 * 1024 * 1024 + 17, 42);
        origin.on("/clean", Script.ok(src).chunkSize(32 * 1024));
        RawHttpClient.Response r;
        try (RawHttpClient c = new RawHttpClient(proxy.port())) {
            r = c.request("GET", "/files/clean", false);
        }
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.complete()).isTrue();
        assertThat(r.bodySha256()).isEqualTo(src.sha256());
    }

    @Test
    void blocksAreCountedAndAuditedWithRuleAndHash() throws Exception {
        byte[] bytes = body(300 * 1024, Where.END, 99);
        origin.on("/audited", Script.ok(BodySource.of(bytes)));
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/audited");
        assertThat(r.status()).isEqualTo(403);
        assertThat(proxy.metrics()).containsPattern(
                "dualtrack_blocked_total\\{rule=\"test.forbidden-pattern\",track=\"test\"} [1-9]");
        String sha = BodySource.of(bytes).sha256();
        // The hash of a body blocked mid-stream is learnt by reading the rest of it, after the refusal.
        Awaits.until(() -> proxy.auditLines().stream().anyMatch(l -> l.contains(sha)));
        assertThat(proxy.auditLines()).anySatisfy(line -> assertThat(line)
                .contains("\"track\":\"test\"", "\"file\":\"/files/audited\"", "\"decision\":\"block\"",
                        "\"rule\":\"test.forbidden-pattern\"", "\"sha256\":\"" + sha + "\"", "\"client\":\"127.0.0.1\""));
    }

    @Test
    void knownBadHashIsRefusedBeforeAnyUpstreamRequest() throws Exception {
        byte[] bytes = body(100 * 1024, Where.START, 5);
        String sha = BodySource.of(bytes).sha256();
        origin.on("/known-bad", Script.ok(BodySource.of(bytes)));
        assertThat(RawHttpClient.get(proxy.port(), "/files/known-bad?sha256=" + sha).status()).isEqualTo(403);
        assertThat(origin.requests("/known-bad")).isEqualTo(1);

        RawHttpClient.Response again = RawHttpClient.get(proxy.port(), "/files/known-bad?sha256=" + sha);
        assertThat(again.status()).isEqualTo(403);
        assertThat(again.text()).contains(ForbiddenPatternInspector.RULE);
        assertThat(origin.requests("/known-bad")).as("answered from the verdict cache").isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void hashMismatchNeverCompletes(RelayMode mode) throws Exception {
        BodySource src = BodySource.generated(mode == RelayMode.HOLD_UNTIL_VERDICT ? 200_000 : 1_500_000, 7);
        String wrong = "0".repeat(63) + mode.ordinal();
        origin.on("/tampered-" + mode, Script.ok(src));
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(),
                "/files/tampered-" + mode + "?mode=" + mode.name() + "&sha256=" + wrong);
        assertThat(r.status() == 200 && r.complete()).isFalse();
        if (mode == RelayMode.HOLD_UNTIL_VERDICT) {
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.text()).contains("proxy.hash-mismatch", src.sha256());
        } else {
            assertThat(r.bodyLength()).isLessThanOrEqualTo(src.length() - HOLD);
        }
        assertThat(proxy.runtime().blobCache().contains(src.sha256())).as("unverified bytes are never cached").isFalse();
        // The client's retry, right after: a clean 403 naming the rule, without fetching the bad bytes again.
        Awaits.until(() -> proxy.runtime().fetcher().inFlight() == 0);
        RawHttpClient.Response retry = RawHttpClient.get(proxy.port(),
                "/files/tampered-" + mode + "?mode=" + mode.name() + "&sha256=" + wrong, "Range: bytes=1000-");
        assertThat(retry.status()).isEqualTo(403);
        assertThat(retry.text()).contains("proxy.hash-mismatch");
        assertThat(origin.requests("/tampered-" + mode)).isEqualTo(1);
    }

    static Stream<RelayMode> modes() {
        return Stream.of(RelayMode.values());
    }

    @Test
    void verifiedFileIsCachedAndServedWithRangesWithoutUpstream() throws Exception {
        BodySource src = BodySource.generated(500_000, 11);
        String sha = src.sha256();
        origin.on("/cached", Script.ok(src));
        RawHttpClient.Response first = RawHttpClient.get(proxy.port(), "/files/cached?sha256=" + sha);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.complete()).isTrue();
        // The commit (an fsync) runs off the event loop after the client has its last byte.
        Awaits.until(() -> proxy.runtime().blobCache().contains(sha));

        RawHttpClient.Response whole = RawHttpClient.get(proxy.port(), "/files/cached?sha256=" + sha);
        assertThat(whole.bodySha256()).isEqualTo(sha);
        RawHttpClient.Response probe = RawHttpClient.get(proxy.port(), "/files/cached?sha256=" + sha, "Range: bytes=0-0");
        assertThat(probe.status()).isEqualTo(206);
        assertThat(probe.headers()).containsEntry("content-range", "bytes 0-0/500000");
        assertThat(probe.body()).hasSize(1).containsExactly(first.body()[0]);
        RawHttpClient.Response tail = RawHttpClient.get(proxy.port(), "/files/cached?sha256=" + sha, "Range: bytes=-10");
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(first.body(), 499_990, 500_000));
        RawHttpClient.Response beyond = RawHttpClient.get(proxy.port(), "/files/cached?sha256=" + sha,
                "Range: bytes=600000-");
        assertThat(beyond.status()).isEqualTo(416);
        assertThat(beyond.headers()).containsEntry("content-range", "bytes */500000");
        try (RawHttpClient c = new RawHttpClient(proxy.port())) {
            RawHttpClient.Response head = c.request("HEAD", "/files/cached?sha256=" + sha, true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.headers()).containsEntry("content-length", "500000").containsEntry("accept-ranges", "bytes");
            assertThat(head.body()).isEmpty();
            // The connection is still in step: a GET on it gets its whole answer.
            assertThat(c.request("GET", "/files/cached?sha256=" + sha, false).bodySha256()).isEqualTo(sha);
        }
        assertThat(origin.requests("/cached")).isEqualTo(1);
    }

    @Test
    void rangeOnAnUncachedFileReleasesOnlyInspectedBytesOfTheRange() throws Exception {
        BodySource src = BodySource.generated(1_000_000, 12);
        origin.on("/uncached-range", Script.ok(src).chunkSize(8192));
        byte[] all = new byte[1_000_000];
        src.write(new java.io.OutputStream() {
            int i;

            @Override
            public void write(int b) {
                all[i++] = (byte) b;
            }
        }, 0, all.length);
        RawHttpClient.Response probe = RawHttpClient.get(proxy.port(), "/files/uncached-range?mode="
                + RelayMode.STREAM_ABORT_ON_BLOCK.name(), "Range: bytes=0-0");
        assertThat(probe.status()).isEqualTo(206);
        assertThat(probe.complete()).isTrue();
        assertThat(probe.body()).containsExactly(all[0]);
        RawHttpClient.Response mid = RawHttpClient.get(proxy.port(), "/files/uncached-range?mode="
                + RelayMode.STREAM_ABORT_ON_BLOCK.name(), "Range: bytes=100000-199999");
        assertThat(mid.status()).isEqualTo(206);
        assertThat(mid.headers()).containsEntry("content-range", "bytes 100000-199999/1000000");
        assertThat(mid.body()).isEqualTo(Arrays.copyOfRange(all, 100_000, 200_000));
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
