package dev.dualtrack.pypi.simple;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SimpleFormatTest {
    @Test
    void whatRealClientsSendGetsJson() {
        // pip 22.2+, uv and poetry 2 (pypa/pip index/collector.py, astral-sh/uv registry_client.rs).
        assertThat(SimpleFormat.negotiate("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; "
                + "q=0.1, text/html; q=0.01", null)).contains(SimpleFormat.JSON);
    }

    @Test
    void qValuesDecideNotOrder() {
        assertThat(SimpleFormat.negotiate("text/html, application/vnd.pypi.simple.v1+json;q=0.5", null))
                .contains(SimpleFormat.HTML);
        assertThat(SimpleFormat.negotiate("application/vnd.pypi.simple.v1+json;q=0.2, text/html;q=0.9", null))
                .contains(SimpleFormat.HTML);
    }

    @Test
    void noAcceptAndBareWildcardsGetHtmlAsOnPypi() {
        // poetry 1.3.2 sends */* and reads only HTML.
        assertThat(SimpleFormat.negotiate(null, null)).contains(SimpleFormat.HTML);
        assertThat(SimpleFormat.negotiate("*/*", null)).contains(SimpleFormat.HTML);
        assertThat(SimpleFormat.negotiate("application/*", null)).contains(SimpleFormat.HTML_V1);
        // poetry 2 names JSON and adds */*;q=0.1.
        assertThat(SimpleFormat.negotiate("application/vnd.pypi.simple.v1+json, */*;q=0.1", null))
                .contains(SimpleFormat.JSON);
    }

    @Test
    void latestMetaTypesAnswerWithV1AndNothingAcceptableIs406() {
        assertThat(SimpleFormat.negotiate("application/vnd.pypi.simple.latest+json", null)).contains(SimpleFormat.JSON);
        assertThat(SimpleFormat.negotiate("application/xml", null)).isEmpty();
        assertThat(SimpleFormat.negotiate("text/html;q=0", null)).isEmpty();
    }

    @Test
    void formatParameterOverridesAccept() {
        assertThat(SimpleFormat.negotiate("application/vnd.pypi.simple.v1+json", "text/html")).contains(SimpleFormat.HTML);
        assertThat(SimpleFormat.negotiate("text/html", "application/vnd.pypi.simple.v1+json")).contains(SimpleFormat.JSON);
        assertThat(SimpleFormat.negotiate("text/html", "application/json")).isEmpty();
    }

    @Test
    void namesNormalizeAsPep503Says() {
        assertThat(ProjectName.normalize("Foo.Bar__baz-QUX")).isEqualTo("foo-bar-baz-qux");
        assertThat(ProjectName.isValid("-bad")).isFalse();
        assertThat(ProjectName.isValid("torch")).isTrue();
    }
}
