package dev.dualtrack.pypi.simple;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.URI;

/**
 * Upstream project pages, HTML and JSON, of arbitrary bytes: a page is read or refused as unreadable, never an
 * exception of another kind, never more files than the bound. Regression mode in every build;
 * {@code JAZZER_FUZZ=1 ./mvnw -pl pypi-adapter test -Dtest='SimplePageFuzzTest#page'} fuzzes.
 */
class SimplePageFuzzTest {
    private static final URI PAGE = URI.create("https://pypi.example/simple/demo/");

    @FuzzTest(maxDuration = "1m")
    void page(FuzzedDataProvider data) {
        boolean json = data.consumeBoolean();
        byte[] body = data.consumeRemainingAsBytes();
        try {
            SimplePage p = SimpleCodec.parse(body, json ? "application/vnd.pypi.simple.v1+json" : "text/html", PAGE,
                    "demo");
            assertThat(p.files().size()).isLessThanOrEqualTo(SimpleCodec.MAX_FILES);
            assertThat(p.name()).isEqualTo("demo");
        } catch (SimpleCodec.UnreadablePageException expected) {
            // refused, as it should be
        }
    }
}
