package dev.dualtrack.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The sockets' transport, chosen once for the process: Linux's epoll through Netty's native library where it
 * loads (the library ships inside netty-all for x86_64, aarch64 and riscv64), else the JDK's NIO selector.
 *
 * <p>Why epoll: under load the NIO selector answered most requests quickly and some much later (with 64 wrk
 * connections on one core, p50 0.55 ms but p99 6.8 ms, against nginx's 1.5 / 2.4 ms); epoll hands ready sockets
 * over in the order they became ready, as nginx's own loop does, with fewer system calls and no selector garbage.
 * {@code -Ddualtrack.transport=nio} forces the JDK's selector (to compare, or where the native library is refused).
 * Event loops and the channels registered on them must share a transport, so every group and bootstrap asks here.
 */
public final class Transport {
    private static final boolean EPOLL = !"nio".equals(System.getProperty("dualtrack.transport"))
            && Epoll.isAvailable();

    private Transport() {
    }

    public static IoHandlerFactory ioHandler() {
        return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    public static Class<? extends ServerChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends Channel> socketChannel() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** For the startup summary: which transport, and why not epoll when it is not. */
    public static String describe() {
        if (EPOLL) {
            return "epoll";
        }
        return "nio (" + ("nio".equals(System.getProperty("dualtrack.transport")) ? "-Ddualtrack.transport=nio"
                : "epoll unavailable: " + Epoll.unavailabilityCause()) + ")";
    }
}
