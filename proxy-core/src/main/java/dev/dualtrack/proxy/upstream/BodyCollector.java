package dev.dualtrack.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * Reads a whole, bounded upstream response into memory: for metadata (index pages, API answers), never for
 * files. A body over the bound fails the fetch rather than growing without limit.
 *
 * <pre>{@code
 * BodyCollector.fetch(client, loop, UpstreamRequest.get(uri), 32 << 20).thenAccept(r -> ...);
 * }</pre>
 */
public final class BodyCollector implements UpstreamListener {
    /** A complete small response. */
    public record Response(int status, HttpHeaders headers, byte[] body) {
    }

    private final int maxBytes;
    private final CompletableFuture<Response> result = new CompletableFuture<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private HttpResponse head;
    private UpstreamExchange exchange;

    private BodyCollector(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Fetches and collects; the future completes on {@code loop}, exceptionally with an UpstreamException. */
    public static CompletableFuture<Response> fetch(UpstreamClient client, io.netty.channel.EventLoop loop,
            UpstreamRequest request, int maxBytes) {
        BodyCollector c = new BodyCollector(maxBytes);
        client.fetch(loop, request, c);
        return c.result;
    }

    @Override
    public void onResponse(HttpResponse head, UpstreamExchange exchange) {
        this.head = head;
        this.exchange = exchange;
        exchange.request();
    }

    @Override
    public void onContent(ByteBuf content) {
        try {
            if (body.size() + content.readableBytes() > maxBytes) {
                exchange.cancel();
                result.completeExceptionally(new UpstreamException(UpstreamException.Kind.PROTOCOL,
                        "upstream response larger than " + maxBytes + " bytes"));
                return;
            }
            content.readBytes(body, content.readableBytes());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            content.release();
        }
        exchange.request();
    }

    @Override
    public void onComplete() {
        result.complete(new Response(head.status().code(), head.headers(), body.toByteArray()));
    }

    @Override
    public void onError(UpstreamException error) {
        result.completeExceptionally(error);
    }
}
