package dev.dualtrack.licenses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualtrack.licenses.LicensePolicy.Decision.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class LicensePolicyTest {
    private static final LicensePolicy PERMISSIVE = new LicensePolicy(List.of("MIT", "Apache*", "BSD*", "ISC"),
            List.of("GPL*", "AGPL*", "cc-by-nc-*"));

    private static Kind judge(LicensePolicy p, String expression) {
        return p.judge(DeclaredLicense.of(LicenseExpression.parse(expression), "test"), "x").kind();
    }

    @Test
    void anOrIsAcceptableWhenOneBranchIs() {
        assertThat(judge(PERMISSIVE, "MIT OR GPL-3.0-only")).isEqualTo(Kind.ALLOWED);
        assertThat(judge(PERMISSIVE, "GPL-3.0-only OR AGPL-3.0-only")).isEqualTo(Kind.DENIED);
        assertThat(judge(PERMISSIVE, "GPL-3.0-only OR MPL-2.0")).isEqualTo(Kind.UNKNOWN);
    }

    @Test
    void anAndNeedsEveryPart() {
        assertThat(judge(PERMISSIVE, "MIT AND Apache-2.0")).isEqualTo(Kind.ALLOWED);
        assertThat(judge(PERMISSIVE, "MIT AND CC-BY-NC-4.0")).isEqualTo(Kind.DENIED);
        assertThat(judge(PERMISSIVE, "MIT AND (GPL-2.0-only OR BSD-3-Clause)")).isEqualTo(Kind.ALLOWED);
        assertThat(judge(PERMISSIVE, "MIT AND MPL-2.0")).isEqualTo(Kind.UNKNOWN);
    }

    @Test
    void patternsIgnoreCaseSoHubIdsAndSpdxIdsMatchAlike() {
        assertThat(judge(PERMISSIVE, "cc-by-nc-4.0")).isEqualTo(Kind.DENIED);
        assertThat(judge(PERMISSIVE, "CC-BY-NC-SA-4.0")).isEqualTo(Kind.DENIED);
        assertThat(judge(PERMISSIVE, "apache-2.0")).isEqualTo(Kind.ALLOWED);
        assertThat(judge(PERMISSIVE, "mit")).isEqualTo(Kind.ALLOWED);
    }

    @Test
    void withoutAnAllowListEverythingNotDeniedPasses() {
        LicensePolicy denyOnly = new LicensePolicy(List.of(), List.of("cc-by-nc-*", "llama*"));
        assertThat(judge(denyOnly, "openrail++")).isEqualTo(Kind.ALLOWED);
        assertThat(judge(denyOnly, "llama3.1")).isEqualTo(Kind.DENIED);
    }

    @Test
    void anExceptionIsJudgedWithItsLicenseOrWhole() {
        LicensePolicy p = new LicensePolicy(List.of("GPL-2.0-only with classpath-exception-2.0"), List.of());
        assertThat(judge(p, "GPL-2.0-only WITH Classpath-exception-2.0")).isEqualTo(Kind.ALLOWED);
        assertThat(judge(p, "GPL-2.0-only")).isEqualTo(Kind.UNKNOWN);
    }

    @Test
    void noLicenseIsUnknownAndTheReasonSaysWhy() {
        LicensePolicy.Decision d = PERMISSIVE.judge(DeclaredLicense.none("core metadata", "states no license"),
                "wheel demo-1.0-py3-none-any.whl");
        assertThat(d.kind()).isEqualTo(Kind.UNKNOWN);
        assertThat(d.reason()).isEqualTo("wheel demo-1.0-py3-none-any.whl states no license (core metadata)");
    }

    @Test
    void aDenialNamesTheLicenseWhereItWasReadAndThePattern() {
        LicensePolicy.Decision d = PERMISSIVE.judge(DeclaredLicense.of(LicenseExpression.parse("cc-by-nc-4.0"),
                "model card"), "acme/model");
        assertThat(d.reason()).isEqualTo("acme/model is under license 'cc-by-nc-4.0' (model card), and "
                + "licenses.deny names cc-by-nc-4.0");
    }

    @Test
    void expressionsParseWithPrecedenceAndRefuseWhatIsNotOne() {
        assertThat(LicenseExpression.parse("MIT or Apache-2.0 and BSD-3-Clause").toString())
                .isEqualTo("MIT OR (Apache-2.0 AND BSD-3-Clause)");
        assertThat(LicenseExpression.parse("(MIT OR ISC) AND Zlib").toString()).isEqualTo("(MIT OR ISC) AND Zlib");
        for (String bad : List.of("", "MIT OR", "(MIT", "MIT)", "AND MIT", "MIT WITH", "see LICENSE.txt!",
                "MIT Apache-2.0", "(".repeat(40) + "MIT" + ")".repeat(40))) {
            assertThatThrownBy(() -> LicenseExpression.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
