package dev.dualtrack.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LicensesConfigTest {
    @Test
    void offByDefaultAndNoRuleActionIsAdded() throws Exception {
        DualtrackConfig c = ConfigLoader.parse("t.yaml", "listen: {port: 0}\n");
        assertThat(c.licenses().track("pypi").active()).isFalse();
        assertThat(c.licenses().track("hf").active()).isFalse();
        assertThat(c.policy().rules()).doesNotContainKeys("pypi.license-unknown", "hf.license-unknown");
    }

    @Test
    void aTracksOwnListsReplaceTheSharedOnesAndUnknownSetsItsRulesAction() throws Exception {
        DualtrackConfig c = ConfigLoader.parse("t.yaml", """
                licenses:
                  deny: [GPL*, cc-by-nc-*]
                  unknown: warn
                  hf: {allow: [apache-2.0, llama3*], unknown: block}
                policy:
                  rules: {pypi.license-unknown: off}
                """);
        assertThat(c.licenses().track("pypi")).isEqualTo(new LicensesConfig.Effective(List.of(),
                List.of("GPL*", "cc-by-nc-*"), RuleAction.WARN));
        assertThat(c.licenses().track("hf")).isEqualTo(new LicensesConfig.Effective(List.of("apache-2.0", "llama3*"),
                List.of("GPL*", "cc-by-nc-*"), RuleAction.BLOCK));
        // policy.rules wins over licenses.unknown; where it says nothing, licenses.unknown is the rule's action.
        assertThat(c.policy().rules()).containsEntry("pypi.license-unknown", RuleAction.OFF)
                .containsEntry("hf.license-unknown", RuleAction.BLOCK);
    }

    @Test
    void aLicenseBothAllowedAndDeniedOrNotAnIdIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", "licenses: {allow: [MIT], deny: [mit]}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'MIT' is both allowed and denied");
        assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", "licenses: {deny: ['GPL; rm -rf']}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is not a license id or glob");
        assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", "licenses: {unknown: maybe}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("licenses.unknown");
    }
}
