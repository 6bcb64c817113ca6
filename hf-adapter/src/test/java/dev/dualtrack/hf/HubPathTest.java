package dev.dualtrack.hf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.hf.HubPath.Kind;
import dev.dualtrack.hf.HubPath.RepoType;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The URL shapes huggingface_hub, @huggingface/hub and transformers.js send (docs/protocols.md). */
class HubPathTest {
    static HubPath p(String raw) {
        return HubPath.parse(raw);
    }

    @Test
    void resolveForModelsAndDatasetsWithNamespacedAndLegacyIds() {
        assertThat(p("/google-bert/bert-base-uncased/resolve/main/config.json")).isEqualTo(new HubPath(Kind.RESOLVE,
                RepoType.MODEL, "google-bert/bert-base-uncased", Optional.of("main"), "config.json"));
        assertThat(p("/gpt2/resolve/main/onnx/decoder_model.onnx")).isEqualTo(new HubPath(Kind.RESOLVE,
                RepoType.MODEL, "gpt2", Optional.of("main"), "onnx/decoder_model.onnx"));
        assertThat(p("/datasets/squad/resolve/refs%2Fconvert%2Fparquet/plain_text/train/0000.parquet"))
                .isEqualTo(new HubPath(Kind.RESOLVE, RepoType.DATASET, "squad", Optional.of("refs/convert/parquet"),
                        "plain_text/train/0000.parquet"));
        // A file named with spaces and a plus, encoded as Python's quote() does.
        assertThat(p("/a/b/resolve/0123456789abcdef0123456789abcdef01234567/my%20model+v2.bin").path())
                .isEqualTo("my model+v2.bin");
    }

    @Test
    void apiRoutes() {
        assertThat(p("/api/models/gpt2")).isEqualTo(new HubPath(Kind.REPO_INFO, RepoType.MODEL, "gpt2",
                Optional.empty(), ""));
        assertThat(p("/api/models/acme/bert/revision/HEAD").rev()).contains("HEAD");
        assertThat(p("/api/models/acme/bert/revision/refs%2Fpr%2F3").rev()).contains("refs/pr/3");
        assertThat(p("/api/datasets/acme/data/tree/main")).isEqualTo(new HubPath(Kind.TREE, RepoType.DATASET,
                "acme/data", Optional.of("main"), ""));
        assertThat(p("/api/models/acme/bert/tree/main/onnx/")).isEqualTo(new HubPath(Kind.TREE, RepoType.MODEL,
                "acme/bert", Optional.of("main"), "onnx"));
        assertThat(p("/api/models/gpt2/paths-info/main").kind()).isEqualTo(Kind.PATHS_INFO);
        assertThat(p("/api/models/acme/bert/xet-read-token/main").kind()).isEqualTo(Kind.XET_READ_TOKEN);
        HubPath cache = p("/api/resolve-cache/models/acme/bert/0123456789abcdef0123456789abcdef01234567/config.json");
        assertThat(cache).isEqualTo(new HubPath(Kind.RESOLVE_CACHE, RepoType.MODEL, "acme/bert",
                Optional.of("0123456789abcdef0123456789abcdef01234567"), "config.json"));
        // A repo whose name is a marker word is still a repo.
        assertThat(p("/api/models/acme/tree")).isEqualTo(new HubPath(Kind.REPO_INFO, RepoType.MODEL, "acme/tree",
                Optional.empty(), ""));
    }

    @Test
    void whatDualtrackDoesNotUnderstandIsUnknown() {
        for (String raw : new String[] {"", "/", "/api", "/api/spaces/a/b", "/api/kernels/a/b/tree/main",
                "/spaces/a/b/resolve/main/app.py", "/a/b/c/d/resolve/main/x", "/a/b/resolve/main",
                "/a/b/resolve/main/../../c/d/resolve/main/x", "/a/b/resolve/main/x%2F..%2Fy", "/a/b/resolve/main/%2e%2e/x",
                "/a/b/resolve/main/x/./y", "/a--b/c/resolve/main/x", "/-a/b/resolve/main/x", "/a/b/resolve/..%2Fmain/x",
                "/a/b/resolve/main/bad%ZZ", "/a/b/resolve/main/x%00y", "/a/b/resolve/main/a%5Cb",
                "/api/models/a/b/revision/main/extra", "/api/models/a/b/c", "/api/resolve-cache/models/a/b/main/x",
                "/api/buckets/a/b", "/buckets/a/b/resolve/x", "relative/resolve/main/x"}) {
            assertThat(p(raw).kind()).as(raw).isEqualTo(Kind.UNKNOWN);
        }
    }
}
