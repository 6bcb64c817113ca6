package dev.dualtrack.proxy.server;

import dev.dualtrack.config.ListenConfig;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/1.1 listener. It owns the event loops; upstream fetches run on the same loops (see
 * {@code UpstreamClient}), so one loop carries a download end to end without thread hand-offs.
 *
 * <pre>{@code
 * try (ProxyServer s = ProxyServer.start(config.listen(), router, metrics, group)) { ... s.port() ... }
 * }</pre>
 */
public final class ProxyServer implements AutoCloseable {
    private final Channel serverChannel;
    private final EventLoopGroup boss;
    private final ServerTls tls;

    private ProxyServer(Channel serverChannel, EventLoopGroup boss, ServerTls tls) {
        this.serverChannel = serverChannel;
        this.boss = boss;
        this.tls = tls;
    }

    /** An event loop group for workers; {@code threads == 0} means one per core. */
    public static EventLoopGroup newWorkerGroup(int threads) {
        // Netty's own default is two loops per core; one per core is enough for a proxy whose work per byte is
        // hashing, and it halves the number of per-loop upstream pools.
        int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        return new MultiThreadIoEventLoopGroup(n, Transport.ioHandler());
    }

    /** Binds and starts serving; fails if the address cannot be bound. */
    public static ProxyServer start(ListenConfig config, Router router, ProxyMetrics metrics,
            EventLoopGroup workers) throws InterruptedException {
        return start(config.host(), config.port(), config, router, metrics, workers);
    }

    public static ProxyServer start(String host, int port, ListenConfig config, Router router, ProxyMetrics metrics,
            EventLoopGroup workers) throws InterruptedException {
        ServerTls tls = config.tls().map(ServerTls::new).orElse(null);
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, Transport.ioHandler());
        try {
            ServerBootstrap b = new ServerBootstrap().group(boss, workers)
                    .channel(Transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // Large enough to keep a fast client busy, small enough that a slow one pauses the upstream
                    // after at most 1 MiB queued per connection.
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                    .childHandler(new ServerInitializer(config, router, metrics, tls));
            Channel ch;
            try {
                ch = b.bind(new InetSocketAddress(host, port)).sync().channel();
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                // Netty rethrows the bind failure as it is (a checked BindException, unannounced): say which
                // address, and why, in words.
                throw new IllegalStateException("cannot listen on " + host + ":" + port + ": "
                        + dev.dualtrack.proxy.ops.Causes.describe(e), e);
            }
            return new ProxyServer(ch, boss, tls);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            if (tls != null) {
                tls.close();
            }
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        if (tls != null) {
            tls.close();
        }
        serverChannel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
