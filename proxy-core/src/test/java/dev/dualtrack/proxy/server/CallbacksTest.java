package dev.dualtrack.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.testing.RawHttpClient;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exception thrown inside an asynchronous route callback: a 500 while nothing went out, a cut-off body after
 * the head, and in both cases an answer within a second. Without the guard the client waits forever. The second
 * test holds both tracks' routes to using the guard for every callback.
 */
@Timeout(10)
class CallbacksTest {
    @TempDir
    static Path data;
    static ProxyRuntime runtime;

    @BeforeAll
    static void start() throws Exception {
        runtime = ProxyRuntime.create(ConfigLoader.parse("t", "listen: {port: 0}\ncache: {dir: '" + data + "'}\n"),
                AuditLog.inMemory(false, l -> { }), Clock.systemUTC());
        runtime.start(runtime.newRouter()
                .add("/before-head", ex -> Callbacks.then(ex, later("page"), (v, e) -> {
                    throw new IllegalStateException("injected: " + v);
                }))
                .add("/after-head", ex -> Callbacks.then(ex, later("page"), (v, e) -> {
                    DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 100);
                    ex.sendHead(head);
                    ex.sendContent(Unpooled.wrappedBuffer(new byte[10]));
                    throw new IllegalStateException("injected after the head");
                }))
                .add("/error", ex -> Callbacks.then(ex, CompletableFuture.failedFuture(new RuntimeException("x")),
                        (v, e) -> {
                            throw new AssertionError("injected error: " + e);
                        }))
                .add("/now", ex -> {
                    // Complete already, asked on the loop: answered before then() returns, on this loop.
                    Thread loop = Thread.currentThread();
                    boolean[] ran = new boolean[1];
                    Callbacks.then(ex, CompletableFuture.completedFuture("cached"), (v, e) -> {
                        ran[0] = Thread.currentThread() == loop;
                        ex.respondText(HttpResponseStatus.OK, v + "\n");
                    });
                    if (!ran[0]) {
                        ex.respondText(HttpResponseStatus.CONFLICT, "queued\n");
                    }
                })
                .add("/now-throws", ex -> Callbacks.then(ex, CompletableFuture.completedFuture("cached"), (v, e) -> {
                    throw new IllegalStateException("injected: " + v);
                }))
                .add("/later", ex -> {
                    // Not complete yet: the body runs later, on the exchange's loop, not on the completing thread.
                    Thread loop = Thread.currentThread();
                    Callbacks.then(ex, later("page"), (v, e) -> ex.respondText(Thread.currentThread() == loop
                            ? HttpResponseStatus.OK : HttpResponseStatus.CONFLICT, v + "\n"));
                }));
    }

    static CompletableFuture<String> later(String value) {
        return CompletableFuture.supplyAsync(() -> value, CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    @Test
    void aCallbackThatThrowsAnswers500OrCutsTheBodyWithinASecond() throws Exception {
        long t0 = System.nanoTime();
        RawHttpClient.Response before = RawHttpClient.get(runtime.port(), "/before-head");
        assertThat(before.status()).isEqualTo(500);
        assertThat(before.text()).isEqualTo("internal error\n").doesNotContain("injected");
        assertThat(RawHttpClient.get(runtime.port(), "/error").status()).isEqualTo(500);
        RawHttpClient.Response after = RawHttpClient.get(runtime.port(), "/after-head");
        assertThat(after.status()).isEqualTo(200);
        assertThat(after.complete()).as("cut short, never a complete body").isFalse();
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
    }

    @Test
    void aStageAlreadyCompleteIsAnsweredAtOnceOnTheLoopAndStillGuarded() throws Exception {
        RawHttpClient.Response now = RawHttpClient.get(runtime.port(), "/now");
        assertThat(now.status()).isEqualTo(200);
        assertThat(now.text()).isEqualTo("cached\n");
        RawHttpClient.Response thrown = RawHttpClient.get(runtime.port(), "/now-throws");
        assertThat(thrown.status()).isEqualTo(500);
        assertThat(thrown.text()).isEqualTo("internal error\n");
        RawHttpClient.Response later = RawHttpClient.get(runtime.port(), "/later");
        assertThat(later.status()).as("a later completion still answers on the exchange's loop").isEqualTo(200);
        assertThat(later.text()).isEqualTo("page\n");
    }

    @Test
    void everyCallbackInBothTracksRoutesIsGuarded() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        for (String route : List.of("pypi-adapter/src/main/java/dev/dualtrack/pypi/PypiRoute.java",
                "hf-adapter/src/main/java/dev/dualtrack/hf/HfRoute.java")) {
            String src = Files.readString(root.resolve(route));
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("\\.(whenComplete|whenCompleteAsync|thenAccept|thenAcceptAsync|thenRun|handle)\\(\\s*(\\w+)?")
                    .matcher(src);
            while (m.find()) {
                assertThat(m.group(2)).as(route + ": a callback at offset " + m.start() + " is not guarded")
                        .isEqualTo("guarded");
            }
            assertThat(src).as(route).containsAnyOf("Callbacks.then(", "Callbacks.guarded(");
        }
    }
}
