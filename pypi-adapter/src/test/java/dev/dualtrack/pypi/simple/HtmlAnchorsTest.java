package dev.dualtrack.pypi.simple;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The PEP 503 reader: what HTML's tokenizer would make of anchors, in linear time whatever the nesting. */
class HtmlAnchorsTest {
    static final URI PAGE = URI.create("https://pypi.example/simple/demo/");

    static SimplePage parse(String html) throws Exception {
        return SimpleCodec.parseHtml(html.getBytes(StandardCharsets.UTF_8), PAGE, "demo");
    }

    @Test
    void anchorsAsTheTokenizerSeesThem() throws Exception {
        SimplePage p = parse("""
                <!DOCTYPE html><html><head><META NAME="pypi:repository-version" content="1.1">
                <title>Links for <a href="x">demo</a></title>
                <script>var s = '<a href="/evil-1.0.tar.gz">evil-1.0.tar.gz</a>';</script></head><body>
                <!-- <a href="/commented-1.0.tar.gz">commented-1.0.tar.gz</a> -->
                <A HREF='../../files/demo-1.0.tar.gz#sha256=aa' data-requires-python="&gt;=3.8" href="/ignored">
                  demo-1.0.tar.gz </A><br/>
                <a href=/files/demo-2.0-py3-none-any.whl data-yanked data-core-metadata="sha256=bb">demo-2.0-<b>py3</b>-none-any.whl</a>
                <a href="/files/demo-3.0.tar.gz">demo-3.0.tar.gz<a href="/files/demo-4.0.tar.gz">demo-4.0.tar.gz</a>
                <p>a lone < sign and text outside anchors</p>
                <a href="/files/demo-5.0.tar.gz#sha256=cc" data-provenance="/prov/demo-5.0">demo-5.0.tar.gz &amp; x</a>
                </body></html>
                """);
        assertThat(p.files()).extracting(SimpleFile::filename).containsExactly("demo-1.0.tar.gz",
                "demo-2.0-py3-none-any.whl", "demo-3.0.tar.gz", "demo-4.0.tar.gz", "demo-5.0.tar.gz & x");
        SimpleFile first = p.files().get(0);
        assertThat(first.url()).isEqualTo("https://pypi.example/files/demo-1.0.tar.gz");
        assertThat(first.sha256()).contains("aa");
        assertThat(first.requiresPython()).contains(">=3.8");
        SimpleFile second = p.files().get(1);
        assertThat(second.yanked()).contains("");
        assertThat(second.coreMetadata()).hasValueSatisfying(m -> assertThat(m).containsEntry("sha256", "bb"));
        assertThat(p.files().get(4).provenance()).contains("https://pypi.example/prov/demo-5.0");
    }

    @Test
    void anUnsupportedApiVersionIsRefused() {
        assertThatThrownBy(() -> parse("<meta name=\"pypi:repository-version\" content=\"2.0\"><a href=x>x</a>"))
                .isInstanceOf(SimpleCodec.UnreadablePageException.class).hasMessageContaining("2.0");
    }

    @Test
    @Timeout(30)
    void hostileNestingIsReadInOnePass() throws Exception {
        // 4.5 MB of nested tables and 10 MB of nested divs, an anchor at the bottom of each: a tree builder spent
        // minutes on these; a tokenizer reads them once.
        for (String open : List.of("<table><tr><td>", "<div>")) {
            StringBuilder b = new StringBuilder("<html><body>");
            int target = open.startsWith("<table") ? 4_500_000 : 10_000_000;
            while (b.length() < target) {
                b.append(open);
            }
            b.append("<a href=\"/f/demo-1.0.tar.gz\">demo-1.0.tar.gz</a>");
            SimplePage p = parse(b.toString());
            assertThat(p.files()).extracting(SimpleFile::filename).containsExactly("demo-1.0.tar.gz");
        }
    }

    @Test
    void pastItsDeadlineAPageIsRefused() {
        byte[] big = "<div>".repeat(200_000).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> SimpleCodec.parseHtml(big, PAGE, "demo", System.nanoTime() - 1))
                .isInstanceOf(SimpleCodec.UnreadablePageException.class).hasMessageContaining("too long");
    }

    @Test
    void unterminatedConstructsEndThePageInsteadOfLooping() throws Exception {
        for (String html : List.of("<a href=\"/f/x-1.tar.gz\">x-1.tar.gz<!-- never closed", "<a href=\"/f/x-1.tar.gz",
                "<a href='/f/x-1.tar.gz>x", "<script><a href=/f/x-1.tar.gz>", "<", "<!", "</")) {
            parse(html); // returns, whatever it found
        }
        assertThat(parse("<a href=\"/f/x-1.tar.gz\">x-1.tar.gz").files()).hasSize(1);
    }

    @Test
    void aPageListingMoreFilesThanAnyProjectIsRefused() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i <= SimpleCodec.MAX_FILES; i++) {
            b.append("<a href=/f/d-").append(i).append(".tar.gz>d-").append(i).append(".tar.gz</a>\n");
        }
        assertThatThrownBy(() -> parse(b.toString())).isInstanceOf(SimpleCodec.UnreadablePageException.class)
                .hasMessageContaining("more than " + SimpleCodec.MAX_FILES);
    }
}
