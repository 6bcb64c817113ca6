package dev.dualtrack.proxy.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plaintext service on loopback that answers every connection with a banner and no HTTP (an SSH server, a
 * database), for tests that check an upstream's bytes are never echoed to a client.
 */
public final class BannerServer implements AutoCloseable {
    /** What it says; tests look for "secret-banner" in what clients got. */
    public static final String BANNER = "SSH-2.0-OpenSSH_9.6 secret-banner-text\r\n";

    private final ServerSocket socket;
    private final AtomicInteger connections = new AtomicInteger();

    public BannerServer() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept(); OutputStream out = s.getOutputStream()) {
                    connections.incrementAndGet();
                    out.write(BANNER.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    // closed
                }
            }
        }, "banner-server");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    public int connections() {
        return connections.get();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
