package dev.dualtrack.licenses;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The readers take hostile text (an index's metadata, a repo's card): whatever it is, they answer with a license or
 * a reason, never a throw. {@code JAZZER_FUZZ=1 ./mvnw -pl licenses test -Dtest='LicenseReadersFuzzTest#card'}.
 */
class LicenseReadersFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void card(FuzzedDataProvider data) {
        DeclaredLicense d = ModelCardLicense.read("---\n" + data.consumeRemainingAsString());
        assertThat(d.expression().isPresent() || d.problem().isPresent()).isTrue();
    }

    @FuzzTest(maxDuration = "20s")
    void coreMetadata(FuzzedDataProvider data) {
        DeclaredLicense d = CoreMetadataLicense.read(data.consumeRemainingAsString());
        assertThat(d.expression().isPresent() || d.problem().isPresent()).isTrue();
        new LicensePolicy(java.util.List.of("MIT*"), java.util.List.of("GPL*")).judge(d, "x");
    }
}
