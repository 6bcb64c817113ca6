package dev.dualtrack.scanner.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * G6 for every parser: the worst case of each format ({@link HostileInputs}) is scanned in a JVM whose heap is
 * 256 MiB, the size dualtrack's container runs with. Each must end with a verdict, refused under a rule where
 * the input is past a budget, and none may run out of memory. The figures (peak heap, time) go to the report.
 */
class HostileInputsTest {
    /** What each case must come to: the rule that refuses it. */
    static final Map<String, String> EXPECTED = Map.of(
            "graphdef-1m", "hf.tf.unsafe-op",
            "zip-entries", "hf.zip.inconsistent",
            "zip-long-names", "hf.zip.inconsistent",
            "pickle-memo", "hf.pickle.malformed",
            "pickle-stack", "hf.pickle.malformed",
            "pickle-marks", "hf.pickle.malformed",
            "pickle-names", "allow",
            "gguf-metadata", "allow",
            "safetensors-header", "allow");

    @Test
    void everyWorstCaseEndsWithAVerdictInA256MiBHeap() throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(javaBin.toString(), "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-cp",
                System.getProperty("java.class.path"), HostileInputs.class.getName()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        System.out.println("HostileInputs (case rule peak-heap-MiB millis bytes):\n" + out);
        assertThat(p.exitValue()).as(out).isZero();
        for (Map.Entry<String, String> e : EXPECTED.entrySet()) {
            assertThat(out).as(e.getKey()).containsPattern("(?m)^" + e.getKey() + " " + java.util.regex.Pattern
                    .quote(e.getValue()) + " \\d+ \\d+ \\d+$");
        }
    }
}
