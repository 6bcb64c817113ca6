package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dualtrack.hf.FakeHub;
import dev.dualtrack.provenance.SigstoreMaterial;
import dev.dualtrack.proxy.testing.RawHttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenSSF model signing with the real huggingface_hub against the real process: repos holding the real
 * {@code model.sig} of model-transparency's v1.1.0-sigstore test model (production Sigstore, Rekor v1 and a
 * timestamp) and its files. The signed repo downloads whole; a file whose bytes differ from the signed manifest
 * never completes, whether the Hub announces the changed digest (refused before any byte) or the original one is
 * all there is to compare with (refused at the end, in flight); a repo without model.sig is refused.
 */
class ModelSignatureEndToEndIT {
    static final String SIGNED = "acme/signed";
    static final String TAMPERED = "acme/tampered";
    static final String UNSIGNED = "acme/unsigned";
    static final String MODEL = "model-signing/v1.1.0-sigstore/";

    @TempDir
    static Path dir;
    static FakeHub hub;
    static CliIT.Served proxy;
    static Path python;
    static byte[] signme1;
    static byte[] signme2;

    @BeforeAll
    static void start() throws Exception {
        byte[] sig = SigstoreMaterial.bytes(MODEL + "model.sig");
        signme1 = SigstoreMaterial.bytes(MODEL + "signme-1");
        signme2 = SigstoreMaterial.bytes(MODEL + "signme-2");
        byte[] changed1 = Arrays.copyOf(signme1, signme1.length);
        changed1[0] ^= 1;
        byte[] changed2 = (new String(signme2, StandardCharsets.ISO_8859_1) + "\n# one more line")
                .getBytes(StandardCharsets.ISO_8859_1);
        hub = new FakeHub(SIGNED, "a".repeat(40))
                .regularFile("model.sig", sig)
                .lfsFile("signme-1", signme1, signme1)
                .regularFile("signme-2", signme2)
                .regularFile("ignore-me", new byte[0]);
        hub.anotherRepo(TAMPERED, "b".repeat(40))
                .regularFile("model.sig", sig)
                .lfsFile("signme-1", changed1, changed1)      // the Hub announces the changed digest
                .regularFile("signme-2", changed2);           // a git file: only its bytes can tell
        hub.anotherRepo(UNSIGNED, "c".repeat(40)).lfsFile("signme-1", signme1, signme1);

        Path data = Files.createDirectories(dir.resolve("data"));
        Path cfg = data.resolve("dualtrack.yaml");
        Files.writeString(cfg, """
                listen: {port: 0}
                cache: {dir: '%s'}
                audit: {output: '%s'}
                hf:
                  upstream: '%s'
                  redirect-hosts: ['127.0.0.1:%d']
                  signatures:
                    - {repos: 'acme/*', identity: stefanb@us.ibm.com, issuer: 'https://sigstore.verify.ibm.com/oauth2'}
                """.formatted(data.resolve("cache"), data.resolve("audit.log"), hub.hub().uri(""), hub.cdn().port()));
        proxy = CliIT.serve(cfg);
        python = HfEndToEndIT.installPythonClient(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.stop();
        }
        hub.close();
    }

    static JsonNode py(String home, String... args) throws Exception {
        return HfEndToEndIT.hubClient(dir, python, proxy.port(), home, args);
    }

    /** The audit line holding {@code needle}, once the background writer has written it. */
    static String auditLine(String needle) throws Exception {
        Path log = dir.resolve("data/audit.log");
        for (int i = 0; i < 200; i++) {
            if (Files.exists(log)) {
                for (String line : Files.readAllLines(log)) {
                    if (line.contains(needle) && line.contains("\"block\"")) {
                        return line;
                    }
                }
            }
            Thread.sleep(50);
        }
        return Files.exists(log) ? Files.readString(log) : "";
    }

    static String ruleOf(String repo, String file) throws Exception {
        return RawHttpClient.get(proxy.port(), "/hf/" + repo + "/resolve/main/" + file).headers()
                .get("x-dualtrack-rule");
    }

    @Test
    void theSignedModelDownloadsWhole() throws Exception {
        JsonNode r = py("home-signed", "snapshot", SIGNED);
        assertThat(r.path("ok").asBoolean()).as(r.toString()).isTrue();
        assertThat(r.path("files").path("signme-1").asText()).isEqualTo(FakeHub.sha256(signme1));
        assertThat(r.path("files").path("signme-2").asText()).isEqualTo(FakeHub.sha256(signme2));
        assertThat(r.path("files").has("model.sig")).isTrue();
    }

    @Test
    void aGitFileWhoseBytesDifferFromTheManifestNeverCompletes() throws Exception {
        JsonNode r = py("home-tampered-2", "download", TAMPERED, "signme-2");
        assertThat(r.path("ok").asBoolean()).as(r.toString()).isFalse();
        // The head was out when the last byte showed the difference: the body is cut short, and audited.
        assertThat(auditLine("\"file\":\"signme-2\"")).contains("\"rule\":\"hf.signature-mismatch\"")
                .contains("\"artifact\":\"" + TAMPERED + "\"");
        try (var files = Files.walk(dir.resolve("home-tampered-2"))) {
            assertThat(files.filter(Files::isRegularFile).map(Path::toString)
                    .filter(f -> f.contains("snapshots") && f.endsWith("signme-2"))).isEmpty();
        }
    }

    @Test
    void anLfsFileAnnouncedWithAnotherDigestIsRefusedBeforeTheCdnIsAsked() throws Exception {
        JsonNode r = py("home-tampered-1", "download", TAMPERED, "signme-1");
        assertThat(r.path("ok").asBoolean()).as(r.toString()).isFalse();
        assertThat(r.path("error").asText()).contains("hf.signature-mismatch");
        assertThat(hub.cdn().requestHeaders().stream().filter(h -> h.toString().contains("repos/"))).isEmpty();
    }

    @Test
    void aRepoWithoutModelSigIsRefused() throws Exception {
        assertThat(ruleOf(UNSIGNED, "signme-1")).isEqualTo("hf.signature-missing");
        String metrics = RawHttpClient.get(proxy.port(), "/metrics").text();
        assertThat(metrics).containsPattern("dualtrack_blocked_total\\{rule=\"hf.signature-missing\",track=\"hf\"} [1-9]");
    }
}
