package dev.dualtrack.hf;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.util.Optional;

/**
 * The Hub track's parsers of what clients and the Hub send: request paths, the HEAD contract's headers,
 * pagination links and JSON listings. Each target states what must hold for any input. Regression mode runs in
 * every build over src/test/resources/.../HfFuzzTestInputs/; {@code JAZZER_FUZZ=1} fuzzes one target:
 *
 * <pre>JAZZER_FUZZ=1 ./mvnw -pl hf-adapter test -Dtest='HfFuzzTest#hubPath'</pre>
 */
class HfFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A path either is refused (UNKNOWN) or names a valid repo and a path without dot or empty segments. */
    @FuzzTest(maxDuration = "2m")
    void hubPath(FuzzedDataProvider data) {
        HubPath p = HubPath.parse(data.consumeRemainingAsString());
        if (p.kind() == HubPath.Kind.UNKNOWN) {
            return;
        }
        assertThat(p.repo().split("/", -1)).hasSizeBetween(1, 2)
                .allSatisfy(s -> assertThat(s).matches("[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?")
                        .doesNotContain("--").doesNotContain(".."));
        if (!p.path().isEmpty()) {
            assertThat(p.path().split("/", -1)).allSatisfy(s -> assertThat(s).isNotEmpty().isNotEqualTo(".")
                    .isNotEqualTo("..").doesNotContain("\\"));
        }
        p.rev().ifPresent(rev -> assertThat(rev).isNotEmpty().doesNotContain(".."));
        assertThat(p.path() + p.rev().orElse("")).doesNotContainPattern("[\\x00-\\x1f\\x7f]");
    }

    /** The HEAD contract: a FileMeta is always a 40-hex commit, a 64-hex LFS oid when any, a size; else IAE. */
    @FuzzTest(maxDuration = "2m")
    void fileMeta(FuzzedDataProvider data) {
        HttpHeaders h = new DefaultHttpHeaders(false);
        for (String name : new String[] {"X-Repo-Commit", "X-Linked-Etag", "ETag", "X-Linked-Size", "Content-Length",
                "Location"}) {
            if (data.consumeBoolean()) {
                h.set(name, data.consumeString(80));
            }
        }
        int status = data.consumeInt(100, 599);
        try {
            FileMeta m = FileMeta.fromUpstream(status, h);
            assertThat(m.commit()).matches("[0-9a-f]{40}");
            m.lfsSha256().ifPresent(s -> assertThat(s).matches("[0-9a-f]{64}"));
            assertThat(m.size()).isNotNegative();
            assertThat(m.clientHeaders().contains("Location")).isFalse();
        } catch (IllegalArgumentException expected) {
            // a missing or malformed header, reported by name
        }
    }

    /** Whatever the Hub's Link says, every link a client gets back points at dualtrack. */
    @FuzzTest(maxDuration = "2m")
    void paginationLinks(FuzzedDataProvider data) {
        String base = "http://proxy.example:8080/hf";
        Optional<String> out = PaginationLinks.rewrite(data.consumeRemainingAsString(),
                URI.create("https://huggingface.co"), base);
        out.ifPresent(v -> LinkHeader.split(v).forEach(e -> assertThat(e.strip()).startsWith("<" + base)));
    }

    /** Any JSON listing comes out with no xetHash at any depth, and the filter never throws. */
    @FuzzTest(maxDuration = "2m")
    void listing(FuzzedDataProvider data) {
        boolean repoInfo = data.consumeBoolean();
        JsonNode json;
        try {
            json = JSON.readTree(data.consumeRemainingAsBytes());
        } catch (java.io.IOException notJson) {
            return; // the route answers 502 to what is not JSON
        }
        if (json == null) {
            return;
        }
        ListingFilter filter = new ListingFilter(dev.dualtrack.proxy.cache.Caches.standalone());
        if (repoInfo) {
            filter.filterRepoInfo(json, HubPath.RepoType.MODEL, "a/b");
        } else {
            filter.filterEntries(json, HubPath.RepoType.MODEL, "a/b", Optional.of("c".repeat(40)));
        }
        assertThat(json.findValues("xetHash")).isEmpty();
    }
}
