package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualtrack.proxy.bom.AiBom;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dualtrack scan} and licenses: a model folder's card and a distribution's core metadata are reported, judged
 * under {@code --policy}'s {@code licenses} section, and {@code --format cyclonedx} makes the folder's AI-BOM, valid
 * under the CycloneDX 1.6 schema, with the versions its requirements pin marked as not verified.
 */
class ScanLicenseIT {
    @TempDir
    static Path dir;
    static byte[] weights;

    @BeforeAll
    static void folder() throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("README.md"), "---\nlicense: cc-by-nc-4.0\npipeline_tag: text-generation\n"
                + "---\n# A model\n");
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + header.length() + 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        weights = b.array();
        Files.write(model.resolve("model.safetensors"), weights);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("PKG-INFO", "Metadata-Version: 2.1\nName: helper\nVersion: 2.0\nLicense: GPLv3\n".getBytes());
        files.put("helper/__init__.py", "X = 1\n".getBytes());
        Files.write(model.resolve("helper-2.0.tar.gz"), ScanIT.sdist("helper-2.0", files));
        Files.writeString(model.resolve("requirements.txt"), "requests==2.31.0 --hash=sha256:" + "5".repeat(64)
                + "\n");
        Files.writeString(dir.resolve("policy.yaml"), "licenses:\n  deny: [cc-by-nc-*, GPL*]\n  unknown: warn\n");
    }

    @Test
    void theLicensesAreReportedAndNothingIsJudgedWithoutAPolicy() throws Exception {
        ScanIT.Run r = ScanIT.runIn(dir, "scan", "model");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("(info) hf.license: license 'cc-by-nc-4.0' (model card)")
                .contains("(info) pypi.license: license 'GPL-3.0-only' (License)");
    }

    @Test
    void underAPolicyADeniedLicenseBlocksTheScan() throws Exception {
        ScanIT.Run r = ScanIT.runIn(dir, "scan", "--policy", "policy.yaml", "model");
        assertThat(r.exit()).as(r.out()).isEqualTo(1);
        assertThat(r.out()).contains("BLOCK model/README.md").contains("BLOCK model/helper-2.0.tar.gz [sdist]")
                .contains("hf.license: the model in model is under license 'cc-by-nc-4.0' (model card), and "
                        + "licenses.deny names cc-by-nc-4.0");
    }

    @Test
    void theFoldersAiBomValidatesAndSaysWhatWasVerified() throws Exception {
        ScanIT.Run r = ScanIT.runIn(dir, "scan", "--format", "cyclonedx", "model");
        assertThat(r.exit()).as(r.out()).isZero();
        byte[] json = r.out().getBytes(StandardCharsets.UTF_8);
        assertThat(AiBom.validate(json)).isEmpty();
        JsonNode bom = new ObjectMapper().readTree(json);
        assertThat(bom.path("metadata").path("component").path("type").asText()).isEqualTo("machine-learning-model");
        assertThat(bom.path("metadata").path("component").path("licenses").get(0).path("license").path("name")
                .asText()).isEqualTo("cc-by-nc-4.0");
        Map<String, JsonNode> byRef = new LinkedHashMap<>();
        bom.path("components").forEach(c -> byRef.put(c.path("bom-ref").asText(), c));
        JsonNode w = byRef.get("file:model/model.safetensors");
        assertThat(w.path("hashes").get(0).path("content").asText()).isEqualTo(HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(weights)));
        assertThat(property(w, "dualtrack:verified")).isEqualTo("true");
        JsonNode sdist = byRef.get("file:model/helper-2.0.tar.gz");
        assertThat(sdist.path("purl").asText()).isEqualTo("pkg:pypi/helper@2.0?file_name=helper-2.0.tar.gz");
        assertThat(sdist.path("licenses").get(0).path("license").path("name").asText()).isEqualTo("GPL-3.0-only");
        JsonNode pin = byRef.get("pin:pkg:pypi/requests@2.31.0");
        assertThat(property(pin, "dualtrack:verified")).isEqualTo("false");
        assertThat(pin.path("hashes").get(0).path("content").asText()).isEqualTo("5".repeat(64));
    }

    static String property(JsonNode component, String name) {
        for (JsonNode p : component.path("properties")) {
            if (p.path("name").asText().equals(name)) {
                return p.path("value").asText();
            }
        }
        return null;
    }
}
