package dev.dualtrack.proxy.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Receives one upstream response, on the event loop the fetch was started on. Calls come in order:
 * {@code onResponse}, then {@code onContent} zero or more times, then exactly one of {@code onComplete} or
 * {@code onError} (an error may also come instead of {@code onResponse}). Nothing is read from the upstream
 * until the listener asks with {@link UpstreamExchange#request()}.
 */
public interface UpstreamListener {
    /** The final (non-redirect) response head; {@code exchange} controls demand and cancellation. */
    void onResponse(HttpResponse head, UpstreamExchange exchange);

    /** A piece of the body. <b>Takes ownership</b> of {@code content}: the listener must release it. */
    void onContent(ByteBuf content);

    /** The body is complete. */
    void onComplete();

    /** The fetch failed; no further calls follow. */
    void onError(UpstreamException error);
}
