package dev.dualtrack.pypi.simple;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SimpleCodecTest {
    static final URI PAGE = URI.create("https://pypi.org/simple/demo/");
    static final String SHA = "a".repeat(64);

    /** Shaped like PyPI's answer to pip's Accept header (api-version 1.4, project-status, provenance). */
    static final String PYPI_JSON = """
            {"meta":{"_last-serial":123,"api-version":"1.4"},"name":"demo","project-status":{"status":"active"},
             "versions":["1.0","2.0"],
             "files":[
              {"filename":"demo-1.0.tar.gz","url":"https://files.pythonhosted.org/packages/ab/cd/demo-1.0.tar.gz",
               "hashes":{"sha256":"%s"},"requires-python":">=3.8","yanked":false,"size":1234,
               "upload-time":"2024-01-02T03:04:05.123456Z","core-metadata":false,"data-dist-info-metadata":false,
               "provenance":null},
              {"filename":"demo-2.0-py3-none-any.whl","url":"../../packages/demo-2.0-py3-none-any.whl",
               "hashes":{"sha256":"%s"},"yanked":"broken build","size":99,
               "upload-time":"2025-01-02T03:04:05.000000Z","core-metadata":{"sha256":"%s"}}]}
            """.formatted(SHA, SHA, "b".repeat(64));

    @Test
    void jsonPagesAreReadWithRelativeUrlsResolved() throws Exception {
        SimplePage p = SimpleCodec.parse(PYPI_JSON.getBytes(StandardCharsets.UTF_8),
                "application/vnd.pypi.simple.v1+json", PAGE, "demo");
        assertThat(p.files()).hasSize(2);
        SimpleFile whl = p.file("demo-2.0-py3-none-any.whl").orElseThrow();
        assertThat(whl.url()).isEqualTo("https://pypi.org/packages/demo-2.0-py3-none-any.whl");
        assertThat(whl.yanked()).contains("broken build");
        assertThat(whl.coreMetadata()).contains(Map.of("sha256", "b".repeat(64)));
        SimpleFile sdist = p.file("demo-1.0.tar.gz").orElseThrow();
        assertThat(sdist.yanked()).isEmpty();
        assertThat(sdist.coreMetadata()).isEmpty();
        assertThat(sdist.requiresPython()).contains(">=3.8");
        assertThat(p.versions()).containsExactly("1.0", "2.0");
    }

    @Test
    void renderedJsonKeepsHashesRewritesUrlsAndNeverSaysDistInfoMetadata() throws Exception {
        SimplePage p = SimpleCodec.parse(PYPI_JSON.getBytes(StandardCharsets.UTF_8), "application/json", PAGE, "demo");
        JsonNode out = new ObjectMapper().readTree(SimpleCodec.render(p, SimpleFormat.JSON,
                f -> "/pypi/files/demo/" + f.filename()));
        assertThat(out.path("meta").path("api-version").asText()).isEqualTo("1.1");
        JsonNode whl = out.path("files").get(1);
        assertThat(whl.path("url").asText()).isEqualTo("/pypi/files/demo/demo-2.0-py3-none-any.whl");
        assertThat(whl.path("hashes").path("sha256").asText()).isEqualTo(SHA);
        assertThat(whl.path("yanked").asText()).isEqualTo("broken build");
        assertThat(whl.path("core-metadata").path("sha256").asText()).isEqualTo("b".repeat(64));
        assertThat(whl.has("dist-info-metadata")).isFalse();
        assertThat(out.path("files").get(0).path("upload-time").asText()).isEqualTo("2024-01-02T03:04:05.123456Z");
        assertThat(out.path("versions")).hasSize(2);
    }

    @Test
    void htmlPagesRoundTripWithEscapingAndBothMetadataAttributes() throws Exception {
        String html = """
                <!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.0"></head><body>
                <a href="https://files.example/demo-1.0.tar.gz#sha256=%s" data-requires-python="&gt;=3.8">demo-1.0.tar.gz</a>
                <a href="/p/demo-2.0-py3-none-any.whl#sha256=%s" data-yanked="" data-dist-info-metadata="sha256=%s">demo-2.0-py3-none-any.whl</a>
                </body></html>""".formatted(SHA, SHA, "c".repeat(64));
        SimplePage p = SimpleCodec.parse(html.getBytes(StandardCharsets.UTF_8), "text/html", PAGE, "Demo");
        assertThat(p.name()).isEqualTo("demo");
        assertThat(p.file("demo-1.0.tar.gz").orElseThrow().requiresPython()).contains(">=3.8");
        SimpleFile whl = p.file("demo-2.0-py3-none-any.whl").orElseThrow();
        assertThat(whl.url()).isEqualTo("https://pypi.org/p/demo-2.0-py3-none-any.whl");
        assertThat(whl.yanked()).contains("");
        assertThat(whl.coreMetadata()).contains(Map.of("sha256", "c".repeat(64)));
        String out = new String(SimpleCodec.render(p, SimpleFormat.HTML, f -> "/pypi/files/demo/" + f.filename()),
                StandardCharsets.UTF_8);
        assertThat(out).contains("href=\"/pypi/files/demo/demo-1.0.tar.gz#sha256=" + SHA + "\"",
                "data-requires-python=\"&gt;=3.8\"", "data-yanked=\"\"",
                "data-core-metadata=\"sha256=" + "c".repeat(64) + "\"",
                "data-dist-info-metadata=\"sha256=" + "c".repeat(64) + "\"");
        SimplePage again = SimpleCodec.parse(out.getBytes(StandardCharsets.UTF_8), "text/html",
                URI.create("http://proxy/pypi/simple/demo/"), "demo");
        assertThat(again.files()).extracting(SimpleFile::filename).containsExactly("demo-1.0.tar.gz",
                "demo-2.0-py3-none-any.whl");
        assertThat(again.files().get(0).sha256()).contains(SHA);
    }

    @Test
    void unreadablePagesAreReportedWithoutQuotingTheUpstreamsBytes() {
        assertThatThrownBy(() -> SimpleCodec.parse("SSH-2.0-OpenSSH secret-banner".getBytes(StandardCharsets.UTF_8),
                "application/vnd.pypi.simple.v1+json", PAGE, "demo")).isInstanceOf(
                SimpleCodec.UnreadablePageException.class).message().doesNotContain("secret").doesNotContain("SSH");
        assertThatThrownBy(() -> SimpleCodec.parse("{\"meta\":{\"api-version\":\"9.<script>\"}}".getBytes(
                StandardCharsets.UTF_8), "application/json", PAGE, "demo")).message().doesNotContain("<script>");
    }

    @Test
    void theUpstreamsNameForThePageIsNotTrustedAndBadLinksStayForTheRouteToRefuse() throws Exception {
        String page = "{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"../../evil\",\"files\":[{\"filename\":"
                + "\"demo-1.0.tar.gz\",\"url\":\"http://exa mple/demo-1.0.tar.gz\",\"hashes\":{}}]}";
        SimplePage p = SimpleCodec.parse(page.getBytes(StandardCharsets.UTF_8), "application/json", PAGE, "demo");
        assertThat(p.name()).isEqualTo("demo");
        assertThat(p.files().get(0).url()).isEqualTo("http://exa mple/demo-1.0.tar.gz");
    }

    @Test
    void largeHtmlPagesAreStreamed() throws Exception {
        StringBuilder html = new StringBuilder("<html><body>");
        for (int i = 0; i < 20_000; i++) {
            html.append("<a href=\"/p/demo-1.").append(i).append(".tar.gz#sha256=").append(SHA).append("\">demo-1.")
                    .append(i).append(".tar.gz</a><br/>\n");
        }
        SimplePage p = SimpleCodec.parse(html.append("</body></html>").toString().getBytes(StandardCharsets.UTF_8),
                "text/html", PAGE, "demo");
        assertThat(p.files()).hasSize(20_000);
        assertThat(p.files().get(19_999).filename()).isEqualTo("demo-1.19999.tar.gz");
        assertThat(p.files().get(19_999).sha256()).contains(SHA);
    }

    @Test
    void aMajorVersionWeDoNotImplementIsRefused() {
        assertThatThrownBy(() -> SimpleCodec.parse("{\"meta\":{\"api-version\":\"2.0\"},\"files\":[]}"
                .getBytes(StandardCharsets.UTF_8), "application/vnd.pypi.simple.v1+json", PAGE, "demo"))
                .hasMessageContaining("2.0");
        assertThatThrownBy(() -> SimpleCodec.parse("not json".getBytes(StandardCharsets.UTF_8),
                "application/vnd.pypi.simple.v1+json", PAGE, "demo")).isInstanceOf(
                SimpleCodec.UnreadablePageException.class);
    }

    @Test
    void withoutSizesTheJsonSaysApiVersion10() throws Exception {
        SimplePage p = new SimplePage("demo", java.util.List.of(new SimpleFile("demo-1.0.tar.gz", "https://x/y",
                Map.of("sha256", SHA), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty())), java.util.List.of());
        JsonNode out = new ObjectMapper().readTree(SimpleCodec.render(p, SimpleFormat.JSON, f -> "/f"));
        assertThat(out.path("meta").path("api-version").asText()).isEqualTo("1.0");
    }
}
