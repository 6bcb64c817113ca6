package dev.dualtrack.proxy.server;

import dev.dualtrack.proxy.ops.ProxyMetrics;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each decoded request into an {@link Exchange} and hands it to the {@link Router}. One request at a
 * time per connection: auto-read is off, and the next request is read only when the current response is done,
 * so pipelined requests wait their turn instead of piling up.
 */
final class ServerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ServerHandler.class);

    private final Router router;
    private final ProxyMetrics metrics;
    private final ConnectionTimeouts timeouts;
    private Exchange current;

    private boolean accessLog;

    ServerHandler(Router router, ProxyMetrics metrics, ConnectionTimeouts timeouts, boolean accessLog) {
        this(router, metrics, timeouts);
        this.accessLog = accessLog;
    }

    ServerHandler(Router router, ProxyMetrics metrics, ConnectionTimeouts timeouts) {
        this.router = router;
        this.metrics = metrics;
        this.timeouts = timeouts;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            timeouts.requestReceived();
            if (req.decoderResult().isFailure()) {
                rejectMalformed(ctx, req.decoderResult().cause());
                return;
            }
            String badHost = hostProblem(req);
            if (badHost != null) {
                rejectMalformed(ctx, new IllegalArgumentException(badHost));
                return;
            }
            // The headers are plain heap objects, not part of the request's reference-counted content: they outlive
            // the release below without a copy.
            Exchange ex = new Exchange(ctx.channel(), req.method(), req.uri(), req.headers(),
                    ByteBufUtil.getBytes(req.content()), HttpUtil.isKeepAlive(req), metrics,
                    () -> done(ctx), timeouts);
            ex.accessLog(accessLog);
            current = ex;
            try {
                router.dispatch(ex);
            } catch (RuntimeException e) {
                LOG.error("route failed for {} {}", req.method(), req.uri(), e);
                ex.internalError(e);
            }
        } finally {
            req.release();
        }
    }

    /**
     * RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host, and a request with several, or with an invalid one,
     * is answered 400. The value may end up in links we write (the Hub's next-page Link), so it is checked here,
     * once, for every route.
     */
    static String hostProblem(FullHttpRequest req) {
        java.util.Iterator<String> hosts = req.headers().valueStringIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            return req.protocolVersion().equals(HttpVersion.HTTP_1_0) ? null : "no Host header";
        }
        String host = hosts.next();
        if (hosts.hasNext()) {
            return "more than one Host header";
        }
        return validHost(host) ? null : "the Host header is not a host[:port]";
    }

    /**
     * {@code host[:port]}: a name of 1 to 253 characters from letters, digits, {@code _ . -} that starts and ends
     * with a letter, digit or {@code _}, or an IPv6 literal in brackets (2 to 45 of hex digits, {@code :} and
     * {@code .}); a port of 1 to 5 digits. Checked by hand: it runs for every request, and a regex allocated a
     * matcher each time.
     */
    static boolean validHost(String h) {
        int end = h.length();
        int colon = h.lastIndexOf(':');
        int close = h.lastIndexOf(']');
        if (colon > close) { // a port
            if (end - colon - 1 < 1 || end - colon - 1 > 5 || !digits(h, colon + 1, end)) {
                return false;
            }
            end = colon;
        }
        if (end > 0 && h.charAt(0) == '[') {
            if (h.charAt(end - 1) != ']' || end - 2 < 2 || end - 2 > 45) {
                return false;
            }
            for (int i = 1; i < end - 1; i++) {
                char c = h.charAt(i);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                    return false;
                }
            }
            return true;
        }
        if (end < 1 || end > 253 || !nameEnd(h.charAt(0)) || !nameEnd(h.charAt(end - 1))) {
            return false;
        }
        for (int i = 1; i < end - 1; i++) {
            char c = h.charAt(i);
            if (!nameEnd(c) && c != '.' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean nameEnd(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }

    private static boolean digits(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private void done(ChannelHandlerContext ctx) {
        current = null;
        timeouts.responseDone();
        if (ctx.channel().isActive()) {
            ctx.read();
        }
    }

    private void rejectMalformed(ChannelHandlerContext ctx, Throwable cause) {
        HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                : HttpResponseStatus.BAD_REQUEST;
        byte[] body = (status.reasonPhrase() + ": " + cause.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                io.netty.buffer.Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        metrics.request(ProxyMetrics.TRACK_NONE, "client_error");
        // The decoder cannot resynchronise after a bad request: answer, then close.
        ctx.writeAndFlush(r).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && current != null) {
            ResponseStream s = current.stream();
            if (s != null) {
                s.onClientWritable();
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Exchange ex = current;
        current = null;
        if (ex != null) {
            ResponseStream s = ex.stream();
            if (s != null) {
                s.onClientGone();
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connection resets and the like: the client is gone, channelInactive will follow.
        LOG.debug("connection error from {}", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
