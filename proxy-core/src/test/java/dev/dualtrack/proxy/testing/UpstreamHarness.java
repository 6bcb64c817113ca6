package dev.dualtrack.proxy.testing;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import dev.dualtrack.proxy.server.ProxyServer;
import dev.dualtrack.proxy.upstream.UpstreamClient;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;

/** An upstream client on its own event loop, with the default config, for tests that drive it without a proxy. */
public final class UpstreamHarness implements AutoCloseable {
    private final EventLoopGroup group = ProxyServer.newWorkerGroup(1);
    private final UpstreamClient client;

    public UpstreamHarness() throws Exception {
        client = new UpstreamClient(ConfigLoader.parse("test", "").upstreamClient(), new ProxyMetrics());
    }

    public UpstreamClient client() {
        return client;
    }

    public EventLoop loop() {
        return (EventLoop) group.next();
    }

    @Override
    public void close() throws Exception {
        client.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
