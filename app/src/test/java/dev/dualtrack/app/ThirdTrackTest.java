package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.app.toy.ToyTrack;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.policy.RuleRegistry;
import dev.dualtrack.config.policy.Tracks;
import dev.dualtrack.proxy.testing.Awaits;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third track, {@link ToyTrack}, written only in test sources and registered by one line in
 * {@code META-INF/services}: the real server mounts it, labels and primes its metrics, judges its rules with the
 * same runner, waivers and known verdicts as the built-in tracks, and answers in its own dialect.
 */
class ThirdTrackTest {
    static ScriptedOrigin origin;
    static final byte[] GOOD = "toy bytes, good ones\n".getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void start() throws Exception {
        origin = new ScriptedOrigin();
        origin.onRequest("/good", r -> Script.ok(body(GOOD)));
        origin.onRequest("/evil", r -> Script.ok(body(GOOD)));
        origin.onRequest("/tampered", r -> Script.ok(body("other bytes\n".getBytes(StandardCharsets.UTF_8))));
        ToyTrack.INDEX.put("good", new ToyTrack.Entry(origin.uri("/good"), sha256(GOOD)));
        ToyTrack.INDEX.put("evil-twin", new ToyTrack.Entry(origin.uri("/evil"), sha256(GOOD)));
        // Listed with the hash of bytes nobody has: the origin's are other ones.
        ToyTrack.INDEX.put("tampered", new ToyTrack.Entry(origin.uri("/tampered"),
                sha256("the listed bytes\n".getBytes(StandardCharsets.UTF_8))));
    }

    @AfterAll
    static void stop() throws Exception {
        origin.close();
        ToyTrack.INDEX.clear();
    }

    @Test
    void theToyTrackIsKnownBelowTheTracksWithoutBeingNamedThere() {
        assertThat(Tracks.names()).containsExactly("pypi", "hf", "toy");
        assertThat(RuleRegistry.find(ToyTrack.FORBIDDEN_NAME)).isPresent();
        assertThat(RuleRegistry.firingOn("toy")).extracting(r -> r.id()).contains(ToyTrack.FORBIDDEN_NAME,
                ToyTrack.HASH_MISMATCH, "proxy.inspector-error").doesNotContain("pypi.typosquat");
        // Not a built-in rule: docs/rules.md is the product's list.
        assertThat(RuleRegistry.markdown()).doesNotContain("toy.");
    }

    @Test
    void servesRefusesAndWaivesThroughTheSamePipeline(@TempDir Path dir) throws Exception {
        try (DualtrackServer server = DualtrackServer.start(ConfigLoader.parse("t", "listen: {port: 0}\n"
                + "cache: {dir: '" + dir + "'}\naudit: {output: '" + dir.resolve("audit.log") + "'}\n"))) {
            assertThat(server.summary()).contains("toy: 3 file(s)");
            String metrics = RawHttpClient.get(server.port(), "/metrics").text();
            assertThat(metrics).contains("dualtrack_blocked_total{rule=\"" + ToyTrack.FORBIDDEN_NAME
                    + "\",track=\"toy\"} 0.0");

            RawHttpClient.Response good = RawHttpClient.get(server.port(), "/toy/files/good");
            assertThat(good.status()).isEqualTo(200);
            assertThat(good.body()).isEqualTo(GOOD);

            int before = origin.requests("/evil");
            RawHttpClient.Response evil = RawHttpClient.get(server.port(), "/toy/files/evil-twin");
            assertThat(evil.status()).as("the toy's own dialect").isEqualTo(451);
            assertThat(evil.text()).isEqualTo("toy says no: " + ToyTrack.FORBIDDEN_NAME + "\n");
            assertThat(evil.headers()).containsKey("x-dualtrack-decision");
            assertThat(origin.requests("/evil")).as("never asked").isEqualTo(before);

            RawHttpClient.Response tampered = RawHttpClient.get(server.port(), "/toy/files/tampered");
            assertThat(tampered.status()).isEqualTo(451);
            assertThat(tampered.headers()).containsEntry("x-dualtrack-rule", ToyTrack.HASH_MISMATCH);
            int asked = origin.requests("/tampered");
            // The block is remembered for the location: the known-verdict gate refuses before the upstream.
            assertThat(RawHttpClient.get(server.port(), "/toy/files/tampered").status()).isEqualTo(451);
            assertThat(origin.requests("/tampered")).isEqualTo(asked);

            // The same file again: a cache hit, judged and served by the runner and the fetcher.
            assertThat(RawHttpClient.get(server.port(), "/toy/files/good").body()).isEqualTo(GOOD);

            String after = RawHttpClient.get(server.port(), "/metrics").text();
            assertThat(after).contains("dualtrack_blocked_total{rule=\"" + ToyTrack.FORBIDDEN_NAME
                    + "\",track=\"toy\"} 1.0").contains("dualtrack_requests_total{outcome=\"blocked\",track=\"toy\"}");
            Awaits.until(() -> audit(dir).contains("\"track\":\"toy\""));
        }
    }

    @Test
    void aWaiverNamesTheToyTrackAndItsRule(@TempDir Path dir) throws Exception {
        try (DualtrackServer server = DualtrackServer.start(ConfigLoader.parse("t", "listen: {port: 0}\n"
                + "cache: {dir: '" + dir + "'}\naudit: {output: '" + dir.resolve("audit.log") + "'}\n"
                + "policy:\n  waivers:\n    - {track: toy, project: evil-twin, rules: [" + ToyTrack.FORBIDDEN_NAME
                + "], reason: the toy test, expires: 2999-01-01}\n"))) {
            RawHttpClient.Response evil = RawHttpClient.get(server.port(), "/toy/files/evil-twin");
            assertThat(evil.status()).isEqualTo(200);
            assertThat(evil.body()).isEqualTo(GOOD);
        }
    }

    private static dev.dualtrack.proxy.testing.BodySource body(byte[] b) {
        return dev.dualtrack.proxy.testing.BodySource.of(b);
    }

    private static String audit(Path dir) {
        try {
            return Files.readString(dir.resolve("audit.log"));
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
