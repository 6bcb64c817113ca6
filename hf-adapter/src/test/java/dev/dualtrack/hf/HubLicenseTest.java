package dev.dualtrack.hf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.config.Secrets;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.scanner.fixtures.ModelFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hub's license gate under the policy section, through the real proxy: a dataset's card is judged like a
 * model's; a waiver for the repo and monitor mode let a denied license through, counted; a card the Hub cannot
 * give refuses the commit's files (fail closed) and is asked again; a repo's card is fetched once per commit.
 */
class HubLicenseTest {
    static final byte[] WEIGHTS = ModelFixtures.safetensors(4_000, 3);

    @TempDir
    Path data;
    FakeHub hub;
    ProxyRuntime runtime;
    final List<String> audit = new CopyOnWriteArrayList<>();

    static byte[] card(String license) {
        return ("---\nlicense: " + license + "\n---\n").getBytes(StandardCharsets.UTF_8);
    }

    void start(String policy) throws Exception {
        hub = new FakeHub("acme/nc", "1".repeat(40)).regularFile("README.md", card("cc-by-nc-4.0"))
                .lfsFile("model.safetensors", WEIGHTS, WEIGHTS).regularFile("config.json", "{}".getBytes());
        hub.dataset("acme/nc-data", "2".repeat(40)).regularFile("README.md", card("cc-by-nc-sa-4.0"))
                .lfsFile("train.safetensors", WEIGHTS, WEIGHTS);
        hub.anotherRepo("acme/nocard", "3".repeat(40)).lfsFile("model.safetensors", WEIGHTS, WEIGHTS);
        DualtrackConfig config = ConfigLoader.parse("test", """
                listen: {port: 0}
                cache: {dir: '%s'}
                hf:
                  upstream: '%s'
                  redirect-hosts: ['127.0.0.1:%d']
                licenses: {deny: [cc-by-nc-*], unknown: block}
                %s
                """.formatted(data, hub.hub().uri(""), hub.cdn().port(), policy));
        runtime = ProxyRuntime.create(config, AuditLog.inMemory(true, audit::add), Clock.systemUTC());
        runtime.start(runtime.newRouter().add("/hf", HfRoute.create(runtime, Secrets.of(Map.of()))));
    }

    @AfterEach
    void stop() throws Exception {
        runtime.close();
        hub.close();
    }

    RawHttpClient.Response get(String path) throws Exception {
        return RawHttpClient.get(runtime.port(), path);
    }

    @Test
    void aDatasetsCardIsJudgedAndTheCardIsFetchedOncePerCommit() throws Exception {
        start("");
        RawHttpClient.Response r = get("/hf/datasets/acme/nc-data/resolve/main/train.safetensors");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.headers().get("x-error-message")).contains("datasets/acme/nc-data at 222222222222 is under "
                + "license 'cc-by-nc-sa-4.0' (model card)");
        assertThat(get("/hf/acme/nc/resolve/main/config.json").headers().get("x-dualtrack-rule")).isEqualTo("hf.license");
        assertThat(get("/hf/acme/nc/resolve/main/model.safetensors").status()).isEqualTo(403);
        String card = "/acme/nc/resolve/" + "1".repeat(40) + "/README.md";
        assertThat(hub.hub().requestHeaders().stream().filter(h -> h.get(":path").equals(card))).hasSize(1);
        assertThat(hub.cdn().requestHeaders()).isEmpty();
    }

    @Test
    void aRepoWithoutACardIsAnUnknownLicenseUnderItsOwnRule() throws Exception {
        start("");
        RawHttpClient.Response r = get("/hf/acme/nocard/resolve/main/model.safetensors");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.headers().get("x-dualtrack-rule")).isEqualTo("hf.license-unknown");
        assertThat(r.headers().get("x-error-message")).contains("has no model card (README.md)");
    }

    @Test
    void aWaiverForTheRepoLetsItThroughAndSaysSo() throws Exception {
        start("policy: {waivers: [{track: hf, project: acme/nc, rules: [hf.license], reason: 'licensed from acme, "
                + "LEGAL-7', expires: 2099-01-01}]}");
        RawHttpClient.Response r = get("/hf/acme/nc/resolve/main/model.safetensors");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodySha256()).isEqualTo(FakeHub.sha256(WEIGHTS));
        assertThat(audit).anyMatch(l -> l.contains("\"waive") && l.contains("hf.license"));
        assertThat(get("/hf/datasets/acme/nc-data/resolve/main/train.safetensors").status()).isEqualTo(403);
    }

    @Test
    void monitorModeServesADeniedLicenseAndCountsIt() throws Exception {
        start("policy: {mode: monitor}");
        assertThat(get("/hf/acme/nc/resolve/main/model.safetensors").status()).isEqualTo(200);
        assertThat(runtime.metrics().registry().get("dualtrack.warned").tag("rule", "hf.license").counter().count())
                .isGreaterThanOrEqualTo(1);
    }
}
