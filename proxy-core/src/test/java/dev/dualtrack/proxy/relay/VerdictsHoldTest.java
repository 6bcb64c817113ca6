package dev.dualtrack.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.proxy.testing.TestProxy;
import dev.dualtrack.scanner.ScanPolicy;
import dev.dualtrack.scanner.fixtures.PickleWriter;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A verdict holds (G1, G3, G4): a finding let through never stops inspection, a cached blob keeps its findings and
 * is judged again at every serve (after a restart too), a blob inspected otherwise is inspected again, and a range
 * is served only from judged bytes. Each test asserts on the origin's request log as well as on the answers.
 */
@ExtendWith(LeakCheckExtension.class)
class VerdictsHoldTest {
    @TempDir
    Path data;
    ScriptedOrigin origin;
    final AtomicInteger scans = new AtomicInteger();

    @BeforeEach
    void origin() throws Exception {
        origin = new ScriptedOrigin();
    }

    @AfterEach
    void close() throws Exception {
        origin.close();
    }

    TestProxy proxy(String yaml) throws Exception {
        return TestProxy.start(data, "relay: {hold: 4KiB, hold-whole-below: 0}\n" + yaml, ex -> TestProxy.specFromQuery(
                ex, origin, () -> {
                    if (ex.query().parameters().containsKey("inspection")
                            && ex.query().parameters().get("inspection").get(0).equals("none")) {
                        return Inspector.none();
                    }
                    scans.incrementAndGet();
                    return new ScannerInspector(ScanPolicy.defaults(), ex.path());
                }));
    }

    /** An unknown import first, then megabytes of filler, then os.system: what a one-rule waiver must not serve. */
    static byte[] unknownThenSystem() {
        return PickleWriter.proto(2).global("acme", "Thing").op('0').str("x".repeat(8 << 20)).op('0')
                .global("posix", "system").str("id").tuple1().reduce().stop().bytes();
    }

    static byte[] onlyUnknown() {
        return PickleWriter.proto(2).global("acme", "Thing").op('0').str("y".repeat(1 << 20)).op('0').none().stop()
                .bytes();
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aWarnForOneRuleNeverStopsInspectionSoALaterDangerousImportIsCut() throws Exception {
        byte[] evil = unknownThenSystem();
        origin.on("/evil.pkl", Script.ok(BodySource.of(evil)).chunkSize(64 * 1024));
        try (TestProxy proxy = proxy("policy: {rules: {hf.pickle.unknown-import: warn}}\n")) {
            RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/evil.pkl?sha256=" + sha(evil));
            assertThat(r.status() == 200 && r.complete()).isFalse();
            assertThat(r.bodyLength()).isLessThan(evil.length);
            // The block is audited once the rest of the body was read, unsent, for its hash.
            dev.dualtrack.proxy.testing.Awaits.until(() -> proxy.auditLines().stream().anyMatch(l -> l.contains(
                    "\"decision\":\"block\"")));
            List<String> audit = proxy.auditLines();
            assertThat(audit).anySatisfy(l -> assertThat(l).contains("\"decision\":\"block\"")
                    .contains("hf.pickle.dangerous-import").contains("posix.system"));
            assertThat(proxy.metrics()).contains("dualtrack_blocked_total{rule=\"hf.pickle.dangerous-import\"");
            assertThat(proxy.runtime().blobCache().find(sha(evil))).isEmpty();
        }
    }

    @Test
    void monitorServesOnceAndEnforceAfterARestartRefusesFromTheCacheWithAnAuditLine() throws Exception {
        byte[] evil = unknownThenSystem();
        String sha = sha(evil);
        origin.on("/evil.pkl", Script.ok(BodySource.of(evil)).chunkSize(64 * 1024));
        try (TestProxy monitor = proxy("policy: {mode: monitor}\n")) {
            RawHttpClient.Response r = RawHttpClient.get(monitor.port(), "/files/evil.pkl?sha256=" + sha);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.complete()).isTrue();
            // Monitor records every finding, not only the first.
            assertThat(monitor.auditLines()).anySatisfy(l -> assertThat(l).contains("\"decision\":\"warn\"")
                    .contains("hf.pickle.unknown-import"));
            assertThat(monitor.auditLines()).anySatisfy(l -> assertThat(l).contains("\"decision\":\"warn\"")
                    .contains("hf.pickle.dangerous-import"));
            // Committed (fsync, rename) just after the client has its last bytes.
            dev.dualtrack.proxy.testing.Awaits.until(() -> monitor.runtime().blobCache().find(sha).isPresent());
        }
        assertThat(origin.requests("/evil.pkl")).isEqualTo(1);
        try (TestProxy enforce = proxy("")) {
            RawHttpClient.Response r = RawHttpClient.get(enforce.port(), "/files/evil.pkl?sha256=" + sha);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.text()).contains("hf.pickle.dangerous-import").contains("hf.pickle.unknown-import");
            assertThat(enforce.auditLines()).anySatisfy(l -> assertThat(l).contains("\"decision\":\"block\"")
                    .contains("hf.pickle.dangerous-import").contains(sha));
            assertThat(enforce.metrics()).contains("dualtrack_blocked_total{rule=\"hf.pickle.dangerous-import\"");
        }
        assertThat(origin.requests("/evil.pkl")).as("answered from the cache's stored findings").isEqualTo(1);
    }

    @Test
    void aCachedBlobIsJudgedAtEveryServeSoARuleBackToBlockRefusesIt() throws Exception {
        byte[] unknown = onlyUnknown();
        String sha = sha(unknown);
        origin.on("/u.pkl", Script.ok(BodySource.of(unknown)));
        try (TestProxy warn = proxy("policy: {rules: {hf.pickle.unknown-import: warn}}\n")) {
            RawHttpClient.Response r = RawHttpClient.get(warn.port(), "/files/u.pkl?sha256=" + sha);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(unknown);
            dev.dualtrack.proxy.testing.Awaits.until(() -> warn.runtime().blobCache().find(sha).isPresent());
            // Served again from the cache: warned again, for this request.
            assertThat(RawHttpClient.get(warn.port(), "/files/u.pkl?sha256=" + sha).status()).isEqualTo(200);
            assertThat(warn.auditLines().stream().filter(l -> l.contains("\"decision\":\"warn\"")).count())
                    .isEqualTo(2);
            // Every line carries a decision id, warnings and allows too.
            assertThat(warn.auditLines()).allSatisfy(l -> assertThat(l).containsPattern("\"id\":\"[0-9a-f]{16}\""));
        }
        try (TestProxy enforce = proxy("")) {
            RawHttpClient.Response r = RawHttpClient.get(enforce.port(), "/files/u.pkl?sha256=" + sha);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.headers()).containsEntry("x-dualtrack-rule", "hf.pickle.unknown-import");
        }
        assertThat(origin.requests("/u.pkl")).isEqualTo(1);
    }

    @Test
    void aBlobInspectedOtherwiseIsInspectedAgainFromTheCacheBeforeItIsServed() throws Exception {
        byte[] evil = PickleWriter.proto(2).global("posix", "system").str("id").tuple1().reduce().stop().bytes();
        String sha = sha(evil);
        origin.on("/plain.bin", Script.ok(BodySource.of(evil)));
        try (TestProxy proxy = proxy("")) {
            // Fetched first for a track that inspects nothing (as a PyPI file is): cached with no findings.
            RawHttpClient.Response plain = RawHttpClient.get(proxy.port(), "/files/plain.bin?sha256=" + sha
                    + "&inspection=none");
            assertThat(plain.status()).isEqualTo(200);
            dev.dualtrack.proxy.testing.Awaits.until(() -> proxy.runtime().blobCache().find(sha).isPresent());
            int before = scans.get();
            // The same bytes asked for under the scanner: inspected again from disk, refused, never fetched again.
            RawHttpClient.Response scanned = RawHttpClient.get(proxy.port(), "/files/plain.bin?sha256=" + sha
                    + "&inspection=scanner:v2");
            assertThat(scanned.status()).isEqualTo(403);
            assertThat(scanned.headers()).containsEntry("x-dualtrack-rule", "hf.pickle.dangerous-import");
            assertThat(scans.get()).isGreaterThan(before);
            assertThat(proxy.runtime().blobCache().find(sha).orElseThrow().verdict().inspection())
                    .isEqualTo("scanner:v2");
        }
        assertThat(origin.requests("/plain.bin")).isEqualTo(1);
    }

    @Test
    void aRangeOfATamperedFileNeverReturnsItsBytes() throws Exception {
        byte[] body = new byte[9 << 20];
        new java.util.Random(7).nextBytes(body);
        String announced = sha("something else".getBytes());
        origin.on("/tampered.bin", Script.ok(BodySource.of(body)).chunkSize(64 * 1024));
        try (TestProxy proxy = proxy("")) {
            for (String range : List.of("bytes=0-1023", "bytes=0-" + (body.length - 70_000))) {
                RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/tampered.bin?sha256=" + announced
                        + "&inspection=none", "Range: " + range);
                assertThat(r.status()).as(range).isEqualTo(403);
                assertThat(r.bodyLength()).as(range).isLessThan(2048);
                assertThat(r.headers()).containsEntry("x-dualtrack-rule", "proxy.hash-mismatch");
            }
        }
        // Every range was answered from a whole-file fetch, never a ranged one.
        assertThat(origin.requestHeaders()).noneSatisfy(h -> assertThat(h).containsKey("range"));
    }

    @Test
    void aRangeOfAnUnjudgedFileWaitsForTheWholeVerdictThenComesFromTheCache() throws Exception {
        byte[] body = new byte[3 << 20];
        new java.util.Random(8).nextBytes(body);
        String sha = sha(body);
        origin.on("/data.parquet", Script.ok(BodySource.of(body)).chunkSize(64 * 1024));
        try (TestProxy proxy = proxy("")) {
            RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/data.parquet?sha256=" + sha
                    + "&inspection=none", "Range: bytes=1000-1999");
            assertThat(r.status()).isEqualTo(206);
            assertThat(r.headers()).containsEntry("content-range", "bytes 1000-1999/" + body.length);
            assertThat(r.body()).isEqualTo(java.util.Arrays.copyOfRange(body, 1000, 2000));
            assertThat(proxy.runtime().blobCache().find(sha)).isPresent();
            RawHttpClient.Response probe = RawHttpClient.get(proxy.port(), "/files/data.parquet?sha256=" + sha
                    + "&inspection=none", "Range: bytes=0-0");
            assertThat(probe.status()).isEqualTo(206);
            assertThat(probe.body()).containsExactly(body[0]);
        }
        assertThat(origin.requests("/data.parquet")).isEqualTo(1);
        assertThat(origin.requestHeaders()).noneSatisfy(h -> assertThat(h).containsKey("range"));
    }
}
