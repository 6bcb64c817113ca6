package dev.dualtrack.proxy.upstream;

import dev.dualtrack.config.UpstreamClientConfig;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The pooled HTTP/1.1 client for upstreams.
 *
 * <pre>{@code
 * client.fetch(ctx.channel().eventLoop(), UpstreamRequest.get(uri), listener);
 * }</pre>
 *
 * <p>Design notes:
 * <ul>
 *   <li>A fetch runs on the event loop of the client connection that caused it, so relay code never crosses
 *       threads. Pools are therefore per (event loop, scheme, host, port); each holds at most
 *       {@code max-connections-per-host} connections, so a host sees at most that many times the loop count.</li>
 *   <li>Pooled channels have auto-read off: bytes are read only when the listener asks ({@link
 *       UpstreamExchange#request()}), which is how a slow client slows the upstream down.</li>
 *   <li>The read timeout counts only while we are waiting for bytes we asked for, so back-pressure from a slow
 *       client is never mistaken for a stalled upstream.</li>
 *   <li>We ask for {@code Accept-Encoding: identity}: hashes are of the bytes as published.</li>
 * </ul>
 */
public final class UpstreamClient implements AutoCloseable {
    private final UpstreamClientConfig config;
    private final SslContext ssl;
    private final ProxyMetrics metrics;
    private final ConcurrentMap<PoolKey, FixedChannelPool> pools = new ConcurrentHashMap<>();

    public UpstreamClient(UpstreamClientConfig config, ProxyMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.ssl = TlsContexts.client(config.caFile());
    }

    UpstreamClientConfig config() {
        return config;
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    /** Starts a fetch; the listener is called on {@code loop}. */
    public void fetch(EventLoop loop, UpstreamRequest request, UpstreamListener listener) {
        new UpstreamFetch(this, loop, request, listener).start();
    }

    FixedChannelPool pool(EventLoop loop, URI uri) {
        boolean tls = uri.getScheme().equalsIgnoreCase("https");
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort() > 0 ? uri.getPort() : (tls ? 443 : 80);
        return pools.computeIfAbsent(new PoolKey(loop, tls, host, port), k -> newPool(k));
    }

    private FixedChannelPool newPool(PoolKey key) {
        Bootstrap b = new Bootstrap().group(key.loop()).channel(dev.dualtrack.proxy.server.Transport.socketChannel())
                .remoteAddress(key.host(), key.port())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024));
        AbstractChannelPoolHandler handler = new AbstractChannelPoolHandler() {
            @Override
            public void channelCreated(Channel ch) {
                if (key.tls()) {
                    SslHandler tls = ssl.newHandler(ch.alloc(), key.host(), key.port());
                    tls.setHandshakeTimeoutMillis(config.connectTimeout().toMillis());
                    ch.pipeline().addLast("tls", tls);
                }
                // Large chunks mean fewer, cheaper trips through hashing and inspection.
                ch.pipeline().addLast("http", new HttpClientCodec(8192, 65536, 256 * 1024));
            }
        };
        return new FixedChannelPool(b, handler, ChannelHealthChecker.ACTIVE,
                FixedChannelPool.AcquireTimeoutAction.FAIL, config.connectTimeout().toMillis() * 3,
                config.maxConnectionsPerHost(), 4096, true, true);
    }

    @Override
    public void close() {
        pools.values().forEach(FixedChannelPool::close);
        pools.clear();
    }

    private record PoolKey(EventLoop loop, boolean tls, String host, int port) {
    }
}
