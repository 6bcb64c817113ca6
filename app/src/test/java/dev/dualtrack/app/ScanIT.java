package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dualtrack scan} as CI runs it: exit codes and the three report formats. */
class ScanIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final byte[] EVIL = "cposix\nsystem\n(S'id'\ntR.".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CLEAN = {(byte) 0x80, 2, 'N', '.'};

    record Run(int exit, String out) {
    }

    static Run run(String... args) throws Exception {
        Process p = CliIT.start(args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void exitCodesSayWhetherAnythingWasBlocked(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("clean.pkl"), CLEAN);
        assertThat(run("scan", dir.toString()).exit()).isZero();
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/weights.bin"), EVIL);
        Run blocked = run("scan", dir.toString());
        assertThat(blocked.exit()).isEqualTo(1);
        assertThat(blocked.out()).contains("BLOCK sub/weights.bin [pickle]", "hf.pickle.dangerous-import",
                "2 files, 1 blocked, 1 allowed");
        assertThat(run("scan", dir.resolve("nope").toString()).exit()).isEqualTo(2);
        assertThat(run("scan", "--profile", "no-such-profile", dir.toString()).exit()).isEqualTo(2);
    }

    @Test
    void jsonReportHasTheDocumentedShape(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("evil.pkl"), EVIL);
        Run r = run("scan", "--format", "json", dir.toString());
        JsonNode root = JSON.readTree(r.out());
        JsonNode f = root.get("files").get(0);
        assertThat(f.get("path").asText()).isEqualTo("evil.pkl");
        assertThat(f.get("format").asText()).isEqualTo("pickle");
        assertThat(f.get("sha256").asText()).hasSize(64);
        assertThat(f.get("verdict").asText()).isEqualTo("block");
        assertThat(f.get("findings").get(0).get("rule").asText()).isEqualTo("hf.pickle.dangerous-import");
        assertThat(f.get("findings").get(0).get("severity").asText()).isEqualTo("dangerous");
        assertThat(root.get("summary").get("blocked").asInt()).isEqualTo(1);
    }

    @Test
    void sarifReportIsVersion210WithRulesAndLocations(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("evil.pkl"), EVIL);
        JsonNode root = JSON.readTree(run("scan", "--format", "sarif", dir.toString()).out());
        assertThat(root.get("version").asText()).isEqualTo("2.1.0");
        JsonNode run = root.get("runs").get(0);
        assertThat(run.get("tool").get("driver").get("name").asText()).isEqualTo("dualtrack");
        assertThat(run.get("tool").get("driver").get("rules").get(0).get("id").asText())
                .isEqualTo("hf.pickle.dangerous-import");
        JsonNode result = run.get("results").get(0);
        assertThat(result.get("level").asText()).isEqualTo("error");
        assertThat(result.get("locations").get(0).get("physicalLocation").get("artifactLocation").get("uri").asText())
                .isEqualTo("evil.pkl");
    }

    @Test
    void enforceSafetensorsMakesEveryPickleAFinding(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("clean.pkl"), CLEAN);
        Run r = run("scan", "--enforce-safetensors", dir.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("hf.enforce-safetensors");
    }
}
