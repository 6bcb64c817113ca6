package dev.dualtrack.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.proxy.testing.UpstreamHarness;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Request bodies, and redirects that stop at another host so the caller can read the 3xx itself. */
@ExtendWith(LeakCheckExtension.class)
class UpstreamRequestShapesTest {
    ScriptedOrigin hub;
    UpstreamHarness upstream;

    @BeforeEach
    void start() throws Exception {
        hub = new ScriptedOrigin();
        upstream = new UpstreamHarness();
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
        hub.close();
    }

    BodyCollector.Response fetch(UpstreamRequest r) throws Exception {
        return BodyCollector.fetch(upstream.client(), upstream.loop(), r, 1 << 20).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aPostCarriesItsBodyAndTheConnectionStaysUsable() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        hub.onRequest("/api/models/a/b/paths-info/main", req -> {
            seen.set(req.method() + " " + req.headers().get("content-type") + " "
                    + new String(req.body(), StandardCharsets.UTF_8));
            return Script.ok(BodySource.of("[]".getBytes(StandardCharsets.UTF_8)));
        });
        byte[] body = "paths=a.bin&paths=b.bin&expand=false".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 2; i++) {
            BodyCollector.Response r = fetch(new UpstreamRequest(HttpMethod.POST,
                    hub.uri("/api/models/a/b/paths-info/main"),
                    new DefaultHttpHeaders().set("Content-Type", "application/x-www-form-urlencoded"),
                    RedirectPolicy.NONE, body));
            assertThat(r.status()).isEqualTo(200);
            assertThat(seen.get()).isEqualTo("POST application/x-www-form-urlencoded "
                    + "paths=a.bin&paths=b.bin&expand=false");
        }
        assertThat(hub.connections()).isEqualTo(1);
    }

    @Test
    void stopAtOtherHostsFollowsTheOriginAndHandsBackTheCrossHostRedirect() throws Exception {
        hub.on("/model/resolve/main/config.json", Script.redirect(307, "/api/resolve-cache/config.json?etag=x"));
        hub.on("/api/resolve-cache/config.json", Script.ok(BodySource.of("{}".getBytes(StandardCharsets.UTF_8)))
                .header("X-Repo-Commit", "c".repeat(40)));
        hub.on("/model/resolve/main/w.bin", Script.redirect(302, "https://cdn-lfs.hf.co/repos/aa/bb/w?sig=1")
                .header("X-Linked-Etag", "\"" + "a".repeat(64) + "\""));
        UpstreamRequest regular = new UpstreamRequest(HttpMethod.HEAD, hub.uri("/model/resolve/main/config.json"),
                new DefaultHttpHeaders(), RedirectPolicy.STOP_AT_OTHER_HOSTS);
        BodyCollector.Response followed = fetch(regular);
        assertThat(followed.status()).isEqualTo(200);
        assertThat(followed.headers().get("X-Repo-Commit")).isEqualTo("c".repeat(40));

        BodyCollector.Response stopped = fetch(new UpstreamRequest(HttpMethod.HEAD,
                hub.uri("/model/resolve/main/w.bin"), new DefaultHttpHeaders(), RedirectPolicy.STOP_AT_OTHER_HOSTS));
        assertThat(stopped.status()).isEqualTo(302);
        assertThat(stopped.headers().get("Location")).isEqualTo("https://cdn-lfs.hf.co/repos/aa/bb/w?sig=1");
        assertThat(stopped.headers().get("X-Linked-Etag")).isEqualTo("\"" + "a".repeat(64) + "\"");
    }
}
