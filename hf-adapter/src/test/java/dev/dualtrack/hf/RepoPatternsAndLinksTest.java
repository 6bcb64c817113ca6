package dev.dualtrack.hf;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class RepoPatternsAndLinksTest {
    static final URI HUB = URI.create("https://huggingface.co");

    @Test
    void allowAndDenyPatternsMatchWithinOneSegmentAndDenyWins() {
        RepoPatterns p = new RepoPatterns(List.of("meta-llama/*", "Google/*", "gpt2", "*/bert-*"),
                List.of("meta-llama/evil*"));
        assertThat(p.permits("meta-llama/Llama-3-8B")).isTrue();
        assertThat(p.permits("google/gemma-2b")).isTrue();
        assertThat(p.permits("gpt2")).isTrue();
        assertThat(p.permits("acme/bert-base")).isTrue();
        assertThat(p.permits("meta-llama/evil-model")).isFalse();
        assertThat(p.permits("meta-llama")).isFalse();
        assertThat(p.permits("acme/other")).isFalse();
        assertThat(p.permits("a/b/bert-x")).isFalse();
        RepoPatterns everything = new RepoPatterns(List.of("*"), List.of("bad-org/*"));
        assertThat(everything.permits("gpt2")).isTrue();
        assertThat(everything.permits("any/thing")).isTrue();
        assertThat(everything.permits("Bad-Org/x")).isFalse();
    }

    @Test
    void nextPageLinksAreRewrittenOntoDualtrackAndForeignLinksDropped() {
        String next = "<https://huggingface.co/api/models/a/b/tree/main?recursive=true&expand=false&cursor=ZXlK%3D>; rel=\"next\"";
        assertThat(PaginationLinks.rewrite(next, HUB, "http://127.0.0.1:8080/hf/")).contains(
                "<http://127.0.0.1:8080/hf/api/models/a/b/tree/main?recursive=true&expand=false&cursor=ZXlK%3D>; rel=\"next\"");
        assertThat(PaginationLinks.rewrite("</api/models/a/b/tree/main?cursor=x>; rel=\"next\"", HUB,
                "http://h/hf")).contains("<http://h/hf/api/models/a/b/tree/main?cursor=x>; rel=\"next\"");
        assertThat(PaginationLinks.rewrite("<https://evil.example/api/models/a/b/tree/main>; rel=\"next\"", HUB,
                "http://h/hf")).isEmpty();
        assertThat(PaginationLinks.rewrite("<http://huggingface.co/x>; rel=\"next\"", HUB, "http://h/hf")).isEmpty();
        assertThat(PaginationLinks.rewrite("garbage, <https://huggingface.co:443/x>; rel=next", HUB, "http://h/hf"))
                .contains("<http://h/hf/x>; rel=next");
    }
}
