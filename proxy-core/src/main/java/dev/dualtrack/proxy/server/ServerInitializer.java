package dev.dualtrack.proxy.server;

import dev.dualtrack.config.ListenConfig;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;

/** The pipeline of every client connection, in one place. */
final class ServerInitializer extends ChannelInitializer<SocketChannel> {
    private final ListenConfig config;
    private final Router router;
    private final ProxyMetrics metrics;
    /** The listener's TLS, or null for plain HTTP. */
    private final ServerTls tls;

    ServerInitializer(ListenConfig config, Router router, ProxyMetrics metrics, ServerTls tls) {
        this.config = config;
        this.router = router;
        this.metrics = metrics;
        this.tls = tls;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        ConnectionTimeouts timeouts = new ConnectionTimeouts(config);
        if (tls != null) {
            p.addLast("tls", tls.current().newHandler(ch.alloc()));
        }
        p.addLast("timeouts", timeouts);
        p.addLast("http", new HttpServerCodec(config.maxRequestLine().toIntBytes(),
                config.maxHeaderSize().toIntBytes(), 64 * 1024));
        p.addLast("keep-alive", new HttpServerKeepAliveHandler());
        // Requests are small (GETs, a paths-info form): aggregating them keeps routes simple. Over the limit,
        // the aggregator answers 413 itself and closes.
        p.addLast("aggregate", new HttpObjectAggregator(config.maxRequestBody().toIntBytes(), true));
        if (tls != null) {
            // No sendfile through TLS: cached blobs are read in chunks and encrypted (BlobResponder).
            p.addLast("chunked", new io.netty.handler.stream.ChunkedWriteHandler());
        }
        p.addLast("dualtrack", new ServerHandler(router, metrics, timeouts, config.accessLog()));
    }
}
