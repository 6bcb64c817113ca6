package dev.dualtrack.proxy.server;

import dev.dualtrack.config.ListenConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes connections that hold resources without making progress. It sits first in the pipeline and sees raw
 * bytes; {@link ServerHandler} tells it when a request is complete and when its response is done.
 *
 * <table>
 *   <caption>Per-state limits</caption>
 *   <tr><th>state</th><th>limit</th><th>what it stops</th></tr>
 *   <tr><td>IDLE: keep-alive, no request</td><td>idle-timeout</td><td>connections parked forever</td></tr>
 *   <tr><td>READING: part of a request arrived</td><td>request-header-timeout, from the first byte</td>
 *       <td>slowloris: headers sent a byte at a time</td></tr>
 *   <tr><td>BUSY: response in progress</td><td>write-stall-timeout while the socket stays unwritable, or
 *       while a zero-copy file write makes no progress</td>
 *       <td>clients that stop reading and pin an upstream fetch, or a cached file's descriptor</td></tr>
 * </table>
 *
 * <p>A file region (a cached blob sent with sendfile) never makes the channel unwritable: Netty counts it as
 * zero pending bytes. Its progress is watched instead, through {@link #rawWriteStarted}, {@link #rawWriteProgress}
 * and {@link #rawWriteDone}.
 */
final class ConnectionTimeouts extends ChannelDuplexHandler {
    private enum State { IDLE, READING, BUSY }

    private final long idleNanos;
    private final long headerNanos;
    private final long stallNanos;
    private final long tickMillis;

    private State state = State.IDLE;
    private long since;
    private long unwritableSince;
    private boolean rawPending;
    private long rawProgressAt;
    private ScheduledFuture<?> tick;

    ConnectionTimeouts(ListenConfig config) {
        this.idleNanos = config.idleTimeout().toNanos();
        this.headerNanos = config.requestHeaderTimeout().toNanos();
        this.stallNanos = config.writeStallTimeout().toNanos();
        long shortest = Math.min(config.idleTimeout().toMillis(),
                Math.min(config.requestHeaderTimeout().toMillis(), config.writeStallTimeout().toMillis()));
        this.tickMillis = Math.max(5, Math.min(1000, shortest / 4));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        since = System.nanoTime();
        tick = ctx.executor().scheduleAtFixedRate(() -> check(ctx), tickMillis, tickMillis, TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (tick != null) {
            tick.cancel(false);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (state == State.IDLE && msg instanceof ByteBuf b && b.isReadable()) {
            state = State.READING;
            since = System.nanoTime();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        unwritableSince = ctx.channel().isWritable() ? 0 : System.nanoTime();
        super.channelWritabilityChanged(ctx);
    }

    /** The whole request has arrived; the response is being made. */
    void requestReceived() {
        state = State.BUSY;
        since = System.nanoTime();
    }

    /** The response is done; the connection waits for the next request. */
    void responseDone() {
        state = State.IDLE;
        since = System.nanoTime();
    }

    /** A zero-copy write began; until it is done, no progress for write-stall-timeout closes the connection. */
    void rawWriteStarted() {
        rawPending = true;
        rawProgressAt = System.nanoTime();
    }

    void rawWriteProgress() {
        rawProgressAt = System.nanoTime();
    }

    void rawWriteDone() {
        rawPending = false;
    }

    private void check(ChannelHandlerContext ctx) {
        long now = System.nanoTime();
        boolean expired = switch (state) {
            case IDLE -> now - since >= idleNanos;
            case READING -> now - since >= headerNanos;
            case BUSY -> (unwritableSince != 0 && now - unwritableSince >= stallNanos)
                    || (rawPending && now - rawProgressAt >= stallNanos);
        };
        if (expired) {
            ctx.channel().close();
        }
    }
}
