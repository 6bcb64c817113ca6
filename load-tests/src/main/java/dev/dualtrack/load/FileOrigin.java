package dev.dualtrack.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A cheap origin for benchmarks: serves one file to every GET with {@code FileChannel.transferTo} (sendfile on
 * Linux), one connection at a time, so the origin costs as little CPU as nginx would.
 */
final class FileOrigin implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path file;
    private final Thread thread;

    FileOrigin(Path file) throws IOException {
        this.file = file;
        this.server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.thread = new Thread(this::loop, "file-origin");
        thread.setDaemon(true);
        thread.start();
    }

    int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    private void loop() {
        while (server.isOpen()) {
            try (SocketChannel ch = server.accept(); FileChannel fc = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer req = ByteBuffer.allocate(8192);
                while (!new String(req.array(), 0, req.position(), StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                    if (ch.read(req) < 0) {
                        break;
                    }
                }
                long size = fc.size();
                ch.write(ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: " + size + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
                long pos = 0;
                while (pos < size) {
                    pos += fc.transferTo(pos, size - pos, ch);
                }
            } catch (IOException e) {
                // next connection
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /**
     * Serves {@code args[0]} until stdin closes, after printing {@code port N}: the origin in a process of its own,
     * so the proxy's CPU figures are the proxy's alone.
     */
    public static void main(String[] args) throws Exception {
        try (FileOrigin origin = new FileOrigin(Path.of(args[0]))) {
            System.out.println("port " + origin.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the parent closes our stdin (or dies)
            }
        }
    }

    /** An origin process serving {@code file}: its port and pid, stopped by {@link Separate#close}. */
    static Separate separate(Path file) throws IOException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), FileOrigin.class.getName(), file.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                StandardCharsets.US_ASCII)).readLine();
        if (line == null || !line.startsWith("port ")) {
            p.destroyForcibly();
            throw new IOException("the origin process did not start: " + line);
        }
        return new Separate(p, Integer.parseInt(line.substring(5).trim()));
    }

    record Separate(Process process, int port) implements AutoCloseable {
        long pid() {
            return process.pid();
        }

        @Override
        public void close() throws IOException {
            process.getOutputStream().close();
            process.destroy();
        }
    }
}
