package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dualtrack.hf.FakeHub;
import dev.dualtrack.pypi.FakeIndex;
import dev.dualtrack.pypi.WheelBuilder;
import dev.dualtrack.proxy.testing.RawHttpClient;
import java.nio.charset.StandardCharsets;
import dev.dualtrack.proxy.bom.AiBom;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code licenses} on both tracks, with real clients against the real process. The Hub (huggingface_hub): a repo
 * whose card says {@code cc-by-nc-4.0} is refused under a policy that denies it, before any file byte (the CDN
 * never asked), with the license in {@code X-Error-Message}; an allowed one downloads whole; a card that states
 * none is served with a warning ({@code unknown: warn}). PyPI (pip): a wheel whose PEP 658 metadata declares a
 * denied license is refused with the license in the status line, and the index is never asked for its bytes; a
 * choice that includes an allowed license installs.
 */
class LicenseEndToEndIT {
    static final String NONCOMMERCIAL = "acme/noncommercial";
    static final String OPEN = "acme/open";
    static final String SILENT = "acme/silent";

    @TempDir
    static Path dir;
    static FakeHub hub;
    static FakeIndex pypi;
    static byte[] dualWheel;
    static CliIT.Served proxy;
    static Path python;
    static byte[] weights = HfEndToEndIT.safetensors(64 << 10, 7);
    static byte[] refused = HfEndToEndIT.safetensors(64 << 10, 8);

    static byte[] card(String frontMatter) {
        return ("---\n" + frontMatter + "\n---\n# A model\n").getBytes(StandardCharsets.UTF_8);
    }

    @BeforeAll
    static void start() throws Exception {
        hub = new FakeHub(NONCOMMERCIAL, "a".repeat(40))
                .regularFile("README.md", card("license: cc-by-nc-4.0\nlanguage: en"))
                .lfsFile("model.safetensors", refused, refused);
        hub.anotherRepo(OPEN, "b".repeat(40))
                .regularFile("README.md", card("license: apache-2.0\npipeline_tag: text-classification"))
                .lfsFile("model.safetensors", weights, weights);
        hub.anotherRepo(SILENT, "c".repeat(40))
                .regularFile("README.md", card("language: en"))
                .lfsFile("model.safetensors", weights, weights);
        pypi = new FakeIndex(false);
        pypi.fileWithCoreMetadata("copyleft-lib", WheelBuilder.filename("copyleft-lib", "1.0"), WheelBuilder.wheel(
                "copyleft-lib", "1.0", "VERSION = 'gpl'\n", List.of("License-Expression: GPL-3.0-only")));
        // An index without PEP 658 metadata: the wheel's own METADATA is read as it streams.
        pypi.file("plain-agpl", WheelBuilder.filename("plain-agpl", "1.0"), WheelBuilder.wheel("plain-agpl", "1.0",
                "VERSION = 'agpl'\n", List.of("License-Expression: AGPL-3.0-or-later")));
        dualWheel = WheelBuilder.wheel("dual-lib", "1.0", "VERSION = 'dual'\n",
                List.of("License-Expression: MIT OR GPL-3.0-only"));
        pypi.fileWithCoreMetadata("dual-lib", WheelBuilder.filename("dual-lib", "1.0"), dualWheel);
        Path data = Files.createDirectories(dir.resolve("data"));
        Path cfg = data.resolve("dualtrack.yaml");
        Files.writeString(cfg, """
                listen: {port: 0}
                admin: {port: 0}
                cache: {dir: '%s'}
                audit: {output: '%s'}
                hf:
                  upstream: '%s'
                  redirect-hosts: ['127.0.0.1:%d']
                pypi:
                  upstreams: [{name: pypi, url: '%s'}]
                licenses:
                  deny: [cc-by-nc-*, AGPL*, GPL*]
                  unknown: warn
                """.formatted(data.resolve("cache"), data.resolve("audit.log"), hub.hub().uri(""), hub.cdn().port(),
                pypi.simpleUrl()));
        proxy = CliIT.serve(cfg);
        python = HfEndToEndIT.installPythonClient(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.stop();
        }
        hub.close();
        pypi.close();
    }

    static JsonNode py(String home, String... args) throws Exception {
        return HfEndToEndIT.hubClient(dir, python, proxy.port(), home, args);
    }

    @Test
    void aNonCommercialModelIsRefusedBeforeAnyByteWithTheLicenseInTheMessage() throws Exception {
        JsonNode r = py("home-nc", "snapshot", NONCOMMERCIAL);
        assertThat(r.path("ok").asBoolean()).as(r.toString()).isFalse();
        assertThat(r.path("error").asText()).contains("hf.license");
        RawHttpClient.Response head = RawHttpClient.get(proxy.port(), "/hf/" + NONCOMMERCIAL
                + "/resolve/main/model.safetensors");
        assertThat(head.status()).isEqualTo(403);
        assertThat(head.headers().get("x-dualtrack-rule")).isEqualTo("hf.license");
        assertThat(head.headers().get("x-error-message")).contains("license 'cc-by-nc-4.0' (model card)")
                .contains("licenses.deny names cc-by-nc-4.0");
        // Not one byte of the weights was asked of the CDN.
        assertThat(hub.cdn().requestHeaders().stream().filter(h -> h.get(":path").contains(FakeHub.sha256(refused))))
                .isEmpty();
    }

    @Test
    void anAllowedModelDownloadsWhole() throws Exception {
        JsonNode r = py("home-open", "snapshot", OPEN);
        assertThat(r.path("ok").asBoolean()).as(r.toString()).isTrue();
        assertThat(r.path("files").path("model.safetensors").asText()).isEqualTo(FakeHub.sha256(weights));
        assertThat(r.path("files").has("README.md")).isTrue();
    }

    @Test
    void theAiBomOfASnapshotListsExactlyTheFilesTheClientReceivedAndValidates() throws Exception {
        JsonNode r = py("home-bom", "snapshot", OPEN);
        assertThat(r.path("ok").asBoolean()).as(r.toString()).isTrue();
        RawHttpClient.Response answer = RawHttpClient.get(proxy.adminPort(), "/-/bom/hf/" + OPEN + "/" + "b".repeat(40));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.headers().get("content-type")).isEqualTo("application/vnd.cyclonedx+json; version=1.6");
        assertThat(AiBom.validate(answer.body())).isEmpty();
        JsonNode bom = new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.body());
        assertThat(bom.path("specVersion").asText()).isEqualTo("1.6");
        JsonNode model = bom.path("metadata").path("component");
        assertThat(model.path("type").asText()).isEqualTo("machine-learning-model");
        assertThat(model.path("purl").asText()).isEqualTo("pkg:huggingface/" + OPEN + "@" + "b".repeat(40));
        assertThat(model.path("licenses").get(0).path("license").path("name").asText()).isEqualTo("apache-2.0");
        assertThat(model.path("modelCard").path("modelParameters").path("task").asText())
                .isEqualTo("text-classification");
        assertThat(ScanLicenseIT.property(model, "dualtrack:license-source"))
                .contains("the copy a client received, verified in flight");
        Map<String, String> listed = new java.util.TreeMap<>();
        for (JsonNode c : bom.path("components")) {
            assertThat(c.path("type").asText()).isEqualTo("file");
            listed.put(c.path("name").asText(), c.path("hashes").get(0).path("content").asText());
        }
        Map<String, String> received = new java.util.TreeMap<>();
        r.path("files").fields().forEachRemaining(e -> received.put(e.getKey(), e.getValue().asText()));
        assertThat(listed).isEqualTo(received);
    }

    @Test
    void theAiBomOfAReleaseListsTheWheelItsLicenseAndPurl() throws Exception {
        ClientTools.Result r = ClientTools.pipInstall(dir, dir.resolve("venv"), proxy.port(), "dual-lib==1.0");
        assertThat(r.exit()).as(r.out()).isZero();
        RawHttpClient.Response answer = RawHttpClient.get(proxy.adminPort(), "/-/bom/pypi/dual-lib/1.0");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(AiBom.validate(answer.body())).isEmpty();
        JsonNode components = new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.body())
                .path("components");
        assertThat(components).as(components.toString()).hasSize(1);
        JsonNode wheel = components.get(0);
        assertThat(wheel.path("purl").asText()).isEqualTo("pkg:pypi/dual-lib@1.0?file_name="
                + WheelBuilder.filename("dual-lib", "1.0"));
        assertThat(wheel.path("hashes").get(0).path("content").asText()).isEqualTo(FakeIndex.sha256(dualWheel));
        assertThat(wheel.path("licenses").get(0).path("expression").asText()).isEqualTo("MIT OR GPL-3.0-only");
    }

    @Test
    void aCardThatStatesNoLicenseIsServedWithAWarning() throws Exception {
        JsonNode r = py("home-silent", "snapshot", SILENT);
        assertThat(r.path("ok").asBoolean()).as(r.toString()).isTrue();
        String metrics = RawHttpClient.get(proxy.port(), "/metrics").text();
        assertThat(metrics).containsPattern("dualtrack_warned_total\\{rule=\"hf.license-unknown\",track=\"hf\"} [1-9]");
    }

    @Test
    void pipIsRefusedADeniedLicenseWithTheLicenseInTheStatusLine() throws Exception {
        String wheel = WheelBuilder.filename("copyleft-lib", "1.0");
        ClientTools.Result r = ClientTools.pipInstall(dir, dir.resolve("venv"), proxy.port(), "copyleft-lib==1.0");
        assertThat(r.exit()).as(r.out()).isNotZero();
        assertThat(r.out()).contains("403").contains("pypi.license").contains("GPL-3.0-only");
        assertThat(pypi.origin().requests("/packages/" + wheel)).isZero();
        assertThat(pypi.origin().requests("/packages/" + wheel + ".metadata")).isPositive();
    }

    @Test
    void withoutPep658MetadataTheWheelsOwnMetadataIsJudgedInFlight() throws Exception {
        String wheel = WheelBuilder.filename("plain-agpl", "1.0");
        ClientTools.Result r = ClientTools.pipInstall(dir, dir.resolve("venv"), proxy.port(), "plain-agpl==1.0");
        assertThat(r.exit()).as(r.out()).isNotZero();
        assertThat(r.out()).contains("pypi.license").contains("AGPL-3.0-or-later");
        assertThat(pypi.origin().requests("/packages/" + wheel)).isPositive(); // read in flight, never completed
        ClientTools.Result check = ClientTools.run(dir, Map.of(), List.of(dir.resolve("venv/bin/python").toString(),
                "-c", "import plain_agpl"));
        assertThat(check.exit()).isNotZero();
    }

    @Test
    void pipInstallsAChoiceThatIncludesAnAllowedLicense() throws Exception {
        ClientTools.Result r = ClientTools.pipInstall(dir, dir.resolve("venv"), proxy.port(), "dual-lib==1.0");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("Successfully installed dual-lib-1.0");
    }
}
