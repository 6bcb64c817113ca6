package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dualtrack.hf.FakeHub;
import dev.dualtrack.pypi.FakeIndex;
import dev.dualtrack.pypi.WheelBuilder;
import dev.dualtrack.scanner.fixtures.ModelFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may pull what, with the real clients against the real dualtrack process ({@code access.mode: token}):
 * pip with the token in the index URL, poetry with http-basic credentials, huggingface_hub with {@code HF_TOKEN}.
 * Each is allowed, refused with 401 without a token and with 403 beyond its grant, and no dualtrack token ever
 * reaches the fake index or Hub (their request logs are read). A principal allowed {@code acme/*} cannot read
 * {@code corp/private} through the proxy's Hub token, neither from the Hub nor from the cache. Then pip over
 * {@code https://} with a test CA, without {@code --trusted-host}.
 */
class AccessEndToEndIT {
    static final String ALICE = "dt_alice-0123456789";
    static final String BOB = "dt_bob-0123456789";
    static final String CAROL = "dt_carol-0123456789";
    static final String INDEX_TOKEN = "internal-index-secret";
    static final String HUB_TOKEN = "hf_proxy_token_0123";

    @TempDir
    static Path dir;
    static FakeIndex internal;
    static FakeIndex pypi;
    static FakeHub hub;
    static CliIT.Served served;
    static Path python;

    static String sha(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @BeforeAll
    static void start() throws Exception {
        internal = new FakeIndex(false);
        pypi = new FakeIndex(false);
        internal.file("acme-utils", WheelBuilder.filename("acme-utils", "1.0"),
                WheelBuilder.wheel("acme-utils", "1.0", "VERSION = 'internal-1.0'\n"));
        internal.file("acme-secret", WheelBuilder.filename("acme-secret", "1.0"),
                WheelBuilder.wheel("acme-secret", "1.0", "VERSION = 'secret'\n"));
        pypi.file("tinylib", WheelBuilder.filename("tinylib", "1.0"),
                WheelBuilder.wheel("tinylib", "1.0", "VERSION = 'public-1.0'\n"));
        byte[] config = "{\"model_type\": \"bert\"}".getBytes(StandardCharsets.UTF_8);
        byte[] weights = ModelFixtures.safetensors(32 << 10, 7);
        byte[] secret = ModelFixtures.safetensors(16 << 10, 8);
        hub = new FakeHub("acme/tiny", "a".repeat(40)).regularFile("config.json", config)
                .lfsFile("model.safetensors", weights, weights);
        hub.privateRepo("corp/private", "b".repeat(40), HUB_TOKEN).lfsFile("model.safetensors", secret, secret);

        Files.writeString(dir.resolve("tokens.yaml"), """
                tokens:
                  - {principal: alice, sha256: %s, pypi: {projects: ['*'], upstreams: ['*']}, hf: {repos: ['acme/*']}}
                  - {principal: bob, sha256: %s, pypi: {projects: [tinylib, acme-utils], upstreams: [pypi]}}
                  - {principal: carol, sha256: %s, hf: {repos: ['acme/*', 'corp/*']}}
                """.formatted(sha(ALICE), sha(BOB), sha(CAROL)));
        Path cfg = dir.resolve("dualtrack.yaml");
        Files.writeString(cfg, """
                listen: {port: 0}
                cache: {dir: '%s'}
                audit: {output: '%s', log-allows: true}
                pypi:
                  upstreams:
                    - {name: internal, url: '%s', internal: true, auth: {bearer-env: INDEX_TOKEN}}
                    - {name: pypi, url: '%s'}
                  reserved: [{namespace: acme, upstream: internal}]
                hf:
                  upstream: '%s'
                  redirect-hosts: ['127.0.0.1:%d']
                  token-env: HUB_TOKEN
                access:
                  mode: token
                  tokens-file: tokens.yaml
                """.formatted(dir.resolve("data"), dir.resolve("audit.log"), internal.simpleUrl(), pypi.simpleUrl(),
                hub.hub().uri(""), hub.cdn().port()));
        served = CliIT.serve(cfg, Map.of("INDEX_TOKEN", INDEX_TOKEN, "HUB_TOKEN", HUB_TOKEN));
        python = HfEndToEndIT.installPythonClient(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (served != null) {
            served.stop();
        }
        internal.close();
        pypi.close();
        hub.close();
    }

    static ClientTools.Result pip(String token, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(python.getParent().resolve("pip").toString(), "install",
                "--no-cache-dir", "--no-input", "--force-reinstall", "--no-deps", "--index-url",
                "http://" + (token == null ? "" : "__token__:" + token + "@") + "127.0.0.1:" + served.port()
                        + "/pypi/simple/"));
        cmd.addAll(List.of(args));
        return ClientTools.run(dir, Map.of(), cmd);
    }

    static JsonNode hubClient(String token, String repo, String file) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(Map.of("HF_ENDPOINT", "http://127.0.0.1:" + served.port()
                + "/hf", "HF_HOME", dir.resolve("hf-home-" + (token == null ? "none" : token.substring(3, 6)))
                .toString(), "HF_HUB_DISABLE_TELEMETRY", "1"));
        if (token != null) {
            env.put("HF_TOKEN", token);
        }
        ClientTools.Result r = ClientTools.run(dir, env, List.of(python.toString(), dir.resolve("hub_client.py")
                .toString(), "download", repo, file));
        return HfEndToEndIT.json(r);
    }

    /** No request any upstream saw carried a dualtrack token, in any header. */
    static void noDualtrackTokenUpstream() {
        List<Map<String, String>> seen = new ArrayList<>();
        seen.addAll(internal.origin().requestHeaders());
        seen.addAll(pypi.origin().requestHeaders());
        seen.addAll(hub.hub().requestHeaders());
        seen.addAll(hub.cdn().requestHeaders());
        assertThat(seen).isNotEmpty();
        for (Map<String, String> h : seen) {
            for (String v : h.values()) {
                for (String token : List.of(ALICE, BOB, CAROL)) {
                    assertThat(v).doesNotContain(token);
                    assertThat(v).doesNotContain(java.util.Base64.getEncoder().encodeToString(("__token__:" + token)
                            .getBytes(StandardCharsets.UTF_8)));
                }
            }
        }
    }

    static String audit() throws Exception {
        return Files.readString(dir.resolve("audit.log"));
    }

    @Test
    void pipWithTheTokenInTheIndexUrl() throws Exception {
        ClientTools.Result ok = pip(ALICE, "acme-utils", "tinylib");
        assertThat(ok.exit()).as(ok.out()).isZero();
        assertThat(internal.origin().requestHeaders()).anySatisfy(h -> assertThat(h.get("authorization"))
                .isEqualTo("Bearer " + INDEX_TOKEN));

        // pip reports an index page it could not read only at -vv ("Could not fetch URL"); by default it says
        // it found no distribution (docs/access.md quotes both).
        ClientTools.Result none = pip(null, "-vv", "tinylib");
        assertThat(none.exit()).as(none.out()).isNotZero();
        assertThat(none.out()).contains("401 Client Error").contains("No matching distribution found for tinylib");

        ClientTools.Result wrong = pip("dt_not-a-token", "-vv", "tinylib");
        assertThat(wrong.exit()).isNotZero();
        assertThat(wrong.out()).contains("401 Client Error");
        noDualtrackTokenUpstream();
    }

    @Test
    void pipBeyondItsGrantIsRefusedNamingThePrincipal() throws Exception {
        // Not in bob's projects: refused before any index is asked.
        ClientTools.Result secret = pip(BOB, "-vv", "acme-secret");
        assertThat(secret.exit()).as(secret.out()).isNotZero();
        assertThat(secret.out()).contains("403 Client Error: Blocked by dualtrack rule access.denied");
        assertThat(internal.pageRequests("acme-secret")).as("never asked").isZero();
        // In bob's projects, but owned by an index bob may not read.
        ClientTools.Result utils = pip(BOB, "-vv", "acme-utils");
        assertThat(utils.exit()).as(utils.out()).isNotZero();
        assertThat(utils.out()).contains("Blocked by dualtrack rule access.denied");
        ClientTools.Result tiny = pip(BOB, "tinylib");
        assertThat(tiny.exit()).as(tiny.out()).isZero();
        dev.dualtrack.proxy.testing.Awaits.until(() -> {
            try {
                return audit().contains("\"principal\":\"bob\"") && audit().contains("may not pull from index "
                        + "'internal'");
            } catch (Exception e) {
                return false;
            }
        });
        noDualtrackTokenUpstream();
    }

    @Test
    void poetryWithHttpBasicCredentials() throws Exception {
        ClientTools.assumeInstalled("poetry", "python3-poetry");
        Path project = ClientTools.poetryProject(dir.resolve("poetry-project"), served.port(), "acme-utils = \"*\"",
                "tinylib = \"*\"");
        Map<String, String> env = new java.util.HashMap<>(Map.of("PYTHON_KEYRING_BACKEND",
                "keyring.backends.null.Keyring"));
        ClientTools.Result refused = ClientTools.poetryLock(dir, project, env);
        assertThat(refused.exit()).as(refused.out()).isNotZero();
        // poetry's http-basic credentials for the source, here from its environment variables.
        env.put("POETRY_HTTP_BASIC_DUALTRACK_USERNAME", "__token__");
        env.put("POETRY_HTTP_BASIC_DUALTRACK_PASSWORD", ALICE);
        ClientTools.Result lock = ClientTools.poetryLock(dir, project, env);
        assertThat(lock.exit()).as(lock.out()).isZero();
        assertThat(Files.readString(project.resolve("poetry.lock"))).contains("name = \"acme-utils\"",
                "name = \"tinylib\"");
        noDualtrackTokenUpstream();
    }

    @Test
    void huggingfaceHubWithHfToken() throws Exception {
        JsonNode ok = hubClient(ALICE, "acme/tiny", "model.safetensors");
        assertThat(ok.path("ok").asBoolean()).as(ok.toString()).isTrue();
        // The proxy's own Hub token went upstream for a repo alice may pull; hers never did.
        assertThat(hub.hub().requestHeaders()).anySatisfy(h -> assertThat(h.get("authorization"))
                .isEqualTo("Bearer " + HUB_TOKEN));

        JsonNode none = hubClient(null, "acme/tiny", "config.json");
        assertThat(none.path("ok").asBoolean()).isFalse();
        assertThat(none.path("error").asText()).contains("401");

        JsonNode beyond = hubClient(ALICE, "corp/private", "model.safetensors");
        assertThat(beyond.path("ok").asBoolean()).isFalse();
        assertThat(beyond.path("error").asText()).contains("alice").contains("corp/private");
        noDualtrackTokenUpstream();
    }

    @Test
    void aPrivateRepoIsReadOnlyByThoseGrantedItFromTheHubOrTheCache() throws Exception {
        int before = hub.hub().requestHeaders().size();
        JsonNode carol = hubClient(CAROL, "corp/private", "model.safetensors");
        assertThat(carol.path("ok").asBoolean()).as(carol.toString()).isTrue();
        // Now cached: alice is refused all the same, and the Hub is not asked on her behalf.
        int afterCarol = hub.hub().requestHeaders().size();
        assertThat(afterCarol).isGreaterThan(before);
        JsonNode alice = hubClient(ALICE, "corp/private", "model.safetensors");
        assertThat(alice.path("ok").asBoolean()).isFalse();
        assertThat(alice.path("error").asText()).contains("may not pull repo corp/private");
        assertThat(hub.hub().requestHeaders()).hasSize(afterCarol);
        dev.dualtrack.proxy.testing.Awaits.until(() -> {
            try {
                String a = audit();
                return a.lines().anyMatch(l -> l.contains("\"principal\":\"carol\"") && l.contains("corp/private")
                        && l.contains("\"decision\":\"allow\"")) && a.lines().anyMatch(l -> l.contains(
                        "\"principal\":\"alice\"") && l.contains("corp/private") && l.contains("access.denied"));
            } catch (Exception e) {
                return false;
            }
        });
        noDualtrackTokenUpstream();
    }

    @Test
    void aTokenRemovedFromTheTokensFileStopsWorkingWithoutARestart() throws Exception {
        Path tokens = dir.resolve("reload-tokens.yaml");
        Files.writeString(tokens, "tokens:\n  - {principal: dave, sha256: " + sha("dt_dave-1") + ", tracks: [pypi]}\n");
        Path cfg = dir.resolve("reload.yaml");
        Files.writeString(cfg, "listen: {port: 0}\ncache: {dir: '" + dir.resolve("reload-data") + "'}\naudit: {output: '"
                + dir.resolve("reload-audit.log") + "'}\naccess: {mode: token, tokens-file: reload-tokens.yaml}\n");
        CliIT.Served s = CliIT.serve(cfg);
        try {
            String bearer = "Authorization: Bearer dt_dave-1";
            assertThat(dev.dualtrack.proxy.testing.RawHttpClient.get(s.port(), "/pypi/simple/", bearer).status())
                    .isEqualTo(200);
            dev.dualtrack.proxy.testing.RawHttpClient.Response none = dev.dualtrack.proxy.testing.RawHttpClient.get(
                    s.port(), "/pypi/simple/");
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.headers().get("www-authenticate")).contains("realm=\"dualtrack\"");
            Files.writeString(tokens, "tokens: []\n");
            dev.dualtrack.proxy.testing.Awaits.until(() -> {
                try {
                    return dev.dualtrack.proxy.testing.RawHttpClient.get(s.port(), "/pypi/simple/", bearer).status()
                            == 401;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        } finally {
            s.stop();
        }
    }

    @Test
    void pipOverHttpsWithTheOperatorsCaAndNoTrustedHost() throws Exception {
        TestCertificates.Files3 tls = TestCertificates.write(dir.resolve("tls"));
        Path cfg = dir.resolve("tls.yaml");
        Files.writeString(cfg, """
                listen: {port: 0, tls: {cert: '%s', key: '%s'}}
                cache: {dir: '%s'}
                audit: {output: '%s'}
                pypi:
                  upstreams:
                    - {name: pypi, url: '%s'}
                """.formatted(tls.cert(), tls.key(), dir.resolve("tls-data"), dir.resolve("tls-audit.log"),
                pypi.simpleUrl()));
        CliIT.Served https = CliIT.serve(cfg);
        try {
            // This machine's environment names a system CA bundle, which requests lets override pip's --cert
            // (docs/access.md): the variables are removed, as on a machine that does not set them.
            Map<String, String> noBundle = new java.util.HashMap<>();
            for (String v : List.of("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT", "SSL_CERT_FILE")) {
                noBundle.put(v, null);
            }
            ClientTools.Result r = ClientTools.run(dir, noBundle, List.of(python.getParent().resolve("pip").toString(),
                    "install", "--no-cache-dir", "--no-input", "--force-reinstall", "--no-deps", "--cert",
                    tls.ca().toString(), "--index-url", "https://127.0.0.1:" + https.port() + "/pypi/simple/",
                    "tinylib"));
            assertThat(r.exit()).as(r.out()).isZero();
            assertThat(r.out()).doesNotContain("trusted-host");
            // Without the CA, the certificate is not trusted: the client refuses, as it must.
            ClientTools.Result untrusted = ClientTools.run(dir, noBundle, List.of(python.getParent().resolve("pip")
                    .toString(), "install", "--no-cache-dir", "--no-input", "--force-reinstall", "--no-deps",
                    "--retries", "0", "--index-url",
                    "https://127.0.0.1:" + https.port() + "/pypi/simple/", "tinylib"));
            assertThat(untrusted.exit()).isNotZero();
            assertThat(untrusted.out()).containsIgnoringCase("certificate");
        } finally {
            https.stop();
        }
    }
}
