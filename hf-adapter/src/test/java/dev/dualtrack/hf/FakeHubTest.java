package dev.dualtrack.hf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fake Hub answers as the Hub does, which the track's parsers accept: the fixture the route's tests and
 * the end-to-end tests stand on.
 */
class FakeHubTest {
    static final String COMMIT = "8b2b98c00a6b4d291155e4890773ca8f769aee53";
    static final byte[] WEIGHTS = "pretend safetensors".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CONFIG = "{\"model_type\":\"bert\"}".getBytes(StandardCharsets.US_ASCII);
    static FakeHub hub;
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void start() throws Exception {
        hub = new FakeHub("acme/bert", COMMIT).lfsFile("model.safetensors", WEIGHTS, WEIGHTS)
                .regularFile("config.json", CONFIG);
    }

    @AfterAll
    static void stop() throws Exception {
        hub.close();
    }

    static HttpHeaders netty(HttpResponse<?> r) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (Map.Entry<String, List<String>> e : r.headers().map().entrySet()) {
            e.getValue().forEach(v -> h.add(e.getKey(), v));
        }
        return h;
    }

    static HttpResponse<byte[]> send(String method, URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void anLfsFileIsA302ToTheCdnWithTheHeadContractAndXet() throws Exception {
        HttpResponse<byte[]> head = send("HEAD", hub.hub().uri("/acme/bert/resolve/main/model.safetensors"));
        assertThat(head.statusCode()).isEqualTo(302);
        HttpHeaders h = netty(head);
        FileMeta meta = FileMeta.fromUpstream(302, h);
        assertThat(meta.lfsSha256()).contains(FakeHub.sha256(WEIGHTS));
        assertThat(meta.commit()).isEqualTo(COMMIT);
        assertThat(URI.create(meta.location().orElseThrow()).getPort()).isEqualTo(hub.cdn().port());
        assertThat(h.get("X-Xet-Hash")).isNotNull();
        XetStripping.stripResponse(h);
        assertThat(h.contains("X-Xet-Hash")).isFalse();
        assertThat(h.contains("Link")).isFalse();
        HttpResponse<byte[]> body = send("GET", URI.create(meta.location().get()));
        assertThat(FakeHub.sha256(body.body())).isEqualTo(meta.lfsSha256().get());
    }

    @Test
    void aRegularFileIsARelative307ToResolveCache() throws Exception {
        HttpResponse<byte[]> head = send("HEAD", hub.hub().uri("/acme/bert/resolve/main/config.json"));
        assertThat(head.statusCode()).isEqualTo(307);
        String location = head.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/api/resolve-cache/models/acme/bert/" + COMMIT + "/config.json?");
        HubPath cache = HubPath.parse(location.substring(0, location.indexOf('?')));
        assertThat(cache.kind()).isEqualTo(HubPath.Kind.RESOLVE_CACHE);
        HttpResponse<byte[]> followed = send("HEAD", hub.hub().uri(location));
        FileMeta meta = FileMeta.fromUpstream(followed.statusCode(), netty(followed));
        assertThat(meta.lfsSha256()).isEmpty();
        assertThat(meta.etag()).isEqualTo(FakeHub.gitBlobSha1(CONFIG));
        assertThat(meta.size()).isEqualTo(CONFIG.length);
    }

    @Test
    void theTreeCarriesXetHashesThatStrippingRemoves() throws Exception {
        HttpResponse<byte[]> tree = send("GET", hub.hub().uri("/api/models/acme/bert/tree/main"));
        var json = new ObjectMapper().readTree(tree.body());
        assertThat(json.toString()).contains("xetHash");
        assertThat(json.get(0).get("lfs").get("oid").asText()).isEqualTo(FakeHub.sha256(WEIGHTS));
        assertThat(XetStripping.stripJson(json).toString()).doesNotContain("xetHash");
    }

    @Test
    void gitBlobIdsAreGitsOwn() {
        // `printf 'hello\n' | git hash-object --stdin`
        assertThat(FakeHub.gitBlobSha1("hello\n".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ce013625030ba8dba906f756967f9e9ca394464a");
    }
}
