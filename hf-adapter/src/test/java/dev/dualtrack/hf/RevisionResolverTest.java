package dev.dualtrack.hf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.hf.RevisionResolver.Commit;
import dev.dualtrack.hf.RevisionResolver.Refused;
import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.proxy.testing.UpstreamHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Branch and tag to commit, against a scripted Hub answering as huggingface.co does. */
@ExtendWith(LeakCheckExtension.class)
class RevisionResolverTest {
    static final String SHA = "8b2b98c00a6b4d291155e4890773ca8f769aee53";
    ScriptedOrigin hub;
    UpstreamHarness upstream;

    @BeforeEach
    void start() throws Exception {
        hub = new ScriptedOrigin();
        upstream = new UpstreamHarness();
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
        hub.close();
    }

    RevisionResolver.Resolution resolve(RevisionResolver r, String repo, String rev, Optional<String> auth)
            throws Exception {
        return r.resolve(HubPath.RepoType.MODEL, repo, rev, auth, upstream.loop()).get(10, TimeUnit.SECONDS);
    }

    static Script json(String body) {
        return Script.ok(BodySource.of(body.getBytes(StandardCharsets.UTF_8))).header("Content-Type",
                "application/json; charset=utf-8");
    }

    @Test
    void aBranchResolvesOnceAndACommitNeedsNoRequest() throws Exception {
        hub.on("/api/models/acme/bert/revision/main", json("{\"_id\":\"x\",\"id\":\"acme/bert\",\"sha\":\"" + SHA
                + "\",\"siblings\":[]}"));
        hub.on("/api/models/acme/bert/revision/refs%2Fpr%2F3", json("{\"sha\":\"" + "1".repeat(40) + "\"}"));
        RevisionResolver r = new RevisionResolver(upstream.client(), hub.uri(""), Optional.of("hf_upstream"),
                Duration.ofMinutes(1));
        assertThat(resolve(r, "acme/bert", "main", Optional.empty())).isEqualTo(new Commit(SHA));
        assertThat(resolve(r, "acme/bert", "main", Optional.empty())).isEqualTo(new Commit(SHA));
        assertThat(hub.requests("/api/models/acme/bert/revision/main")).isEqualTo(1);
        assertThat(hub.requestHeaders().get(0)).containsEntry("authorization", "Bearer hf_upstream");
        assertThat(resolve(r, "acme/bert", "refs/pr/3", Optional.empty())).isEqualTo(new Commit("1".repeat(40)));
        assertThat(resolve(r, "acme/bert", SHA, Optional.empty())).isEqualTo(new Commit(SHA));
        assertThat(hub.requests("/api/models/acme/bert/revision/" + SHA)).isZero();
    }

    @Test
    void aCommitLearntWithOneTokenIsNotToldToAnotherCaller() throws Exception {
        hub.on("/api/models/acme/private/revision/main", json("{\"sha\":\"" + SHA + "\"}"));
        RevisionResolver r = new RevisionResolver(upstream.client(), hub.uri(""), Optional.empty(),
                Duration.ofMinutes(1));
        assertThat(resolve(r, "acme/private", "main", Optional.of("Bearer hf_alice"))).isEqualTo(new Commit(SHA));
        resolve(r, "acme/private", "main", Optional.empty());
        assertThat(hub.requests("/api/models/acme/private/revision/main")).isEqualTo(2);
        assertThat(hub.requestHeaders().get(0)).containsEntry("authorization", "Bearer hf_alice");
        assertThat(hub.requestHeaders().get(1)).doesNotContainKey("authorization");
    }

    @Test
    void hubErrorsComeBackWithTheirErrorHeaders() throws Exception {
        hub.on("/api/models/acme/missing/revision/main", Script.status(404).header("X-Error-Code", "RepoNotFound")
                .header("X-Error-Message", "Repository not found"));
        hub.on("/api/models/acme/odd/revision/main", json("{\"sha\":\"main\"}"));
        hub.on("/api/models/acme/html/revision/main", Script.ok(BodySource.of("<html>".getBytes(StandardCharsets.UTF_8))));
        RevisionResolver r = new RevisionResolver(upstream.client(), hub.uri(""), Optional.empty(),
                Duration.ofMinutes(1));
        Refused missing = (Refused) resolve(r, "acme/missing", "main", Optional.empty());
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.errorHeaders().get("X-Error-Code")).isEqualTo("RepoNotFound");
        assertThat(missing.errorHeaders().get("X-Error-Message")).isEqualTo("Repository not found");
        assertThat(((Refused) resolve(r, "acme/odd", "main", Optional.empty())).reason()).contains("no 40-hex sha");
        assertThat(((Refused) resolve(r, "acme/html", "main", Optional.empty())).reason()).contains("not JSON");
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        RevisionResolver nowhere = new RevisionResolver(upstream.client(),
                java.net.URI.create("http://127.0.0.1:" + closedPort), Optional.empty(), Duration.ofMinutes(1));
        Refused down = (Refused) resolve(nowhere, "acme/bert", "v1.0", Optional.empty());
        assertThat(down.status()).isEqualTo(502);
        assertThat(down.reason()).startsWith("the Hub could not be asked for acme/bert@v1.0");
    }

    @Test
    void revisionsAreQuotedAsOneSegment() {
        assertThat(RevisionResolver.pathSegment("refs/pr/3")).isEqualTo("refs%2Fpr%2F3");
        assertThat(RevisionResolver.pathSegment("my tag")).isEqualTo("my%20tag");
    }

    @Test
    void concurrentResolutionsShareOneRequest() throws Exception {
        hub.on("/api/models/acme/busy/revision/main", json("{\"sha\":\"" + SHA + "\"}").delayHeaders(200));
        RevisionResolver r = new RevisionResolver(upstream.client(), hub.uri(""), Optional.empty(),
                Duration.ofMinutes(1));
        java.util.List<java.util.concurrent.CompletableFuture<RevisionResolver.Resolution>> all =
                new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            all.add(r.resolve(HubPath.RepoType.MODEL, "acme/busy", "main", Optional.empty(), upstream.loop()));
        }
        for (var f : all) {
            assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(new Commit(SHA));
        }
        assertThat(hub.requests("/api/models/acme/busy/revision/main")).isEqualTo(1);
    }
}
