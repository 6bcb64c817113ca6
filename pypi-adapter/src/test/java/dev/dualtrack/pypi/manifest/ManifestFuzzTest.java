package dev.dualtrack.pypi.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.dualtrack.scanner.Finding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The dependency audit on arbitrary files of every manifest name: whatever the bytes, the audit returns findings
 * for the file (a parse failure is {@code deps.unreadable}), never an exception. Regression mode in every
 * build; {@code JAZZER_FUZZ=1 ./mvnw -pl pypi-adapter test -Dtest='ManifestFuzzTest#manifest'} fuzzes.
 */
class ManifestFuzzTest {
    private static final List<String> NAMES = List.of("requirements.txt", "pyproject.toml", "poetry.lock", "uv.lock",
            "Pipfile.lock", "pip.conf", "pdm.lock", "pylock.toml");
    private static final ManifestAudit AUDIT = ManifestAudit.fromConfig(Optional.empty(), true);

    @FuzzTest(maxDuration = "1m")
    void manifest(FuzzedDataProvider data) throws IOException {
        String name = data.pickValue(NAMES);
        String included = data.consumeString(200);
        byte[] content = data.consumeRemainingAsBytes();
        Path dir = Files.createTempDirectory("manifest-fuzz");
        try {
            Path file = dir.resolve(name);
            Files.write(file, content);
            Files.writeString(dir.resolve("base.txt"), included);
            boolean conf = name.equals("pip.conf");
            Map<Path, List<Finding>> out = AUDIT.audit(conf ? List.of() : List.of(file), conf ? List.of(file) : List.of());
            assertThat(out).containsKey(file);
            out.values().forEach(fs -> fs.forEach(f -> {
                assertThat(f.line()).isNotNegative();
                assertThat(f.detail()).doesNotStartWith(ManifestAudit.INTERNAL_ERROR);
            }));
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }
}
