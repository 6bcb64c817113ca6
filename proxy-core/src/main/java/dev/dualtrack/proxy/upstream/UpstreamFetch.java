package dev.dualtrack.proxy.upstream;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * One fetch, possibly across redirects and one retry. All methods run on {@code loop}.
 *
 * <p>Its life is one {@link State}, changed only through {@link #to}: acquiring a connection → waiting for the
 * head → (a redirect: reading the 3xx body to its end, then acquiring again; a connection lost before the head:
 * acquiring once more) → streaming the body → done. {@code DONE} is reached exactly once, by completion, error
 * or cancel, and the pooled channel is released exactly once per acquire.
 */
final class UpstreamFetch implements UpstreamExchange {
    /** Where a fetch is. */
    enum State {
        /** Created, not started. */
        NEW,
        /** Waiting for a pooled connection. */
        CONNECTING,
        /** The request is sent; no head yet. A lost connection here may be retried once. */
        AWAITING_HEAD,
        /** A redirect's head came: its short body is read to the end so the connection can be reused. */
        REDIRECTING,
        /** The head went to the listener; the body follows it, as the listener asks for it. */
        STREAMING,
        /** Completed, failed or cancelled: nothing more reaches the listener. */
        DONE;

        boolean canBecome(State next) {
            return switch (this) {
                case NEW -> next == CONNECTING || next == DONE;
                case CONNECTING -> next == AWAITING_HEAD || next == DONE;
                case AWAITING_HEAD -> next == CONNECTING || next == REDIRECTING || next == STREAMING || next == DONE;
                case REDIRECTING -> next == CONNECTING || next == DONE;
                case STREAMING -> next == DONE;
                case DONE -> false;
            };
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(UpstreamFetch.class);
    private static final String HANDLER = "dualtrack-exchange";

    private final UpstreamClient client;
    private final EventLoop loop;
    private final UpstreamRequest request;
    private final UpstreamListener listener;

    private URI uri;
    private HttpHeaders headers;
    private int redirects;
    private boolean retried;

    private FixedChannelPool pool;
    private Channel channel;
    private State state = State.NEW;
    /** In {@link State#REDIRECTING}: where the redirect goes. */
    private URI next;
    private boolean keepAlive;
    private long sentAtNanos;
    private long waitingSinceNanos;
    private ScheduledFuture<?> timeoutCheck;

    UpstreamFetch(UpstreamClient client, EventLoop loop, UpstreamRequest request, UpstreamListener listener) {
        this.client = client;
        this.loop = loop;
        this.request = request;
        this.listener = listener;
        this.uri = request.uri();
        this.headers = request.headers().copy();
    }

    private void to(State nextState) {
        if (!state.canBecome(nextState)) {
            throw new IllegalStateException("upstream fetch cannot go from " + state + " to " + nextState);
        }
        state = nextState;
    }

    State state() {
        return state;
    }

    void start() {
        if (loop.inEventLoop()) {
            acquire();
        } else {
            loop.execute(this::acquire);
        }
    }

    private void acquire() {
        if (state == State.DONE) {
            return;
        }
        to(State.CONNECTING);
        pool = client.pool(loop, uri);
        FixedChannelPool myPool = pool;
        myPool.acquire().addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                Throwable cause = f.cause();
                UpstreamException.Kind kind = cause instanceof java.util.concurrent.TimeoutException
                        && cause.getMessage() != null && cause.getMessage().contains("Acquire")
                        ? UpstreamException.Kind.POOL_EXHAUSTED : UpstreamException.Kind.CONNECT;
                fail(new UpstreamException(kind, "cannot connect to " + origin(uri) + ": " + describe(cause), cause));
                return;
            }
            Channel ch = f.getNow();
            if (state == State.DONE) {
                myPool.release(ch);
                return;
            }
            channel = ch;
            send(ch);
        });
    }

    private void send(Channel ch) {
        to(State.AWAITING_HEAD);
        ch.pipeline().addLast(HANDLER, new ExchangeHandler());
        String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            target += "?" + uri.getRawQuery();
        }
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method(), target,
                request.body().length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(request.body()));
        req.headers().add(headers);
        req.headers().set(HttpHeaderNames.HOST, hostHeader(uri));
        // Hashes are of the bytes as published: never let a compressing upstream change them.
        req.headers().set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
        req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        if (!req.headers().contains(HttpHeaderNames.USER_AGENT)) {
            req.headers().set(HttpHeaderNames.USER_AGENT, "dualtrack/0.1");
        }
        HttpUtil.setContentLength(req, request.body().length);
        if (request.body().length == 0 && (request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD)) {
            req.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        sentAtNanos = System.nanoTime();
        ch.writeAndFlush(req).addListener(w -> {
            if (!w.isSuccess() && state != State.DONE) {
                connectionLost(describe(w.cause()), w.cause());
            }
        });
        startWaiting();
        ch.read();
    }

    // ---- demand and the read timeout ------------------------------------------------------------------------

    @Override
    public void request() {
        if (state == State.DONE || channel == null) {
            return;
        }
        startWaiting();
        channel.read();
    }

    private void startWaiting() {
        if (waitingSinceNanos == 0) {
            waitingSinceNanos = System.nanoTime();
        }
        if (timeoutCheck == null) {
            long period = Math.max(10, client.config().readTimeout().toMillis() / 4);
            timeoutCheck = loop.scheduleAtFixedRate(this::checkTimeout, period, period, TimeUnit.MILLISECONDS);
        }
    }

    private void checkTimeout() {
        if (state == State.DONE || waitingSinceNanos == 0) {
            return;
        }
        Duration waited = Duration.ofNanos(System.nanoTime() - waitingSinceNanos);
        if (waited.compareTo(client.config().readTimeout()) >= 0) {
            fail(new UpstreamException(UpstreamException.Kind.TIMEOUT, origin(uri) + " sent nothing for "
                    + waited.toMillis() + " ms (read-timeout " + client.config().readTimeout().toMillis() + " ms)"));
        }
    }

    @Override
    public void cancel() {
        if (state == State.DONE) {
            return;
        }
        to(State.DONE);
        stopTimer();
        releaseChannel(false);
    }

    // ---- the response ------------------------------------------------------------------------------------------

    private void onHead(HttpResponse head) {
        int status = head.status().code();
        client.metrics().upstreamRequest(uri.getHost(), status, Duration.ofNanos(System.nanoTime() - sentAtNanos));
        keepAlive = HttpUtil.isKeepAlive(head);
        if (isRedirect(status) && head.headers().contains(HttpHeaderNames.LOCATION)) {
            if (request.redirects() == RedirectPolicy.STOP_AT_OTHER_HOSTS && !staysOnOrigin(head)) {
                to(State.STREAMING);
                listener.onResponse(head, this);
                return;
            }
            URI target = redirectTarget(head.headers().get(HttpHeaderNames.LOCATION));
            if (target == null) {
                return;
            }
            // Read the short 3xx body to its end so the connection can go back to the pool.
            to(State.REDIRECTING);
            next = target;
            return;
        }
        to(State.STREAMING);
        listener.onResponse(head, this);
    }

    /** Whether a redirect stays on this origin; a Location that is not a usable URL is left to redirectTarget. */
    private boolean staysOnOrigin(HttpResponse head) {
        try {
            URI target = uri.resolve(new URI(head.headers().get(HttpHeaderNames.LOCATION)));
            return target.getScheme() == null || target.getHost() == null || origin(target).equals(origin(uri));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return true;
        }
    }

    private URI redirectTarget(String location) {
        URI target;
        try {
            target = uri.resolve(new URI(location));
        } catch (URISyntaxException | IllegalArgumentException e) {
            fail(new UpstreamException(UpstreamException.Kind.PROTOCOL, origin(uri) + " redirected to an unreadable "
                    + "Location"));
            return null;
        }
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if ((!scheme.equals("http") && !scheme.equals("https")) || target.getHost() == null) {
            fail(new UpstreamException(UpstreamException.Kind.PROTOCOL, origin(uri)
                    + " redirected to a non-http Location"));
            return null;
        }
        if (++redirects > client.config().maxRedirects()) {
            fail(new UpstreamException(UpstreamException.Kind.PROTOCOL, "more than "
                    + client.config().maxRedirects() + " redirects, last to " + origin(target)));
            return null;
        }
        boolean sameOrigin = origin(target).equals(origin(uri));
        if (!sameOrigin && !request.redirects().allows(target)) {
            fail(new UpstreamException(UpstreamException.Kind.REDIRECT_REFUSED, "redirect to host '"
                    + target.getHost() + "' is not allowed (from " + origin(uri) + ")"));
            return null;
        }
        if (!sameOrigin) {
            // Credentials belong to the host they were given for: never forward them to a CDN.
            headers.remove(HttpHeaderNames.AUTHORIZATION);
            headers.remove(HttpHeaderNames.COOKIE);
        }
        return target;
    }

    private void onContent(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (state == State.REDIRECTING) {
            content.release();
            if (last) {
                URI target = next;
                releaseChannel(keepAlive);
                uri = target;
                acquire();
            }
            return;
        }
        if (content.content().isReadable()) {
            listener.onContent(content.content());
        } else {
            content.release();
        }
        if (last && state == State.STREAMING) {
            to(State.DONE);
            stopTimer();
            releaseChannel(keepAlive);
            listener.onComplete();
        }
    }

    private void connectionLost(String why, Throwable cause) {
        if (state == State.DONE) {
            return;
        }
        boolean responseSeen = state == State.REDIRECTING || state == State.STREAMING;
        if (!responseSeen && !retried && isIdempotent()) {
            // A pooled connection the server closed while it sat idle: try once more on a fresh one.
            retried = true;
            releaseChannel(false);
            acquire();
            return;
        }
        if (cause instanceof SSLException) {
            fail(new UpstreamException(UpstreamException.Kind.CONNECT, "TLS handshake with " + origin(uri)
                    + " failed: " + why, cause));
            return;
        }
        fail(new UpstreamException(UpstreamException.Kind.RESET, origin(uri) + " closed the connection "
                + (responseSeen ? "mid-body" : "before responding") + ": " + why, cause));
    }

    private void fail(UpstreamException e) {
        if (state == State.DONE) {
            return;
        }
        to(State.DONE);
        stopTimer();
        releaseChannel(false);
        listener.onError(e);
    }

    private void stopTimer() {
        if (timeoutCheck != null) {
            timeoutCheck.cancel(false);
            timeoutCheck = null;
        }
        waitingSinceNanos = 0;
    }

    /** Returns the channel to its pool, closed unless it is reusable. Exactly once per acquire. */
    private void releaseChannel(boolean reusable) {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        channel = null;
        if (ch.pipeline().get(HANDLER) != null) {
            ch.pipeline().remove(HANDLER);
        }
        if (!reusable) {
            ch.close();
        }
        pool.release(ch);
    }

    private boolean isIdempotent() {
        HttpMethod m = request.method();
        return m == HttpMethod.GET || m == HttpMethod.HEAD;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    static String origin(URI u) {
        return u.getScheme().toLowerCase(Locale.ROOT) + "://" + hostHeader(u).toLowerCase(Locale.ROOT);
    }

    private static String hostHeader(URI u) {
        boolean tls = u.getScheme().equalsIgnoreCase("https");
        int port = u.getPort();
        boolean defaultPort = port < 0 || (tls && port == 443) || (!tls && port == 80);
        String host = u.getHost().contains(":") ? "[" + u.getHost() + "]" : u.getHost();
        return defaultPort ? host : host + ":" + port;
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String msg = t.getMessage();
        return t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
    }

    /** The per-exchange handler, present in the pooled channel's pipeline only while this fetch owns it. */
    private final class ExchangeHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (state == State.DONE) {
                ReferenceCountUtil.release(msg);
                return;
            }
            waitingSinceNanos = 0;
            if (msg instanceof HttpResponse head) {
                if (head.decoderResult().isFailure()) {
                    ReferenceCountUtil.release(msg);
                    // The decoder's message quotes the bytes it choked on: they are the upstream's, and go to
                    // the debug log only, never into a message a client may see.
                    LOG.debug("malformed response from {}", origin(uri), head.decoderResult().cause());
                    fail(new UpstreamException(UpstreamException.Kind.PROTOCOL, origin(uri)
                            + " sent a malformed response"));
                    return;
                }
                onHead(head);
            }
            if (msg instanceof HttpContent content) {
                if (content.decoderResult().isFailure()) {
                    content.release();
                    LOG.debug("malformed body from {}", origin(uri), content.decoderResult().cause());
                    fail(new UpstreamException(UpstreamException.Kind.PROTOCOL, origin(uri)
                            + " sent a malformed body"));
                    return;
                }
                if (state == State.DONE) {
                    content.release();
                    return;
                }
                onContent(content);
            } else if (!(msg instanceof HttpResponse)) {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // While draining a redirect body, nobody else asks for bytes.
            if (state == State.REDIRECTING && channel == ctx.channel()) {
                ctx.read();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (channel == ctx.channel()) {
                connectionLost("connection closed", null);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (channel == ctx.channel()) {
                connectionLost(describe(cause), cause);
            }
        }
    }
}
