package dev.dualtrack.proxy.server;

import dev.dualtrack.proxy.ops.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * One request and its response, from the route's point of view.
 *
 * <p>A response is either whole ({@link #respond}) or streamed ({@link #sendHead}, {@link #sendContent},
 * {@link #finish}); a stream that cannot complete ends with {@link #abort}, which closes the connection so the
 * client sees a failed transfer, never a short file that looks complete (docs/ARCHITECTURE.md, "The commit point"). Before the
 * head is sent, any refusal is still a clean error response and the connection stays open.
 *
 * <p>The request's bytes were copied out of Netty's buffers when it arrived, so an exchange may be answered
 * later (after an upstream fetch) without holding reference-counted memory. All methods must be called on
 * {@link #eventLoop()}.
 */
public final class Exchange {
    private final Channel channel;
    private final HttpMethod method;
    private final String uri;
    private final HttpHeaders headers;
    private final byte[] body;
    private final boolean keepAlive;
    private final QueryStringDecoder decoded;
    private final ProxyMetrics metrics;
    private final Runnable onDone;
    private final ConnectionTimeouts timeouts;
    /** {@code listen.access-log}: one line per request, at its end, on the {@code dualtrack.access} logger. */
    private static final org.slf4j.Logger ACCESS = org.slf4j.LoggerFactory.getLogger("dualtrack.access");
    private boolean accessLog;
    private final long startNanos = System.nanoTime();
    private int status;
    private long bytesOut;

    private String track = ProxyMetrics.TRACK_NONE;
    private dev.dualtrack.proxy.access.Principal principal = dev.dualtrack.proxy.access.Principal.ANYONE;
    /** The client behind trusted proxies, when the router worked it out; else the peer. */
    private String client;
    private String outcome;
    private boolean headSent;
    private boolean done;
    private ResponseStream stream;

    Exchange(Channel channel, HttpMethod method, String uri, HttpHeaders headers, byte[] body, boolean keepAlive,
            ProxyMetrics metrics, Runnable onDone, ConnectionTimeouts timeouts) {
        this.channel = channel;
        this.method = method;
        this.uri = uri;
        this.headers = headers;
        this.body = body;
        this.keepAlive = keepAlive;
        this.decoded = new QueryStringDecoder(uri);
        this.metrics = metrics;
        this.onDone = onDone;
        this.timeouts = timeouts;
    }

    void accessLog(boolean on) {
        this.accessLog = on;
    }

    /** The access line: client, method, path (no query: it may carry tokens), status, bytes, time, outcome. */
    private void logAccess() {
        if (accessLog) {
            int q = uri.indexOf('?');
            ACCESS.info("{} {} {} {} {}B {}ms {}", clientAddress(), method, q < 0 ? uri : uri.substring(0, q),
                    status == 0 ? "-" : Integer.toString(status), bytesOut,
                    (System.nanoTime() - startNanos) / 1_000_000, outcome);
        }
    }

    public HttpMethod method() {
        return method;
    }

    public boolean isHead() {
        return method.equals(HttpMethod.HEAD);
    }

    /** The request target as sent (path and query, still percent-encoded). */
    public String uri() {
        return uri;
    }

    /** The decoded path, without the query. */
    public String path() {
        return decoded.path();
    }

    public QueryStringDecoder query() {
        return decoded;
    }

    public HttpHeaders headers() {
        return headers;
    }

    public byte[] body() {
        return body.clone();
    }

    /** The client this request is from: the peer, or who a trusted proxy said it forwards for. */
    public String clientAddress() {
        return client != null ? client : peerAddress();
    }

    /** Whether the connection is TLS (no sendfile: bytes are encrypted on their way out). */
    public boolean secure() {
        return channel.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null;
    }

    /** The address of the connection's other end (an ingress, when there is one). */
    public String peerAddress() {
        return channel.remoteAddress() instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress() : String.valueOf(channel.remoteAddress());
    }

    /** Set by the router once it has read {@code X-Forwarded-For} from a trusted proxy. */
    public void clientAddress(String address) {
        this.client = address;
    }

    /** Who is asking: the principal the request's token named, or {@code ANYONE} when access is open. */
    public dev.dualtrack.proxy.access.Principal principal() {
        return principal;
    }

    /** Set by the router once the request's credentials were checked. */
    public void principal(dev.dualtrack.proxy.access.Principal p) {
        this.principal = p;
    }

    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    public String track() {
        return track;
    }

    /** Sets the metrics label of this request's track (the router does it from the prefix). */
    public void track(String track) {
        this.track = track;
    }

    /** Overrides the {@code outcome} label counted when the exchange ends (e.g. "blocked"). */
    public void outcome(String outcome) {
        this.outcome = outcome;
    }

    public boolean headSent() {
        return headSent;
    }

    public boolean isDone() {
        return done;
    }

    public boolean clientWritable() {
        return channel.isWritable();
    }

    public boolean clientConnected() {
        return channel.isActive();
    }

    /** Registers the producer of a streamed body, to hear about writability and disconnects. */
    public void attach(ResponseStream stream) {
        this.stream = stream;
    }

    ResponseStream stream() {
        return done ? null : stream;
    }

    // ---- whole responses --------------------------------------------------------------------------------------

    public void respondText(HttpResponseStatus status, String text) {
        respond(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), null);
    }

    /**
     * Bodies above this are written in slices as the socket drains, not in one write: Netty copies a heap buffer
     * into direct memory when it is written, so a crowd of clients of one 20 MB page would each cost 20 MB of
     * direct memory at once. A slice at a time, each connection costs about its socket's high-water mark.
     */
    static final int SLICE = 64 * 1024;

    /** A complete response. {@code extra} headers may be null. For HEAD the body is left out, its length kept. */
    public void respond(HttpResponseStatus status, String contentType, byte[] content, HttpHeaders extra) {
        if (content.length > 4 * SLICE && !isHead()) {
            respondInSlices(status, contentType, content, extra);
            return;
        }
        respond(status, contentType, isHead() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(content),
                content.length, extra);
    }

    /**
     * A complete response whose body is a direct buffer the caller keeps (a rendered page served to many clients):
     * each response writes a view of it, so nothing is copied in user space. A heap array would be copied into
     * direct memory by the transport on every write. {@code body} is never modified or freed here; its position
     * and limit are left as they are.
     */
    public void respond(HttpResponseStatus status, String contentType, java.nio.ByteBuffer body, HttpHeaders extra) {
        // A read-only view: Netty wraps it in a buffer whose release frees nothing, whatever the caller passed, so
        // the shared bytes outlive every response written from them.
        respond(status, contentType, isHead() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body.asReadOnlyBuffer()),
                body.remaining(), extra);
    }

    /** A complete response of {@code content} (empty for HEAD), whose length is {@code length}. */
    private void respond(HttpResponseStatus status, String contentType, io.netty.buffer.ByteBuf content, int length,
            HttpHeaders extra) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        if (extra != null) {
            r.headers().add(extra);
        }
        if (contentType != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        respond(r);
    }

    /** Sends a complete response. <b>Takes ownership</b> of {@code response}. */
    public void respond(FullHttpResponse response) {
        if (done || headSent) {
            response.release();
            throw new IllegalStateException("response already " + (done ? "complete" : "started") + " for " + uri);
        }
        if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setContentLength(response, response.content().readableBytes());
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        if (outcome == null) {
            outcome = outcomeOf(response.status());
        }
        status = response.status().code();
        bytesOut += response.content().readableBytes();
        headSent = true;
        ChannelFuture f = channel.writeAndFlush(response);
        end(f);
    }

    private void respondInSlices(HttpResponseStatus status, String contentType, byte[] content, HttpHeaders extra) {
        io.netty.handler.codec.http.DefaultHttpResponse head = new io.netty.handler.codec.http.DefaultHttpResponse(
                HttpVersion.HTTP_1_1, status);
        if (extra != null) {
            head.headers().add(extra);
        }
        if (contentType != null) {
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, content.length);
        sendHead(head);
        ResponseStream slices = new ResponseStream() {
            private int sent;

            @Override
            public void onClientWritable() {
                while (!done && sent < content.length && channel.isWritable()) {
                    int n = Math.min(SLICE, content.length - sent);
                    sendContent(Unpooled.wrappedBuffer(content, sent, n));
                    sent += n;
                }
                if (!done && sent == content.length) {
                    finish();
                }
            }

            @Override
            public void onClientGone() {
                // nothing held: the array is shared, the slices are released by the channel
            }
        };
        attach(slices);
        slices.onClientWritable();
    }

    // ---- streamed responses -----------------------------------------------------------------------------------

    /** Sends the head of a streamed response (with Content-Length, or chunked when the length is unknown). */
    public void sendHead(HttpResponse head) {
        if (done || headSent) {
            throw new IllegalStateException("response already started for " + uri);
        }
        if (!HttpUtil.isContentLengthSet(head)) {
            HttpUtil.setTransferEncodingChunked(head, true);
        }
        HttpUtil.setKeepAlive(head, keepAlive);
        if (outcome == null) {
            outcome = outcomeOf(head.status());
        }
        status = head.status().code();
        headSent = true;
        channel.write(head);
    }

    /** Writes body bytes. <b>Takes ownership</b> of {@code content}. A response to HEAD drops them. */
    public ChannelFuture sendContent(ByteBuf content) {
        if (done || !headSent) {
            content.release();
            throw new IllegalStateException("no open stream for " + uri);
        }
        if (isHead()) {
            content.release();
            return channel.newSucceededFuture();
        }
        int n = content.readableBytes();
        bytesOut += n;
        metrics.bytes(track, ProxyMetrics.Direction.CLIENT, n);
        return channel.writeAndFlush(new DefaultHttpContent(content));
    }

    /** Writes a file region (zero copy) or other message the HTTP encoder understands. */
    public ChannelFuture sendRaw(Object message, long length) {
        if (done || !headSent) {
            io.netty.util.ReferenceCountUtil.release(message);
            throw new IllegalStateException("no open stream for " + uri);
        }
        if (isHead()) {
            io.netty.util.ReferenceCountUtil.release(message);
            return channel.newSucceededFuture();
        }
        metrics.bytes(track, ProxyMetrics.Direction.CLIENT, length);
        bytesOut += length;
        if (timeouts == null) {
            return channel.writeAndFlush(message);
        }
        // A file region never makes the socket unwritable, so a client that stops reading would hold the
        // connection and the open file forever: its progress is what the write-stall timeout watches.
        io.netty.channel.ChannelProgressivePromise p = channel.newProgressivePromise();
        timeouts.rawWriteStarted();
        p.addListener(new io.netty.channel.ChannelProgressiveFutureListener() {
            @Override
            public void operationProgressed(io.netty.channel.ChannelProgressiveFuture f, long progress, long total) {
                timeouts.rawWriteProgress();
            }

            @Override
            public void operationComplete(io.netty.channel.ChannelProgressiveFuture f) {
                timeouts.rawWriteDone();
            }
        });
        return channel.writeAndFlush(message, p);
    }

    /** Ends a streamed response successfully. */
    public void finish() {
        if (done || !headSent) {
            throw new IllegalStateException("no open stream to finish for " + uri);
        }
        end(channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
    }

    /**
     * Fails the response: before the head it is a plain 502-style close; after it, the connection is closed
     * without the rest of the body, so no client mistakes it for a complete transfer.
     */
    /**
     * A route's unexpected failure: a 500 while nothing went out, else the response is cut short. Never a
     * success, and never a request left without an answer. Routes that answer from a callback call it there, where
     * the server's own catch does not reach.
     */
    public void internalError(Throwable e) {
        if (done) {
            return;
        }
        if (headSent) {
            abort("error");
        } else {
            // The details are in the log: an exception message may quote URLs, paths or upstream text.
            respondText(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error\n");
        }
    }

    public void abort(String outcomeLabel) {
        if (done) {
            return;
        }
        outcome = outcomeLabel;
        done = true;
        metrics.request(track, outcome);
        logAccess();
        channel.close();
        onDone.run();
    }

    private void end(ChannelFuture f) {
        done = true;
        metrics.request(track, outcome);
        logAccess();
        f.addListener((ChannelFutureListener) w -> {
            if (!w.isSuccess()) {
                w.channel().close();
            }
            onDone.run();
        });
    }

    private static String outcomeOf(HttpResponseStatus s) {
        int c = s.code();
        if (c < 400) {
            return "ok";
        }
        if (c == 403) {
            return "blocked";
        }
        return c < 500 ? "client_error" : "upstream_error";
    }
}
