package dev.dualtrack.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * Reads a whole, bounded upstream response into memory: for metadata (index pages, API answers), never for
 * files. A body over the bound fails the fetch rather than growing without limit, and the whole answer must
 * arrive within the client's {@code metadata-deadline}: the read timeout alone restarts with every byte, so a
 * trickling upstream would otherwise hold the request forever.
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
    private Buffer body = new Buffer(0);
    private HttpResponse head;
    private UpstreamExchange exchange;
    private io.netty.util.concurrent.ScheduledFuture<?> deadline;

    private final boolean bodiless;

    private BodyCollector(int maxBytes, boolean bodiless) {
        this.maxBytes = maxBytes;
        this.bodiless = bodiless;
    }

    /** A byte buffer that hands over its array without a copy when it was sized exactly. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer(int size) {
            super(size);
        }

        byte[] take() {
            return count == buf.length ? buf : java.util.Arrays.copyOf(buf, count);
        }
    }

    /** Fetches and collects; the future completes on {@code loop}, exceptionally with an UpstreamException. */
    public static CompletableFuture<Response> fetch(UpstreamClient client, io.netty.channel.EventLoop loop,
            UpstreamRequest request, int maxBytes) {
        BodyCollector c = new BodyCollector(maxBytes, request.method().equals(io.netty.handler.codec.http.HttpMethod.HEAD));
        java.time.Duration limit = client.config().metadataDeadline();
        c.deadline = loop.schedule(() -> c.expire(limit), limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        client.fetch(loop, request, c);
        return c.result;
    }

    private void expire(java.time.Duration limit) {
        if (result.isDone()) {
            return;
        }
        if (exchange != null) {
            exchange.cancel();
        }
        body = null;
        result.completeExceptionally(new UpstreamException(UpstreamException.Kind.TIMEOUT,
                "the answer did not complete within metadata-deadline (" + limit.toSeconds() + " s)"));
    }

    @Override
    public void onResponse(HttpResponse head, UpstreamExchange exchange) {
        this.head = head;
        this.exchange = exchange;
        if (result.isDone()) {
            exchange.cancel();
            return;
        }
        // A HEAD answer's Content-Length is the resource's, not this body's.
        long announced = bodiless ? 0 : io.netty.handler.codec.http.HttpUtil.getContentLength(head, -1L);
        if (announced > maxBytes) {
            tooLarge();
            return;
        }
        // Sized from Content-Length when given: one array, no doubling, no copy at the end.
        body = new Buffer(announced >= 0 ? (int) announced : 8192);
        exchange.request();
    }

    private void tooLarge() {
        exchange.cancel();
        body = null;
        cancelDeadline();
        result.completeExceptionally(new UpstreamException(UpstreamException.Kind.PROTOCOL,
                "upstream answer larger than " + maxBytes + " bytes"));
    }

    @Override
    public void onContent(ByteBuf content) {
        try {
            if (result.isDone()) {
                return;
            }
            if (body.size() + (long) content.readableBytes() > maxBytes) {
                tooLarge();
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
        if (result.isDone()) {
            return;
        }
        cancelDeadline();
        byte[] bytes = body.take();
        body = null;
        result.complete(new Response(head.status().code(), head.headers(), bytes));
    }

    @Override
    public void onError(UpstreamException error) {
        cancelDeadline();
        body = null;
        result.completeExceptionally(error);
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }
}
