package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.hf.FakeHub;
import dev.dualtrack.proxy.testing.Awaits;
import dev.dualtrack.proxy.testing.RawHttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A verdict holds, against the real dualtrack process and a fake Hub: the rollout docs/policy.md recommends
 * (monitor, then enforce), a waiver that is taken back, a warn for one rule, and bounded ranges of a tampered
 * file. The assertions are on the fake CDN's request log and the audit log as well as on the answers.
 */
@Timeout(180)
class VerdictsHoldIT {
    static final String COMMIT = "5".repeat(40);
    /** An unknown import, 8 MiB of filler, then os.system. */
    static final byte[] LATE = pickle(true);
    /** An unknown import only: harmless, outside the weights-only allow-list. */
    static final byte[] UNKNOWN = pickle(false);
    static final byte[] TAMPERED = new byte[9 << 20];

    @TempDir
    static Path dir;
    static FakeHub hub;

    static byte[] pickle(boolean system) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 2});
        b.writeBytes("cacme.models\nThing\n0".getBytes(StandardCharsets.ISO_8859_1));
        byte[] filler = "x".repeat(system ? 8 << 20 : 1 << 16).getBytes(StandardCharsets.ISO_8859_1);
        b.write('X');
        b.writeBytes(new byte[] {(byte) filler.length, (byte) (filler.length >> 8), (byte) (filler.length >> 16),
                (byte) (filler.length >> 24)});
        b.writeBytes(filler);
        b.write('0');
        if (system) {
            b.writeBytes("cposix\nsystem\nX\u0002\u0000\u0000\u0000id\u0085R.".getBytes(StandardCharsets.ISO_8859_1));
        } else {
            b.writeBytes("N.".getBytes(StandardCharsets.ISO_8859_1));
        }
        return b.toByteArray();
    }

    @BeforeAll
    static void start() throws Exception {
        new java.util.Random(3).nextBytes(TAMPERED);
        hub = new FakeHub("acme/models", COMMIT)
                .lfsFile("late.pkl", LATE, LATE)
                .lfsFile("unknown.pkl", UNKNOWN, UNKNOWN)
                .lfsFile("tampered.bin", "the announced bytes".getBytes(StandardCharsets.UTF_8), TAMPERED);
    }

    @AfterAll
    static void stop() throws Exception {
        hub.close();
    }

    static Path config(String name, String policy) throws Exception {
        Path data = dir.resolve(name);
        Files.createDirectories(data);
        Path cfg = data.resolve("dualtrack.yaml");
        Files.writeString(cfg, """
                listen: {port: 0}
                cache: {dir: '%s'}
                audit: {output: '%s'}
                relay: {hold-whole-below: 0}
                hf:
                  upstream: '%s'
                  redirect-hosts: ['127.0.0.1:%d']
                """.formatted(dir.resolve("cache-" + name.replaceAll("-.*", "")), data.resolve("audit.log"),
                hub.hub().uri(""), hub.cdn().port()) + policy);
        return cfg;
    }

    static List<String> audit(Path cfg) {
        Path log = cfg.resolveSibling("audit.log");
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether the blob and its stored verdict were committed (just after the client had its last bytes). */
    static boolean cached(String cache, byte[] bytes) {
        String sha = FakeHub.sha256(bytes);
        Path blob = dir.resolve("cache-" + cache).resolve("blobs").resolve(sha.substring(0, 2)).resolve(sha);
        return Files.exists(blob) && Files.exists(blob.resolveSibling(sha + ".verdict"));
    }

    static RawHttpClient.Response get(CliIT.Served s, String file, String... headers) throws Exception {
        return RawHttpClient.get(s.port(), "/hf/acme/models/resolve/main/" + file, headers);
    }

    static int cdnAsked(byte[] announced) {
        String sha = FakeHub.sha256(announced);
        return hub.cdn().requests("/repos/" + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha);
    }

    @Test
    void monitorThenEnforceRefusesTheCachedFileWithAnAuditLine() throws Exception {
        Path monitor = config("rollout-monitor", "policy: {mode: monitor}\n");
        CliIT.Served served = CliIT.serve(monitor);
        try {
            RawHttpClient.Response r = get(served, "late.pkl");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(LATE);
            Awaits.until(() -> audit(monitor).stream().anyMatch(l -> l.contains("\"warn\"")
                    && l.contains("hf.pickle.dangerous-import")));
            Awaits.until(() -> cached("rollout", LATE));
        } finally {
            served.stop();
        }
        int asked = cdnAsked(LATE);
        Path enforce = config("rollout-enforce", "");
        served = CliIT.serve(enforce);
        try {
            RawHttpClient.Response r = get(served, "late.pkl");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.headers().get("x-error-message")).contains("hf.pickle.dangerous-import");
            String id = r.headers().get("x-dualtrack-decision");
            Awaits.until(() -> audit(enforce).stream().anyMatch(l -> l.contains("\"id\":\"" + id + "\"")));
            assertThat(audit(enforce)).anySatisfy(l -> assertThat(l).contains("\"block\"")
                    .contains(FakeHub.sha256(LATE)));
            assertThat(RawHttpClient.get(served.port(), "/metrics").text())
                    .contains("dualtrack_blocked_total{rule=\"hf.pickle.dangerous-import\",track=\"hf\"} 1.0");
            // Listed still: a snapshot asks for it and is refused with the reason, never silently partial.
            String tree = RawHttpClient.get(served.port(), "/hf/api/models/acme/models/tree/" + COMMIT).text();
            assertThat(tree).contains("late.pkl", "unknown.pkl");
        } finally {
            served.stop();
        }
        assertThat(cdnAsked(LATE)).as("refused from the stored findings, not fetched again").isEqualTo(asked);
    }

    @Test
    void aWaiverTakenBackRefusesTheCachedFile() throws Exception {
        String waiver = "policy: {waivers: [{track: hf, sha256: '" + FakeHub.sha256(UNKNOWN) + "', reason: "
                + "'reviewed', expires: 2999-01-01, ticket: SEC-9}]}\n";
        Path waived = config("waiver-on", waiver);
        CliIT.Served served = CliIT.serve(waived);
        try {
            RawHttpClient.Response r = get(served, "unknown.pkl");
            assertThat(r.status()).isEqualTo(200);
            Awaits.until(() -> audit(waived).stream().anyMatch(l -> l.contains("\"waived\"") && l.contains("SEC-9")));
            Awaits.until(() -> cached("waiver", UNKNOWN));
        } finally {
            served.stop();
        }
        Path revoked = config("waiver-off", "");
        served = CliIT.serve(revoked);
        try {
            RawHttpClient.Response r = get(served, "unknown.pkl");
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.headers().get("x-dualtrack-rule")).isEqualTo("hf.pickle.unknown-import");
        } finally {
            served.stop();
        }
        assertThat(cdnAsked(UNKNOWN)).isEqualTo(1);
    }

    @Test
    void aWarnForOneRuleStillCutsTheLaterDangerousImport() throws Exception {
        Path warn = config("warn-only", "policy: {rules: {hf.pickle.unknown-import: warn}}\n");
        CliIT.Served served = CliIT.serve(warn);
        try {
            RawHttpClient.Response r = get(served, "late.pkl");
            assertThat(r.status() == 200 && r.complete()).isFalse();
            Awaits.until(() -> audit(warn).stream().anyMatch(l -> l.contains("\"block\"")));
            assertThat(audit(warn)).anySatisfy(l -> assertThat(l).contains("\"block\"")
                    .contains("hf.pickle.dangerous-import").contains("posix.system"));
        } finally {
            served.stop();
        }
    }

    @Test
    void boundedRangesOfATamperedFileNeverReturnItsBytes() throws Exception {
        Path cfg = config("ranges", "");
        CliIT.Served served = CliIT.serve(cfg);
        try {
            for (String range : List.of("bytes=0-1023", "bytes=0-" + (TAMPERED.length - 70_000), "bytes=0-0")) {
                RawHttpClient.Response r = get(served, "tampered.bin", "Range: " + range);
                assertThat(r.status()).as(range).isEqualTo(403);
                assertThat(r.headers().get("x-dualtrack-rule")).as(range).isEqualTo("hf.lfs-oid-mismatch");
                assertThat(new String(r.body(), StandardCharsets.ISO_8859_1)).as(range).doesNotContain(
                        new String(java.util.Arrays.copyOf(TAMPERED, 64), StandardCharsets.ISO_8859_1));
            }
        } finally {
            served.stop();
        }
        assertThat(hub.cdn().requestHeaders()).noneSatisfy(h -> assertThat(h).containsKey("range"));
    }
}
