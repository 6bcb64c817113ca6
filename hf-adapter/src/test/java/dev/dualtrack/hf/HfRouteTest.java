package dev.dualtrack.hf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.config.Secrets;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.testing.Awaits;
import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.scanner.fixtures.ModelFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The Hub track through the real proxy, against {@link FakeHub} (a Hub origin and a CDN origin reached by 302). */
@ExtendWith(LeakCheckExtension.class)
public class HfRouteTest {
    static final String COMMIT = "8b2b98c00a6b4d291155e4890773ca8f769aee53";
    static final String R = "/hf/acme/bert/resolve/main/";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path data;
    static FakeHub hub;
    static ScriptedOrigin elsewhere;
    static ProxyRuntime runtime;
    static final List<String> audit = new CopyOnWriteArrayList<>();
    static byte[] safetensors;
    static byte[] checkpoint;
    static byte[] evilPickle;
    static byte[] bigTampered;
    static final byte[] CONFIG = "{\"model_type\":\"bert\"}\n".getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void start() throws Exception {
        safetensors = ModelFixtures.safetensors(40_000, 11);
        checkpoint = ModelFixtures.torchStateDict();
        evilPickle = ModelFixtures.systemCallPickle("echo pwned");
        byte[] trailing = Arrays.copyOf(safetensors, safetensors.length + 16);
        bigTampered = readAll(BodySource.generated(600_000, 7), 600_000);
        byte[] bigAnnounced = bigTampered.clone();
        bigAnnounced[bigAnnounced.length - 1] ^= 1;
        // The CDN serves a genuine file where the Hub announced another (the CDN is keyed by the announced oid).
        byte[] tamperedAnnounced = safetensors.clone();
        tamperedAnnounced[tamperedAnnounced.length - 1] ^= 1;
        elsewhere = new ScriptedOrigin();
        elsewhere.on("/payload", Script.ok(BodySource.of(evilPickle)));
        hub = new FakeHub("acme/bert", COMMIT)
                .lfsFile("model.safetensors", safetensors, safetensors)
                .lfsFile("pytorch_model.bin", checkpoint, checkpoint)
                .lfsFile("evil.bin", evilPickle, evilPickle)
                .lfsFile("copy-of-evil.bin", evilPickle, evilPickle)
                .lfsFile("tampered.safetensors", tamperedAnnounced, safetensors)
                .lfsFile("big.vocab", bigAnnounced, bigTampered)
                .lfsFile("broken.safetensors", trailing, trailing)
                .lfsRedirect("offhub.bin", "announced elsewhere".getBytes(StandardCharsets.UTF_8),
                        URI.create("http://localhost:" + elsewhere.port() + "/payload"))
                .regularFile("config.json", CONFIG)
                .regularFile("tokenizer.pkl", evilPickle)
                .regularFile("vocab.pkl", bigEvilPickle())
                .regularFile("modeling.py", "x = 1\n".getBytes(StandardCharsets.UTF_8),
                        "import os; os.system('id')\n".getBytes(StandardCharsets.UTF_8));
        hub.dataset("acme/squad", "3".repeat(40)).regularFile("README.md", CONFIG)
                .lfsFile("data/train.safetensors", safetensors, safetensors);
        DualtrackConfig config = ConfigLoader.parse("test", """
                listen: {port: 0}
                cache: {dir: '%s'}
                relay: {hold: 16KiB, hold-whole-below: 256KiB}
                hf:
                  upstream: '%s'
                  redirect-hosts: ['127.0.0.1:%d']
                  repos: {allow: ['*'], deny: ['evil-org/*']}
                  max-file-size: 1MiB
                  token-env: HF_UPSTREAM
                """.formatted(data, hub.hub().uri(""), hub.cdn().port()));
        runtime = ProxyRuntime.create(config, AuditLog.inMemory(true, audit::add), Clock.systemUTC());
        runtime.start(runtime.newRouter().add("/hf", HfRoute.create(runtime,
                Secrets.of(Map.of("HF_UPSTREAM", "hf_upstream_token")))));
    }

    @AfterAll
    static void stop() throws Exception {
        runtime.close();
        hub.close();
        elsewhere.close();
    }

    static RawHttpClient.Response get(String target, String... headers) throws Exception {
        return RawHttpClient.get(runtime.port(), target, headers);
    }

    static RawHttpClient.Response head(String target, String... headers) throws Exception {
        try (RawHttpClient c = new RawHttpClient(runtime.port())) {
            return c.request("HEAD", target, true, headers);
        }
    }

    static HttpResponse<String> post(String target, String contentType, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.port()
                        + target)).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static List<String> paths(JsonNode listing) {
        List<String> out = new ArrayList<>();
        listing.forEach(e -> out.add(e.path("path").asText()));
        return out;
    }

    @Test
    void headAnswersTheHubContractItselfWithoutARedirectOrXet() throws Exception {
        RawHttpClient.Response r = head(R + "model.safetensors");
        assertThat(r.status()).isEqualTo(200);
        String sha = FakeHub.sha256(safetensors);
        assertThat(r.headers()).containsEntry("x-repo-commit", COMMIT).containsEntry("etag", "\"" + sha + "\"")
                .containsEntry("x-linked-etag", "\"" + sha + "\"")
                .containsEntry("x-linked-size", Integer.toString(safetensors.length))
                .containsEntry("content-length", Integer.toString(safetensors.length))
                .doesNotContainKeys("location", "x-xet-hash", "link");
        // The branch was pinned: the Hub was asked for the file at the commit, never at "main".
        assertThat(hub.hub().requests("/acme/bert/resolve/" + COMMIT + "/model.safetensors")).isPositive();
        assertThat(hub.hub().requests("/acme/bert/resolve/main/model.safetensors")).isZero();
    }

    @Test
    void aSafetensorsModelAndACleanCheckpointDownloadWholeAndVerified() throws Exception {
        RawHttpClient.Response st = get(R + "model.safetensors");
        assertThat(st.status()).as(st.text()).isEqualTo(200);
        assertThat(st.complete()).isTrue();
        assertThat(st.bodySha256()).isEqualTo(FakeHub.sha256(safetensors));
        assertThat(st.headers()).containsEntry("x-repo-commit", COMMIT)
                .containsEntry("x-linked-etag", "\"" + FakeHub.sha256(safetensors) + "\"");
        RawHttpClient.Response pt = get(R + "pytorch_model.bin");
        assertThat(pt.status()).isEqualTo(200);
        assertThat(pt.body()).isEqualTo(checkpoint);
        // A second download comes from the verified cache: the CDN is not asked again.
        String sha = FakeHub.sha256(checkpoint);
        String cdnPath = "/repos/" + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha;
        int before = hub.cdn().requests(cdnPath);
        RawHttpClient.Response again = get(R + "pytorch_model.bin");
        assertThat(again.body()).isEqualTo(checkpoint);
        assertThat(again.headers()).containsEntry("x-repo-commit", COMMIT);
        assertThat(hub.cdn().requests(cdnPath)).isEqualTo(before);
    }

    @Test
    void concurrentDownloadsOfOneFileShareOneCdnFetch() throws Exception {
        byte[] shared = readAll(BodySource.generated(900_000, 9), 900_000);
        hub.lfsFile("shared.vocab", shared, shared);
        String sha = FakeHub.sha256(shared);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<RawHttpClient.Response>> all = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                all.add(pool.submit(() -> get(R + "shared.vocab")));
            }
            for (var f : all) {
                RawHttpClient.Response r = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodySha256()).isEqualTo(sha);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(hub.cdn().requests("/repos/" + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha))
                .isEqualTo(1);
        // ... and one HEAD to the Hub about it, plus the one GET: the shared rate limit is spent once.
        String resolve = "/acme/bert/resolve/" + COMMIT + "/shared.vocab";
        assertThat(hub.hub().requestHeaders().stream().filter(h -> h.get(":path").equals(resolve)
                && h.get(":method").equals("HEAD")).count()).isEqualTo(1);
        assertThat(hub.hub().requests(resolve)).isEqualTo(2);
    }

    @Test
    void onlyAWholeDownloadEntersTheLedgerOfFilesServedNotARangeOrAHead() throws Exception {
        byte[] probed = readAll(BodySource.generated(70_000, 21), 70_000);
        hub.lfsFile("probed.vocab", probed, probed);
        String sha = FakeHub.sha256(probed);
        assertThat(get(R + "probed.vocab", "Range: bytes=0-99").status()).isEqualTo(206);
        assertThat(get(R + "probed.vocab", "Range: bytes=100-199").status()).as("from the cache").isEqualTo(206);
        assertThat(servedShas()).as("a range gives the client no file").doesNotContain(sha);

        RawHttpClient.Response whole = get(R + "probed.vocab");
        assertThat(whole.bodySha256()).isEqualTo(sha);
        Awaits.until(() -> servedShas().contains(sha));
        assertThat(servedShas().stream().filter(sha::equals).count()).isEqualTo(1);
    }

    private static List<String> servedShas() {
        return runtime.recorder().served().of("hf", "acme/bert", java.util.Optional.of(COMMIT),
                java.util.Optional.empty()).join().stream()
                .map(dev.dualtrack.proxy.bom.ServedLedger.Served::sha256).toList();
    }

    static byte[] readAll(BodySource b, int n) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(n);
        b.write(out, 0, n);
        return out.toByteArray();
    }

    @Test
    void aRangeProbeGetsItsByteAndTheTotalSize() throws Exception {
        RawHttpClient.Response r = get(R + "model.safetensors", "Range: bytes=0-0",
                "Accept: application/vnd.xet-fileinfo+json, */*");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.headers()).containsEntry("content-range", "bytes 0-0/" + safetensors.length);
        assertThat(r.headers().get("content-type")).doesNotContain("xet");
        assertThat(r.body()).containsExactly(safetensors[0]);
    }

    @Test
    void aMaliciousPickleIsRefusedAndThenRefusedBeforeAnyUpstreamByte() throws Exception {
        RawHttpClient.Response first = get(R + "evil.bin");
        assertThat(first.status()).isEqualTo(403);
        assertThat(first.headers().get("x-error-message")).contains("hf.pickle.dangerous-import");
        assertThat(JSON.readTree(first.body()).path("error").asText()).contains("hf.pickle.dangerous-import");
        String sha = FakeHub.sha256(evilPickle);
        String cdnPath = "/repos/" + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha;
        int fetched = hub.cdn().requests(cdnPath);
        RawHttpClient.Response second = get(R + "evil.bin");
        assertThat(second.status()).isEqualTo(403);
        assertThat(second.headers()).containsEntry("x-dualtrack-rule", "hf.pickle.dangerous-import");
        assertThat(head(R + "evil.bin").status()).isEqualTo(403);
        assertThat(hub.cdn().requests(cdnPath)).isEqualTo(fetched);
        // Known now, and still listed: a client that asks for it is told why, rather than getting a snapshot
        // that silently lacks it (docs/policy.md, "Hidden or refused").
        JsonNode tree = JSON.readTree(get("/hf/api/models/acme/bert/tree/" + COMMIT + "?recursive=true").body());
        assertThat(paths(tree)).contains("model.safetensors", "evil.bin");
        JsonNode info = JSON.readTree(get("/hf/api/models/acme/bert/revision/main").body());
        List<String> siblings = new ArrayList<>();
        info.path("siblings").forEach(s -> siblings.add(s.path("rfilename").asText()));
        assertThat(siblings).contains("config.json", "evil.bin");
        assertThat(runtime.metrics().scrape()).doesNotContainPattern("dualtrack_hidden_total\\{rule=\"hf.pickle"
                + ".dangerous-import\",track=\"hf\"} [1-9]");
        assertThat(runtime.metrics().scrape())
                .containsPattern("dualtrack_blocked_total\\{rule=\"hf.pickle.dangerous-import\",track=\"hf\"} [2-9]");
        assertThat(audit).anySatisfy(line -> assertThat(line).contains("\"track\":\"hf\"", "acme/bert", "evil.bin",
                sha, "hf.pickle.dangerous-import"));
    }

    @Test
    void aTamperedLfsFileNeverCompletes() throws Exception {
        RawHttpClient.Response small = get(R + "tampered.safetensors");
        assertThat(small.status()).isEqualTo(403);
        assertThat(small.headers().get("x-error-message")).contains("hf.lfs-oid-mismatch");
        // Larger than hold-whole-below: it streams, and the held tail is never sent.
        RawHttpClient.Response big = get(R + "big.vocab");
        assertThat(big.status() == 200 && big.complete()).isFalse();
        assertThat(big.bodyLength()).isLessThan(bigTampered.length);
        assertThat(runtime.metrics().scrape())
                .containsPattern("dualtrack_blocked_total\\{rule=\"hf.lfs-oid-mismatch\",track=\"hf\"} [2-9]");
    }

    @Test
    void aRegularFileIsVerifiedAgainstItsGitBlobId() throws Exception {
        RawHttpClient.Response ok = get(R + "config.json");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(CONFIG);
        assertThat(ok.headers()).containsEntry("etag", "\"" + FakeHub.gitBlobSha1(CONFIG) + "\"");
        RawHttpClient.Response swapped = get(R + "modeling.py");
        assertThat(swapped.status()).isEqualTo(403);
        assertThat(swapped.headers().get("x-error-message")).contains("hf.blob-oid-mismatch");
    }

    @Test
    void anOffHubRedirectIsRefusedAndTheOtherHostNeverAsked() throws Exception {
        RawHttpClient.Response r = get(R + "offhub.bin");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.headers().get("x-error-message")).contains("hf.redirect-host", "localhost");
        assertThat(head(R + "offhub.bin").status()).isEqualTo(403);
        assertThat(elsewhere.requests("/payload")).isZero();
    }

    @Test
    void anInvalidSafetensorsFileIsRefused() throws Exception {
        RawHttpClient.Response r = get(R + "broken.safetensors");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.headers().get("x-error-message")).contains("hf.safetensors");
    }

    @Test
    void filesOverTheSizeLimitAreRefusedBeforeAnyByte() throws Exception {
        byte[] huge = new byte[2 << 20];
        hub.lfsFile("huge.safetensors", huge, huge);
        RawHttpClient.Response r = get(R + "huge.safetensors");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.headers()).containsEntry("x-dualtrack-rule", "hf.file-too-large");
    }

    @Test
    void treePagesLoseXetAndLinkBackToDualtrack() throws Exception {
        hub.pageSize(3);
        try {
            List<String> all = new ArrayList<>();
            String next = "/hf/api/models/acme/bert/tree/" + COMMIT + "?recursive=true&expand=false";
            int pages = 0;
            while (next != null) {
                RawHttpClient.Response page = get(next);
                assertThat(page.status()).isEqualTo(200);
                assertThat(page.text()).doesNotContain("xetHash");
                all.addAll(paths(JSON.readTree(page.body())));
                String link = page.headers().get("link");
                if (link == null) {
                    next = null;
                } else {
                    assertThat(link).startsWith("<http://localhost/hf/api/models/acme/bert/tree/")
                            .endsWith("rel=\"next\"");
                    next = link.substring("<http://localhost".length(), link.indexOf('>'));
                }
                pages++;
            }
            assertThat(pages).isGreaterThan(2);
            assertThat(all).contains("model.safetensors", "config.json", "pytorch_model.bin");
        } finally {
            hub.pageSize(1000);
        }
    }

    @Test
    void pathsInfoWorksWithTheFormAndTheJsonBody() throws Exception {
        HttpResponse<String> form = post("/hf/api/models/acme/bert/paths-info/main",
                "application/x-www-form-urlencoded", "paths=model.safetensors&paths=config.json&expand=false");
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(paths(JSON.readTree(form.body()))).containsExactly("model.safetensors", "config.json");
        assertThat(form.body()).doesNotContain("xetHash");
        HttpResponse<String> json = post("/hf/api/models/acme/bert/paths-info/" + COMMIT, "application/json",
                "{\"paths\":[\"model.safetensors\"],\"expand\":true}");
        JsonNode entry = JSON.readTree(json.body()).get(0);
        assertThat(entry.path("lfs").path("oid").asText()).isEqualTo(FakeHub.sha256(safetensors));
        assertThat(entry.has("xetHash")).isFalse();
    }

    @Test
    void xetTokensAreRefusedAndDeniedReposNeverReachTheHub() throws Exception {
        RawHttpClient.Response xet = get("/hf/api/models/acme/bert/xet-read-token/" + COMMIT);
        assertThat(xet.status()).isEqualTo(403);
        assertThat(xet.headers().get("x-error-message")).contains("Xet");
        RawHttpClient.Response denied = get("/hf/evil-org/model/resolve/main/model.safetensors");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.headers()).containsEntry("x-dualtrack-rule", "hf.repo-denied");
        assertThat(get("/hf/api/models/evil-org/model").status()).isEqualTo(403);
        assertThat(hub.hub().requestHeaders()).noneMatch(h -> h.get(":path").contains("evil-org"));
        assertThat(get("/hf/spaces/acme/app/resolve/main/app.py").status()).isEqualTo(404);
    }

    @Test
    void hubErrorsKeepTheirCodesSoClientsRaiseTheRightException() throws Exception {
        RawHttpClient.Response missing = head(R + "no-such-file.bin");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.headers()).containsEntry("x-error-code", "EntryNotFound")
                .containsEntry("x-repo-commit", COMMIT);
        RawHttpClient.Response noRepo = get("/hf/api/models/acme/unknown/revision/main");
        assertThat(noRepo.status()).isEqualTo(401);
        assertThat(noRepo.headers()).containsEntry("x-error-code", "RepoNotFound");
    }

    @Test
    void theUpstreamTokenGoesToTheHubAndNoTokenToTheCdn() throws Exception {
        get(R + "model.safetensors", "Authorization: Bearer hf_client");
        get("/hf/api/models/acme/bert/tree/main");
        List<Map<String, String>> toHub = hub.hub().requestHeaders();
        assertThat(toHub).anySatisfy(h -> assertThat(h).containsEntry("authorization", "Bearer hf_client"));
        assertThat(toHub).anySatisfy(h -> assertThat(h).containsEntry("authorization", "Bearer hf_upstream_token"));
        assertThat(hub.cdn().requestHeaders()).isNotEmpty()
                .allSatisfy(h -> assertThat(h).doesNotContainKey("authorization"));
    }

    @Test
    void aFileWhoseOidAListingTaughtUsIsRefusedWithoutAskingTheHub() throws Exception {
        assertThat(get(R + "evil.bin").status()).isEqualTo(403);
        // The tree at the commit lists copy-of-evil.bin with the same oid: from then on it is known.
        get("/hf/api/models/acme/bert/tree/" + COMMIT + "?recursive=true");
        RawHttpClient.Response copy = get("/hf/acme/bert/resolve/" + COMMIT + "/copy-of-evil.bin");
        assertThat(copy.status()).isEqualTo(403);
        assertThat(copy.headers()).containsEntry("x-dualtrack-rule", "hf.pickle.dangerous-import");
        assertThat(hub.hub().requests("/acme/bert/resolve/" + COMMIT + "/copy-of-evil.bin")).isZero();
    }

    /**
     * {@code os.system("aaa…")} with a 600 KB argument: the GLOBAL is in the first bytes, so the scan blocks long
     * before the body ends, and the file's own blob id is never computed.
     */
    public static byte[] bigEvilPickle() {
        byte[] arg = "a".repeat(600_000).getBytes(StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream p = new java.io.ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 2});
        p.writeBytes("cos\nsystem\n".getBytes(StandardCharsets.US_ASCII));
        p.write('X');
        p.writeBytes(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(arg.length)
                .array());
        p.writeBytes(arg);
        p.writeBytes(new byte[] {(byte) 0x85, 'R', '.'});
        return p.toByteArray();
    }

    /**
     * Poisoning (hardening item 2): a repo announces the sha256 of a popular clean file and serves a malicious
     * pickle in chunks, so the block comes early and the body's own hash is never learnt. The block must stay with
     * that repo's file: the clean file elsewhere still downloads, and the audit line does not pin the malicious
     * content on the clean hash.
     */
    @Test
    void aPoisonedDownloadNeverBlocksTheCleanFileItsRepoAnnounced() throws Exception {
        byte[] cleanBytes = "a popular, clean vocabulary\n".repeat(2000).getBytes(StandardCharsets.UTF_8);
        String cleanSha = FakeHub.sha256(cleanBytes);
        hub.lfsFile("popular.vocab", cleanBytes, cleanBytes);
        hub.cdn().on("/mallory/payload", Script.ok(BodySource.of(bigEvilPickle())).chunked());
        hub.anotherRepo("mallory/lookalike", "6".repeat(40)).lfsRedirect("popular.vocab", cleanBytes,
                hub.cdn().uri("/mallory/payload"));
        RawHttpClient.Response poisoned = get("/hf/mallory/lookalike/resolve/main/popular.vocab");
        assertThat(poisoned.status()).isEqualTo(403);
        assertThat(poisoned.headers()).containsEntry("x-dualtrack-rule", "hf.pickle.dangerous-import");
        Awaits.until(() -> audit.stream().anyMatch(l -> l.contains("mallory/lookalike") && l.contains("\"block\"")));
        assertThat(audit).filteredOn(l -> l.contains("mallory/lookalike") && l.contains("\"block\""))
                .noneMatch(l -> l.contains(cleanSha));
        // The attacker's file stays refused, before any CDN byte…
        int payloadAsked = hub.cdn().requests("/mallory/payload");
        assertThat(get("/hf/mallory/lookalike/resolve/main/popular.vocab").status()).isEqualTo(403);
        assertThat(hub.cdn().requests("/mallory/payload")).isEqualTo(payloadAsked);
        // …and the clean file with that hash is served to everyone else, and hidden from no listing.
        assertThat(runtime.fetcher().known().of(cleanSha)).isEmpty();
        assertThat(get("/hf/api/models/acme/bert/tree/" + COMMIT).text()).contains("\"popular.vocab\"");
        RawHttpClient.Response clean = get(R + "popular.vocab");
        assertThat(clean.status()).isEqualTo(200);
        assertThat(clean.bodySha256()).isEqualTo(cleanSha);
    }

    @Test
    void aRegularFileBlockedEarlyIsKnownAtItsLocation() throws Exception {
        RawHttpClient.Response first = get(R + "vocab.pkl");
        assertThat(first.status()).isEqualTo(403);
        assertThat(first.headers()).containsEntry("x-dualtrack-rule", "hf.pickle.dangerous-import");
        String cachePath = "/api/resolve-cache/models/acme/bert/" + COMMIT + "/vocab.pkl";
        int asked = hub.hub().requests(cachePath);
        RawHttpClient.Response second = get(R + "vocab.pkl");
        assertThat(second.status()).as(second.text()).isEqualTo(403);
        assertThat(hub.hub().requests(cachePath)).as("refused before any byte").isEqualTo(asked);
    }

    @Test
    void aMaliciousRegularFileIsKnownByItsBlobIdAfterwards() throws Exception {
        RawHttpClient.Response first = get(R + "tokenizer.pkl");
        assertThat(first.status()).isEqualTo(403);
        assertThat(first.headers()).containsEntry("x-dualtrack-rule", "hf.pickle.dangerous-import");
        String cachePath = "/api/resolve-cache/models/acme/bert/" + COMMIT + "/tokenizer.pkl";
        int asked = hub.hub().requests(cachePath);
        RawHttpClient.Response second = get(R + "tokenizer.pkl");
        assertThat(second.status()).isEqualTo(403);
        assertThat(head(R + "tokenizer.pkl").status()).isEqualTo(403);
        assertThat(hub.hub().requests(cachePath)).isEqualTo(asked);
        JsonNode tree = JSON.readTree(get("/hf/api/models/acme/bert/tree/main").body());
        assertThat(paths(tree)).contains("config.json", "tokenizer.pkl");
    }

    @Test
    void datasetsAreServedAndAuditedUnderTheirPrefix() throws Exception {
        RawHttpClient.Response head = head("/hf/datasets/acme/squad/resolve/main/data/train.safetensors");
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.headers()).containsEntry("x-repo-commit", "3".repeat(40));
        RawHttpClient.Response file = get("/hf/datasets/acme/squad/resolve/main/data/train.safetensors");
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.bodySha256()).isEqualTo(FakeHub.sha256(safetensors));
        assertThat(get("/hf/datasets/acme/squad/resolve/main/README.md").body()).isEqualTo(CONFIG);
        JsonNode tree = JSON.readTree(get("/hf/api/datasets/acme/squad/tree/main").body());
        assertThat(paths(tree)).containsExactly("README.md", "data/train.safetensors");
        assertThat(hub.hub().requests("/datasets/acme/squad/resolve/" + "3".repeat(40) + "/data/train.safetensors"))
                .isPositive();
    }

    @Test
    void enforceSafetensorsRefusesPickleWeightsInFlight() throws Exception {
        DualtrackConfig strict = ConfigLoader.parse("strict", """
                listen: {port: 0}
                cache: {dir: '%s'}
                hf:
                  upstream: '%s'
                  redirect-hosts: ['127.0.0.1:%d']
                  enforce-safetensors: true
                """.formatted(data.resolve("strict"), hub.hub().uri(""), hub.cdn().port()));
        try (ProxyRuntime rt = ProxyRuntime.create(strict, AuditLog.inMemory(true, l -> { }), Clock.systemUTC())) {
            rt.start(rt.newRouter().add("/hf", HfRoute.create(rt, Secrets.of(Map.of()))));
            RawHttpClient.Response pt = RawHttpClient.get(rt.port(), R + "pytorch_model.bin");
            assertThat(pt.status()).isEqualTo(403);
            assertThat(pt.headers()).containsEntry("x-dualtrack-rule", "hf.enforce-safetensors");
            RawHttpClient.Response st = RawHttpClient.get(rt.port(), R + "model.safetensors");
            assertThat(st.status()).isEqualTo(200);
            assertThat(st.bodySha256()).isEqualTo(FakeHub.sha256(safetensors));
        }
    }

    @Test
    void theScanPolicyFollowsTheHfSection() throws Exception {
        DualtrackConfig strict = ConfigLoader.parse("t", """
                hf:
                  enforce-safetensors: true
                  pickle: {profile: numpy-object, extra-allowed: [collections.OrderedDict]}
                """);
        var policy = HfScanPolicy.of(strict.hf());
        assertThat(policy.enforceSafetensors()).isTrue();
        assertThat(HfScanPolicy.of(ConfigLoader.parse("t", "").hf()).enforceSafetensors()).isFalse();
    }
}
