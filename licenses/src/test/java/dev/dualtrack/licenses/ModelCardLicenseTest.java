package dev.dualtrack.licenses;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ModelCardLicenseTest {
    private static String read(String card) {
        DeclaredLicense d = ModelCardLicense.read(card);
        return d.text().orElse("none: " + d.problem().orElse(""));
    }

    @Test
    void theFrontMatterLicenseIsRead() {
        assertThat(read("---\nlicense: cc-by-nc-4.0\ntags: [text-generation]\n---\n# Model\n")).isEqualTo("cc-by-nc-4.0");
        assertThat(read("\uFEFF---\r\nlanguage: en\r\nlicense: apache-2.0\r\n---\r\n")).isEqualTo("apache-2.0");
        assertThat(read("---\nlicense:\n- mit\n- apache-2.0\n---\n")).isEqualTo("mit OR apache-2.0");
    }

    @Test
    void otherIsJudgedByItsName() {
        DeclaredLicense d = ModelCardLicense.read("---\nlicense: other\nlicense_name: llama-community\n"
                + "license_link: https://example.org/LICENSE\n---\n");
        assertThat(d.text()).contains("llama-community");
        assertThat(d.link()).contains("https://example.org/LICENSE");
        assertThat(read("---\nlicense: other\n---\n")).isEqualTo("other");
    }

    @Test
    void aCardWithoutALicenseSaysWhy() {
        assertThat(read("# just a readme\n")).startsWith("none: has a model card without YAML front matter");
        assertThat(read("---\nlanguage: en\n---\n")).isEqualTo("none: states no license in its model card");
        assertThat(read("---\nlicense: mit\n")).startsWith("none: has a model card whose front matter never ends");
        assertThat(read("---\nlicense: [mit\n---\n")).startsWith("none: has model card front matter that is not valid");
        assertThat(read("---\nlicense: {a: b}\n---\n")).isEqualTo("none: has a license field that is not an id");
    }

    @Test
    void aBillionLaughsCardIsNotExpanded() {
        StringBuilder s = new StringBuilder("---\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 0; i < 30; i++) {
            s.append((char) ('b' + i % 20)).append(i).append(": &l").append(i).append(" [*")
                    .append(i == 0 ? "a" : "l" + (i - 1)).append(", *").append(i == 0 ? "a" : "l" + (i - 1))
                    .append("]\n");
        }
        s.append("license: mit\n---\n");
        // 2^30 list items if aliases were expanded; Jackson's tree keeps an alias as a reference, so the card is
        // read as written (and over 20 aliases per collection SnakeYAML refuses it outright).
        assertThat(read(s.toString())).isEqualTo("mit");
    }

    @Test
    void theCardsDescriptiveFieldsAreKeptForTheBom() {
        assertThat(ModelCardLicense.cardData("---\nlicense: mit\npipeline_tag: text-generation\nlanguage: [en, fr]\n"
                + "base_model: acme/base\ntags: [x]\n---\n")).containsExactly(
                java.util.Map.entry("pipeline_tag", java.util.List.of("text-generation")),
                java.util.Map.entry("base_model", java.util.List.of("acme/base")),
                java.util.Map.entry("language", java.util.List.of("en", "fr")));
        assertThat(ModelCardLicense.cardData("# no front matter\n")).isEmpty();
    }
}
