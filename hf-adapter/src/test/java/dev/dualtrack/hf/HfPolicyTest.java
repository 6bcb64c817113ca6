package dev.dualtrack.hf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.Secrets;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.testing.Awaits;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy section on the Hub track, in flight: a waiver by sha256 serves one blocked-but-benign model file
 * and nothing else; monitor mode serves what it would block but never tampered bytes.
 */
@ExtendWith(LeakCheckExtension.class)
class HfPolicyTest {
    static final String COMMIT = "4".repeat(40);
    /** An sklearn model pickle: outside the weights-only allow-list, harmless. */
    static final byte[] SKLEARN = "\u0080\u0002csklearn.linear_model._base\nLinearRegression\n)R.".getBytes(
            StandardCharsets.ISO_8859_1);
    /** Another sklearn pickle, waived by repo and path rather than by sha256. */
    static final byte[] LISTED = "\u0080\u0002csklearn.tree._classes\nDecisionTreeClassifier\n)R.".getBytes(
            StandardCharsets.ISO_8859_1);
    static final byte[] EVIL = "\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000id\u0085R.".getBytes(
            StandardCharsets.ISO_8859_1);

    @TempDir
    static Path data;
    static FakeHub hub;
    static ProxyRuntime enforcing;
    static ProxyRuntime monitoring;
    static final List<String> audit = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        hub = new FakeHub("acme/tabular", COMMIT)
                .lfsFile("model.joblib", SKLEARN, SKLEARN)
                .lfsFile("evil.pkl", EVIL, EVIL)
                .lfsFile("listed.joblib", LISTED, LISTED);
        // Announced under the waived sha256, but other bytes: the waiver must not serve them.
        hub.cdn().on("/swapped", dev.dualtrack.proxy.testing.ScriptedOrigin.Script.ok(
                dev.dualtrack.proxy.testing.BodySource.of(EVIL)));
        hub.lfsRedirect("swapped.joblib", SKLEARN, hub.cdn().uri("/swapped"));
        enforcing = start(data.resolve("a"), """
                policy:
                  waivers:
                    - {track: hf, sha256: '%s', reason: 'sklearn model reviewed', expires: 2999-01-01, ticket: SEC-7}
                    - {track: hf, project: 'acme/*', file: 'listed.*', reason: 'our models', expires: 2999-01-01}
                """.formatted(FakeHub.sha256(SKLEARN)));
        monitoring = start(data.resolve("b"), "policy: {mode: monitor}\n");
    }

    static ProxyRuntime start(Path dir, String policy) throws Exception {
        ProxyRuntime rt = ProxyRuntime.create(ConfigLoader.parse("test", """
                listen: {port: 0}
                admin: {port: 0}
                cache: {dir: '%s'}
                hf:
                  upstream: '%s'
                  redirect-hosts: ['127.0.0.1:%d']
                """.formatted(dir, hub.hub().uri(""), hub.cdn().port()) + policy),
                AuditLog.inMemory(true, audit::add), Clock.systemUTC());
        rt.start(rt.newRouter().add("/hf", HfRoute.create(rt, Secrets.of(Map.of()))));
        return rt;
    }

    @AfterAll
    static void stop() throws Exception {
        enforcing.close();
        monitoring.close();
        hub.close();
    }

    static RawHttpClient.Response get(ProxyRuntime rt, String file) throws Exception {
        return RawHttpClient.get(rt.port(), "/hf/acme/tabular/resolve/main/" + file);
    }

    @Test
    void aWaiverBySha256ServesThatFileAndNothingElse() throws Exception {
        RawHttpClient.Response waived = get(enforcing, "model.joblib");
        assertThat(waived.status()).as(waived.text()).isEqualTo(200);
        assertThat(waived.body()).isEqualTo(SKLEARN);
        Awaits.until(() -> audit.stream().anyMatch(l -> l.contains("\"waived\"") && l.contains("SEC-7")));
        assertThat(enforcing.metrics().scrape())
                .contains("dualtrack_waived_total{rule=\"hf.pickle.unknown-import\",track=\"hf\"} 1.0");
        // Again, now from the cache: still waived, still counted.
        assertThat(get(enforcing, "model.joblib").body()).isEqualTo(SKLEARN);
        assertThat(enforcing.metrics().scrape())
                .contains("dualtrack_waived_total{rule=\"hf.pickle.unknown-import\",track=\"hf\"} 2.0");
        RawHttpClient.Response evil = get(enforcing, "evil.pkl");
        assertThat(evil.status()).isEqualTo(403);
        assertThat(evil.headers()).containsEntry("x-dualtrack-rule", "hf.pickle.dangerous-import");
        // The waived hash announced for other bytes: the verified bytes of that hash come from the cache, the
        // CDN's other bytes never reach the client.
        RawHttpClient.Response swapped = get(enforcing, "swapped.joblib");
        assertThat(swapped.status()).isEqualTo(200);
        assertThat(swapped.body()).isEqualTo(SKLEARN);
    }

    @Test
    void aRefusalExplainsItselfAndTheVerdictEndpointShowsTheWaiver() throws Exception {
        RawHttpClient.Response evil = get(enforcing, "evil.pkl");
        assertThat(evil.status()).isEqualTo(403);
        String id = evil.headers().get("x-dualtrack-decision");
        assertThat(id).matches("[0-9a-f]{16}");
        assertThat(evil.headers().get("x-error-message")).startsWith("dualtrack blocked this file: "
                + "hf.pickle.dangerous-import");
        com.fasterxml.jackson.databind.JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(evil.body());
        assertThat(body.path("rule").asText()).isEqualTo("hf.pickle.dangerous-import");
        assertThat(body.path("decision").asText()).isEqualTo(id);
        assertThat(body.path("artifact").asText()).isEqualTo("acme/tabular");
        // A file that runs code when loaded gets no ready-made waiver; every finding is listed.
        assertThat(body.path("waiver").asText()).startsWith("none suggested: hf.pickle.dangerous-import");
        assertThat(body.path("findings").get(0).path("rule").asText()).isEqualTo("hf.pickle.dangerous-import");
        Awaits.until(() -> audit.stream().anyMatch(l -> l.contains("\"id\":\"" + id + "\"")));

        get(enforcing, "model.joblib");
        // Not on the main listener: it would tell any client what was found in any file anyone fetched.
        assertThat(RawHttpClient.get(enforcing.port(), "/-/verdicts/" + FakeHub.sha256(SKLEARN)).status())
                .isEqualTo(404);
        RawHttpClient.Response v = RawHttpClient.get(enforcing.adminPort(), "/-/verdicts/" + FakeHub.sha256(SKLEARN));
        assertThat(v.status()).isEqualTo(200);
        com.fasterxml.jackson.databind.JsonNode verdict = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(v.body());
        assertThat(verdict.path("verdict").asText()).isEqualTo("block");
        assertThat(verdict.path("rule").asText()).isEqualTo("hf.pickle.unknown-import");
        assertThat(verdict.path("findings").size()).isPositive();
        assertThat(verdict.path("waivers").get(0).path("label").asText()).isEqualTo("SEC-7");
        assertThat(verdict.path("rules").get(0).asText()).isEqualTo("hf.pickle.unknown-import");
        assertThat(RawHttpClient.get(enforcing.adminPort(), "/-/verdicts/" + "0".repeat(64)).status())
                .isEqualTo(404);
    }

    @Test
    void aFileWaivedByRepoAndPathDownloadsAndAKnownBlockIsListedAndRefused() throws Exception {
        RawHttpClient.Response listed = get(enforcing, "listed.joblib");
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body()).isEqualTo(LISTED);
        assertThat(get(enforcing, "evil.pkl").status()).isEqualTo(403);
        String tree = RawHttpClient.get(enforcing.port(), "/hf/api/models/acme/tabular/tree/" + COMMIT).text();
        assertThat(tree).contains("\"listed.joblib\"", "\"evil.pkl\"");
        assertThat(get(enforcing, "evil.pkl").headers().get("x-error-message")).contains("hf.pickle.dangerous-import");
    }

    @Test
    void monitorModeServesWhatItWouldBlockButNeverTamperedBytes() throws Exception {
        RawHttpClient.Response evil = get(monitoring, "evil.pkl");
        assertThat(evil.status()).isEqualTo(200);
        assertThat(evil.body()).isEqualTo(EVIL);
        assertThat(monitoring.metrics().scrape())
                .contains("dualtrack_warned_total{rule=\"hf.pickle.dangerous-import\",track=\"hf\"} 1.0")
                .doesNotContain("dualtrack_blocked_total{rule=\"hf.pickle.dangerous-import\",track=\"hf\"} 1");
        RawHttpClient.Response swapped = get(monitoring, "swapped.joblib");
        assertThat(swapped.status()).isEqualTo(403);
        assertThat(swapped.headers()).containsEntry("x-dualtrack-rule", "hf.lfs-oid-mismatch");
    }
}
