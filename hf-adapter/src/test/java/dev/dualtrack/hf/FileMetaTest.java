package dev.dualtrack.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** HEAD answers shaped like the Hub's (docs/protocols.md, "The Hugging Face Hub"). */
class FileMetaTest {
    static final String COMMIT = "39593d5650112b4cc580433f6b0435385882d819";
    static final String SHA = "9d6a233ff6fd5ccb9f76fd99618d73369c52dd3d8222376384d0e601911089e8";

    @Test
    void anLfsFileRedirectedToTheCdn() {
        HttpHeaders h = new DefaultHttpHeaders().set("X-Repo-Commit", COMMIT).set("X-Linked-Etag", "\"" + SHA + "\"")
                .set("X-Linked-Size", "1215981830").set("ETag", "W/\"913-abc\"").set("Content-Length", "1127")
                .set("Location", "https://cdn-lfs.hf.co/repos/aa/bb/x/" + SHA + "?X-Amz-Expires=3600");
        FileMeta m = FileMeta.fromUpstream(302, h);
        assertThat(m).isEqualTo(new FileMeta(COMMIT, SHA, Optional.of(SHA), 1215981830L,
                Optional.of("https://cdn-lfs.hf.co/repos/aa/bb/x/" + SHA + "?X-Amz-Expires=3600")));
        HttpHeaders out = m.clientHeaders();
        assertThat(out.get("ETag")).isEqualTo("\"" + SHA + "\"");
        assertThat(out.get("X-Linked-Etag")).isEqualTo("\"" + SHA + "\"");
        assertThat(out.get("X-Linked-Size")).isEqualTo("1215981830");
        assertThat(out.get("Content-Length")).isEqualTo("1215981830");
        assertThat(out.contains("Location")).isFalse();
    }

    @Test
    void aRegularFileHasAGitEtagAndItsOwnLength() {
        HttpHeaders h = new DefaultHttpHeaders().set("X-Repo-Commit", COMMIT)
                .set("ETag", "\"0435ae3f4b3c8b907f7359a2f8f7150d316f3435\"").set("Content-Length", "571");
        FileMeta m = FileMeta.fromUpstream(200, h);
        assertThat(m.lfsSha256()).isEmpty();
        assertThat(m.etag()).isEqualTo("0435ae3f4b3c8b907f7359a2f8f7150d316f3435");
        assertThat(m.size()).isEqualTo(571);
        assertThat(m.clientHeaders().contains("X-Linked-Etag")).isFalse();
    }

    @Test
    void aRedirectsOwnLengthIsNotTheFileSizeAndMissingHeadersAreNamed() {
        HttpHeaders redirect = new DefaultHttpHeaders().set("X-Repo-Commit", COMMIT).set("ETag", "\"e\"")
                .set("Content-Length", "913").set("Location", "/api/resolve-cache/models/a/b/" + COMMIT + "/x");
        assertThatThrownBy(() -> FileMeta.fromUpstream(307, redirect)).hasMessageContaining("no file size");
        assertThatThrownBy(() -> FileMeta.fromUpstream(200, new DefaultHttpHeaders().set("ETag", "\"e\"")))
                .hasMessageContaining("X-Repo-Commit");
        assertThatThrownBy(() -> FileMeta.fromUpstream(200, new DefaultHttpHeaders().set("X-Repo-Commit", COMMIT)
                .set("Content-Length", "1"))).hasMessageContaining("no ETag");
        assertThatThrownBy(() -> FileMeta.fromUpstream(200, new DefaultHttpHeaders().set("X-Repo-Commit", COMMIT)
                .set("ETag", "\"e\"").set("Content-Length", "-1"))).hasMessageContaining("no file size");
        // A linked ETag that is not a sha256 is an ETag, never an oid to verify against.
        FileMeta notSha = FileMeta.fromUpstream(302, new DefaultHttpHeaders().set("X-Repo-Commit", COMMIT)
                .set("X-Linked-Etag", "\"abc\"").set("X-Linked-Size", "3"));
        assertThat(notSha.lfsSha256()).isEmpty();
        assertThat(FileMeta.normalizeEtag("W/\"x\"")).isEqualTo("x");
    }
}
