package dev.dualtrack.hf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

/** Xet removed from headers, Link rels, Accept and JSON, with everything else left as it was. */
class XetStrippingTest {
    @Test
    void xetHeadersAndLinkRelsGoOtherLinksStay() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("X-Xet-Hash", "abc").add("x-xet-cas-url", "https://cas.example").add("X-Xet-Access-Token", "t")
                .add("X-Xet-Refresh-Route", "/api/models/a/b/xet-read-token/main").add("X-Repo-Commit", "c".repeat(40))
                .add("Link", "<https://cas.example/v1/reconstructions/abc>; rel=\"xet-reconstruction-info\", "
                        + "<https://huggingface.co/api/models/a/b/xet-read-token/main>; rel=\"xet-auth\"")
                .add("Link", "<https://huggingface.co/api/models/a/b/tree/main?cursor=x,y>; rel=\"next\"");
        XetStripping.stripResponse(h);
        assertThat(h.names()).extracting(String::toLowerCase).containsExactlyInAnyOrder("x-repo-commit", "link");
        assertThat(h.getAll("link")).containsExactly(
                "<https://huggingface.co/api/models/a/b/tree/main?cursor=x,y>; rel=\"next\"");
        HttpHeaders onlyXet = new DefaultHttpHeaders().add("Link", "<https://x>; rel=xet-auth");
        XetStripping.stripResponse(onlyXet);
        assertThat(onlyXet.contains("link")).isFalse();
    }

    @Test
    void xetHashKeysGoAtAnyDepth() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode tree = json.readTree("""
                [{"type":"file","oid":"1","size":5,"path":"model.safetensors","xetHash":"abc",
                  "lfs":{"oid":"%s","size":5,"pointerSize":134,"xetHash":"def"}},
                 {"type":"directory","oid":"2","size":0,"path":"onnx"}]""".formatted("a".repeat(64)));
        XetStripping.stripJson(tree);
        assertThat(tree.toString()).doesNotContain("xetHash").contains("pointerSize", "\"oid\":\"" + "a".repeat(64));
        assertThat(tree.get(1).get("path").asText()).isEqualTo("onnx");
    }
}
