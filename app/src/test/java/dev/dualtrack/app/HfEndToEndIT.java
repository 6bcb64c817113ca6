package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualtrack.hf.FakeHub;
import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.scanner.fixtures.ModelFixtures;
import dev.dualtrack.scanner.fixtures.PickleWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code @huggingface/hub} npm client and the real huggingface_hub (from the machine's wheel mirror),
 * against the real dualtrack process in front of {@link FakeHub}: a Hub origin, and a CDN origin it sends LFS
 * files to with a 302, with Xet headers. Two repos: {@code acme/tiny-bert} is clean, {@code mallory/bad}
 * holds one of each refusal.
 */
class HfEndToEndIT {
    static final String CLEAN = "acme/tiny-bert";
    static final String BAD = "mallory/bad";
    /** A repo whose one model file is blocked but benign: the waiver test's. */
    static final String TABULAR = "acme/tabular";
    /** An sklearn model pickle: outside the weights-only allow-list, harmless; the waiver test lets it through. */
    static final byte[] SKLEARN = "\u0080\u0002csklearn.linear_model._base\nLinearRegression\n)R.".getBytes(
            StandardCharsets.ISO_8859_1);
    static final String CLEAN_COMMIT = "1111111111111111111111111111111111111111";
    static final String BAD_COMMIT = "2222222222222222222222222222222222222222";
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CONFIG_JSON = "{\"architectures\": [\"BertModel\"], \"hidden_size\": 32, "
            + "\"model_type\": \"bert\", \"num_attention_heads\": 2, \"num_hidden_layers\": 2}";
    /** A repo laid out like a Llama checkpoint made by a Trainer: what snapshot_download failed on before. */
    static final String LLAMA = "acme/llama-like";
    /** The same repo with a legacy Keras .h5 whose config holds a Lambda layer. */
    static final String LLAMA_H5 = "acme/llama-like-h5";
    static Map<String, byte[]> llamaFiles;

    @TempDir
    static Path dir;
    static FakeHub clean;
    static FakeHub bad;
    static ScriptedOrigin elsewhere;
    static Process proxy;
    static int port;
    static Path node;
    static Path python;
    static Map<String, byte[]> cleanFiles;
    static byte[] evil;
    static byte[] bigTampered;

    static byte[] safetensors(int n, long seed) {
        return ModelFixtures.safetensors(n, seed);
    }

    @BeforeAll
    static void start() throws Exception {
        cleanFiles = new java.util.LinkedHashMap<>();
        cleanFiles.put("config.json", CONFIG_JSON.getBytes(StandardCharsets.UTF_8));
        cleanFiles.put("model.safetensors", safetensors(64 << 10, 3));
        cleanFiles.put("pytorch_model.bin", ModelFixtures.torchStateDict());
        cleanFiles.put("big.safetensors", safetensors(12 << 20, 1));
        clean = new FakeHub(CLEAN, CLEAN_COMMIT).pageSize(2)
                .regularFile("config.json", cleanFiles.get("config.json"))
                .lfsFile("model.safetensors", cleanFiles.get("model.safetensors"), cleanFiles.get("model.safetensors"))
                .lfsFile("pytorch_model.bin", cleanFiles.get("pytorch_model.bin"), cleanFiles.get("pytorch_model.bin"))
                .lfsFile("big.safetensors", cleanFiles.get("big.safetensors"), cleanFiles.get("big.safetensors"));

        evil = PickleWriter.proto(2).global("posix", "system").str("echo pwned").tuple1().reduce().stop().bytes();
        byte[] st = cleanFiles.get("model.safetensors");
        byte[] tamperedAnnounced = st.clone();
        tamperedAnnounced[tamperedAnnounced.length - 1] ^= 1;
        byte[] bigAnnounced = safetensors(12 << 20, 2);
        bigTampered = bigAnnounced.clone();
        bigTampered[bigTampered.length - 1] ^= 1; // still valid safetensors: only the hash can tell
        elsewhere = new ScriptedOrigin();
        elsewhere.on("/payload.bin", Script.ok(BodySource.of(evil)));
        clean.anotherRepo(TABULAR, "3".repeat(40)).lfsFile("model.joblib", SKLEARN, SKLEARN);
        llamaFiles = new java.util.LinkedHashMap<>();
        llamaFiles.put("config.json", "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\"}"
                .getBytes(StandardCharsets.UTF_8));
        llamaFiles.put("tokenizer.model", ModelFixtures.sentencePiece());
        llamaFiles.put("tokenizer_config.json", "{\"tokenizer_class\": \"LlamaTokenizer\"}"
                .getBytes(StandardCharsets.UTF_8));
        llamaFiles.put("model-00001-of-00002.safetensors", safetensors(256 << 10, 4));
        llamaFiles.put("model-00002-of-00002.safetensors", safetensors(128 << 10, 5));
        llamaFiles.put("model.safetensors.index.json", ("{\"metadata\": {\"total_size\": 393216}, \"weight_map\": "
                + "{\"w\": \"model-00001-of-00002.safetensors\"}}").getBytes(StandardCharsets.UTF_8));
        llamaFiles.put("training_args.bin", ModelFixtures.trainingArgsBin());
        llamaFiles.put("rng_state.pth", ModelFixtures.rngState());
        FakeHub llama = clean.anotherRepo(LLAMA, "4".repeat(40));
        FakeHub llamaH5 = clean.anotherRepo(LLAMA_H5, "5".repeat(40));
        for (Map.Entry<String, byte[]> f : llamaFiles.entrySet()) {
            boolean lfs = !f.getKey().endsWith(".json");
            for (FakeHub repo : List.of(llama, llamaH5)) {
                if (lfs) {
                    repo.lfsFile(f.getKey(), f.getValue(), f.getValue());
                } else {
                    repo.regularFile(f.getKey(), f.getValue());
                }
            }
        }
        byte[] lambdaH5 = ModelFixtures.kerasH5(true, true, 16 << 10);
        llamaH5.lfsFile("tf_model.h5", lambdaH5, lambdaH5);
        bad = clean.anotherRepo(BAD, BAD_COMMIT)
                .lfsFile("evil.bin", evil, evil)
                .lfsFile("tampered.safetensors", tamperedAnnounced, st)
                .lfsFile("big-tampered.safetensors", bigAnnounced, bigTampered)
                .lfsRedirect("offhub.bin", "offhub".getBytes(StandardCharsets.UTF_8),
                        URI.create("http://localhost:" + elsewhere.port() + "/payload.bin"))
                .lfsFile("broken.safetensors", Arrays.copyOf(st, st.length + 8), Arrays.copyOf(st, st.length + 8));

        Path cfg = dir.resolve("dualtrack.yaml");
        Files.writeString(cfg, """
                listen: {port: 0}
                cache: {dir: '%s'}
                audit: {output: '%s'}
                hf:
                  upstream: '%s'
                  redirect-hosts: ['127.0.0.1:%d']
                """.formatted(dir.resolve("data"), dir.resolve("audit.log"), clean.hub().uri(""), clean.cdn().port()));
        CliIT.Served served = CliIT.serve(cfg);
        proxy = served.process();
        port = served.port();
        // The JavaScript client's tests need node and npm; without them they are skipped, saying why.
        node = ClientTools.onPath("node") && ClientTools.onPath("npm") ? installNodeClient() : null;
        python = installPythonClient();
    }

    /** npm installs the published client once per build tree (target/), as a user would. */
    static Path installNodeClient() throws Exception {
        Path work = Path.of("target", "hf-e2e-npm").toAbsolutePath();
        Files.createDirectories(work);
        if (!Files.exists(work.resolve("node_modules/@huggingface/hub/package.json"))) {
            Files.writeString(work.resolve("package.json"),
                    "{\"name\":\"hf-e2e\",\"private\":true,\"type\":\"module\"}");
            ClientTools.Result r = ClientTools.run(work, Map.of(),
                    List.of("npm", "install", "--no-audit", "--no-fund", "@huggingface/hub@2"));
            assertThat(r.exit()).as(r.out()).isZero();
        }
        Files.copy(HfEndToEndIT.class.getResourceAsStream("/hf/hub-client.mjs"), work.resolve("hub-client.mjs"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return work;
    }

    /** huggingface_hub from the machine's local wheel mirror ({@code /opt/pypi}), in a fresh venv. */
    static Path installPythonClient() throws Exception {
        return installPythonClient(dir);
    }

    /** As above, in {@code dir}: the venv, and {@code hub_client.py} beside it. */
    static Path installPythonClient(Path dir) throws Exception {
        Path venv = dir.resolve("venv");
        assertThat(ClientTools.run(dir, Map.of(), List.of("python3", "-m", "venv", venv.toString())).exit()).isZero();
        ClientTools.Result r = ClientTools.run(dir, Map.of(), List.of(venv.resolve("bin/pip").toString(), "install",
                "--no-cache-dir", "--index-url", "file:///opt/pypi/simple", "--extra-index-url",
                "file:///opt/pypi-more/simple", "huggingface_hub"));
        assertThat(r.exit()).as("huggingface_hub from /opt/pypi: " + r.out()).isZero();
        Path script = dir.resolve("hub_client.py");
        Files.copy(HfEndToEndIT.class.getResourceAsStream("/hf/hub_client.py"), script);
        return venv.resolve("bin/python");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.destroy();
            proxy.waitFor(30, TimeUnit.SECONDS);
        }
        clean.close();
        elsewhere.close();
    }

    /** The JSON line a client script printed last. */
    /**
     * Runs {@code hub_client.py} of {@code dir} (see {@link #installPythonClient(Path)}) against dualtrack on
     * {@code port}, with a cache of its own ({@code home}): what the client received, as JSON.
     */
    static JsonNode hubClient(Path dir, Path python, int port, String home, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(python.toString(), dir.resolve("hub_client.py").toString()));
        cmd.addAll(java.util.Arrays.asList(args));
        return json(ClientTools.run(dir, Map.of("HF_ENDPOINT", "http://127.0.0.1:" + port + "/hf",
                "HF_HOME", dir.resolve(home).toString(), "HF_HUB_DISABLE_TELEMETRY", "1", "HF_HUB_ETAG_TIMEOUT", "60",
                "HF_HUB_DOWNLOAD_TIMEOUT", "60"), cmd));
    }

    static JsonNode json(ClientTools.Result r) {
        String[] lines = r.out().strip().split("\n");
        try {
            return JSON.readTree(lines[lines.length - 1]);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(r.out(), e);
        }
    }

    static String hubUrl() {
        return "http://127.0.0.1:" + port + "/hf";
    }

    static JsonNode js(String... args) throws Exception {
        ClientTools.assumeInstalled("node", "nodejs and npm");
        ClientTools.assumeInstalled("npm", "npm");
        List<String> cmd = new ArrayList<>(List.of("node", "hub-client.mjs"));
        cmd.add(args[0]);
        cmd.add(hubUrl());
        cmd.addAll(Arrays.asList(args).subList(1, args.length));
        return json(ClientTools.run(node, Map.of(), cmd));
    }

    static JsonNode py(Path home, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(python.toString(), dir.resolve("hub_client.py").toString()));
        cmd.addAll(Arrays.asList(args));
        return json(ClientTools.run(dir, Map.of("HF_ENDPOINT", hubUrl(), "HF_HOME", home.toString(),
                "HF_HUB_DISABLE_TELEMETRY", "1", "HF_HUB_ETAG_TIMEOUT", "60", "HF_HUB_DOWNLOAD_TIMEOUT", "60"), cmd));
    }

    static String cdnPath(byte[] announced) {
        String sha = FakeHub.sha256(announced);
        return "/repos/" + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha;
    }

    /** Every complete blob in a client's cache folder (names without {@code .incomplete}). */
    static List<Path> completeBlobs(Path cache) throws Exception {
        if (!Files.exists(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(cache)) {
            return s.filter(Files::isRegularFile).filter(p -> p.getParent().getFileName().toString().equals("blobs"))
                    .filter(p -> !p.getFileName().toString().endsWith(".incomplete")).toList();
        }
    }

    /**
     * A waiver added to the running process's config file (it reloads) lets huggingface_hub download one
     * blocked-but-benign model file, by its sha256; the malicious pickle, another sha256, is still refused.
     */
    @Test
    void aWaiverAddedLiveLetsHuggingfaceHubDownloadOneBenignBlockedFile() throws Exception {
        JsonNode before = py(dir.resolve("hf-home-waiver-1"), "download", TABULAR, "model.joblib");
        assertThat(before.path("ok").asBoolean()).as(before.toString()).isFalse();
        assertThat(before.path("error").asText()).contains("hf.pickle.unknown-import");
        Path cfg = dir.resolve("dualtrack.yaml");
        Files.writeString(cfg, Files.readString(cfg) + "policy:\n  waivers:\n    - {track: hf, sha256: '"
                + FakeHub.sha256(SKLEARN) + "', reason: 'sklearn model reviewed', expires: 2999-01-01, ticket: SEC-77}\n");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!RawHttpClient.get(port, "/metrics").text().contains("dualtrack_config_reloads_total{result=\"ok\"} 1.0")
                && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        JsonNode after = py(dir.resolve("hf-home-waiver-2"), "download", TABULAR, "model.joblib");
        assertThat(after.path("ok").asBoolean()).as(after.toString()).isTrue();
        assertThat(after.path("sha256").asText()).isEqualTo(FakeHub.sha256(SKLEARN));
        JsonNode evilStill = py(dir.resolve("hf-home-waiver-3"), "download", BAD, "evil.bin");
        assertThat(evilStill.path("ok").asBoolean()).isFalse();
        assertThat(evilStill.path("error").asText()).contains("hf.pickle.dangerous-import");
        assertThat(audit()).contains("\"decision\":\"waived\"").contains("SEC-77");
    }

    static String audit() throws Exception {
        Thread.sleep(300);
        return Files.readString(dir.resolve("audit.log"));
    }

    static String metrics() throws Exception {
        return new String(URI.create("http://127.0.0.1:" + port + "/metrics").toURL().openStream().readAllBytes(),
                StandardCharsets.UTF_8);
    }

    // ---- @huggingface/hub ------------------------------------------------------------------------------------

    @Test
    void jsDownloadFileGetsTheCleanFilesWithTheirHashes() throws Exception {
        for (String file : List.of("model.safetensors", "pytorch_model.bin", "config.json", "big.safetensors")) {
            JsonNode r = js("download", CLEAN, file);
            assertThat(r.path("ok").asBoolean()).as(file + ": " + r).isTrue();
            assertThat(r.path("sha256").asText()).as(file).isEqualTo(FakeHub.sha256(cleanFiles.get(file)));
        }
    }

    @Test
    void jsListFilesFollowsPagesThroughDualtrackAndSeesNoXet() throws Exception {
        JsonNode r = js("list", CLEAN);
        assertThat(r.path("ok").asBoolean()).as(r.toString()).isTrue();
        List<String> paths = new ArrayList<>();
        r.path("paths").forEach(p -> paths.add(p.asText()));
        assertThat(paths).containsExactlyInAnyOrderElementsOf(cleanFiles.keySet());
        assertThat(r.path("xet").asBoolean()).isFalse();
    }

    @Test
    void jsSnapshotDownloadFillsTheCacheWithVerifiedFiles() throws Exception {
        Path cache = dir.resolve("js-cache-clean");
        JsonNode r = js("snapshot", CLEAN, "", cache.toString());
        assertThat(r.path("ok").asBoolean()).as(r.toString()).isTrue();
        Path folder = Path.of(r.path("folder").asText());
        assertThat(folder.getFileName().toString()).isEqualTo(CLEAN_COMMIT);
        for (Map.Entry<String, byte[]> f : cleanFiles.entrySet()) {
            assertThat(FakeHub.sha256(Files.readAllBytes(folder.resolve(f.getKey())))).as(f.getKey())
                    .isEqualTo(FakeHub.sha256(f.getValue()));
        }
    }

    @Test
    void jsRefusalsNeverCompleteInTheClientsCache() throws Exception {
        Map<String, String> expected = Map.of(
                "evil.bin", "hf.pickle.dangerous-import",
                "tampered.safetensors", "hf.lfs-oid-mismatch",
                "offhub.bin", "hf.redirect-host",
                "broken.safetensors", "hf.safetensors.invalid");
        Path cache = dir.resolve("js-cache-bad");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            JsonNode r = js("cache-file", BAD, e.getKey(), cache.toString());
            assertThat(r.path("ok").asBoolean()).as(e.getKey() + ": " + r).isFalse();
            // The rule, or, when another test already got the verdict, the file is hidden from paths-info.
            assertThat(r.path("error").asText()).as(e.getKey()).containsAnyOf(e.getValue(),
                    "cannot get path info for " + e.getKey());
        }
        // Larger than relay.hold-whole-below: it streams, and the held tail never reaches the client.
        JsonNode big = js("cache-file", BAD, "big-tampered.safetensors", cache.toString());
        assertThat(big.path("ok").asBoolean()).as(big.toString()).isFalse();
        assertThat(completeBlobs(cache)).isEmpty();
        assertThat(elsewhere.requests("/payload.bin")).isZero();
        // A snapshot of the repo fails rather than completing with any of them.
        JsonNode snap = js("snapshot", BAD, "", dir.resolve("js-cache-bad-snapshot").toString());
        assertThat(snap.path("ok").asBoolean()).as(snap.toString()).isFalse();
        assertThat(completeBlobs(dir.resolve("js-cache-bad-snapshot"))).isEmpty();
    }

    @Test
    void aSecondRequestForTheMaliciousFileIsRefusedBeforeAnyUpstreamByte() throws Exception {
        JsonNode first = js("download", BAD, "evil.bin");
        assertThat(first.path("error").asText()).contains("hf.pickle.dangerous-import");
        int fetched = clean.cdn().requests(cdnPath(evil));
        assertThat(fetched).isPositive();
        JsonNode second = js("download", BAD, "evil.bin");
        assertThat(second.path("ok").asBoolean()).isFalse();
        assertThat(second.path("status").asInt()).isEqualTo(403);
        assertThat(second.path("error").asText()).contains("hf.pickle.dangerous-import");
        assertThat(clean.cdn().requests(cdnPath(evil))).isEqualTo(fetched);
        // Known now, it stays listed: a snapshot asks for it and is told why.
        JsonNode list = js("list", BAD);
        assertThat(list.path("paths").toString()).contains("evil.bin", "tampered.safetensors");
    }

    @Test
    void blocksShowInMetricsUnderTheHfTrackAndInTheAuditLog() throws Exception {
        js("download", BAD, "evil.bin");
        js("download", BAD, "offhub.bin");
        String m = metrics();
        for (String rule : List.of("hf.pickle.dangerous-import", "hf.redirect-host")) {
            assertThat(m).containsPattern("dualtrack_blocked_total\\{rule=\"" + rule.replace(".", "\\.")
                    + "\",track=\"hf\"} [1-9]");
        }
        String log = audit();
        assertThat(log).contains("\"track\":\"hf\"", "\"artifact\":\"" + BAD + "\"", "\"file\":\"evil.bin\"",
                "\"sha256\":\"" + FakeHub.sha256(evil) + "\"", "\"rule\":\"hf.pickle.dangerous-import\"");
    }

    // ---- huggingface_hub ----------------------------------------------------------------------------------

    @Test
    void pythonSnapshotOfALlamaLikeTrainerRepoCompletesUnderTheDefaultPolicy() throws Exception {
        Path home = dir.resolve("py-home-llama");
        JsonNode snap = py(home, "snapshot", LLAMA);
        assertThat(snap.path("ok").asBoolean()).as(snap.toString()).isTrue();
        for (Map.Entry<String, byte[]> f : llamaFiles.entrySet()) {
            assertThat(snap.path("files").path(f.getKey()).asText()).as(f.getKey())
                    .isEqualTo(FakeHub.sha256(f.getValue()));
        }
    }

    @Test
    void pythonTheSameRepoWithALambdaH5IsRefusedForThatFileOnly() throws Exception {
        Path home = dir.resolve("py-home-llama-h5");
        // Before anything is known about the file, snapshot_download asks for it and is refused.
        JsonNode snap = py(home, "snapshot", LLAMA_H5);
        assertThat(snap.path("ok").asBoolean()).as(snap.toString()).isFalse();
        assertThat(snap.path("error").asText()).contains("hf.keras.code");
        JsonNode h5 = py(home, "download", LLAMA_H5, "tf_model.h5");
        assertThat(h5.path("ok").asBoolean()).as(h5.toString()).isFalse();
        assertThat(h5.path("error").asText()).contains("hf.keras.code");
        // Once its block is known, the file stays listed: the next client's snapshot is refused for it, before any
        // byte, and says why, instead of ending with a partial snapshot and exit 0. This is what it prints.
        JsonNode again = py(dir.resolve("py-home-llama-h5-next"), "snapshot", LLAMA_H5);
        assertThat(again.path("ok").asBoolean()).as(again.toString()).isFalse();
        assertThat(again.path("error").asText()).contains("403", "hf.keras.code");
        System.out.println("huggingface_hub snapshot_download of a repo with a known block: "
                + again.path("error").asText());
        JsonNode tokenizer = py(home, "download", LLAMA_H5, "tokenizer.model");
        assertThat(tokenizer.path("ok").asBoolean()).as(tokenizer.toString()).isTrue();
        assertThat(completeBlobs(home)).noneMatch(p -> {
            try {
                return FakeHub.sha256(Files.readAllBytes(p)).equals(FakeHub.sha256(
                        ModelFixtures.kerasH5(true, true, 16 << 10)));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Test
    void pythonHfHubDownloadAndSnapshotGetVerifiedFiles() throws Exception {
        Path home = dir.resolve("py-home-clean");
        JsonNode one = py(home, "download", CLEAN, "pytorch_model.bin");
        assertThat(one.path("ok").asBoolean()).as(one.toString()).isTrue();
        assertThat(one.path("sha256").asText()).isEqualTo(FakeHub.sha256(cleanFiles.get("pytorch_model.bin")));
        JsonNode snap = py(home, "snapshot", CLEAN);
        assertThat(snap.path("ok").asBoolean()).as(snap.toString()).isTrue();
        for (Map.Entry<String, byte[]> f : cleanFiles.entrySet()) {
            assertThat(snap.path("files").path(f.getKey()).asText()).as(f.getKey())
                    .isEqualTo(FakeHub.sha256(f.getValue()));
        }
    }

    @Test
    void pythonRefusalsNeverCompleteInTheClientsCache() throws Exception {
        Path home = dir.resolve("py-home-bad");
        Map<String, String> expected = Map.of(
                "evil.bin", "hf.pickle.dangerous-import",
                "tampered.safetensors", "hf.lfs-oid-mismatch",
                "offhub.bin", "hf.redirect-host",
                "broken.safetensors", "hf.safetensors.invalid",
                "big-tampered.safetensors", "hf.lfs-oid-mismatch");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            JsonNode r = py(home, "download", BAD, e.getKey());
            assertThat(r.path("ok").asBoolean()).as(e.getKey() + ": " + r).isFalse();
            // huggingface_hub chains our 403 (X-Error-Message names the rule) under its own error.
            assertThat(r.path("error").asText()).as(e.getKey()).contains(e.getValue());
        }
        assertThat(completeBlobs(home)).isEmpty();
    }
}
