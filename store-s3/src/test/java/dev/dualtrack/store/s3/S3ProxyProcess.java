package dev.dualtrack.store.s3;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * S3Proxy (a real S3 server, in-memory "transient" backend) in a process of its own, on a free loopback port.
 * Requests are not authenticated ({@code s3proxy.authorization=none}): the SDK signs them anyway.
 */
public final class S3ProxyProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private S3ProxyProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static S3ProxyProcess start(Path dir) throws Exception {
        return start(dir, false);
    }

    /** With {@code onDisk}, objects are files under {@code dir} (the filesystem backend), for large ones. */
    public static S3ProxyProcess start(Path dir, boolean onDisk) throws Exception {
        Path jar = Path.of(System.getProperty("s3proxy.jar", "target/s3proxy.jar")).toAbsolutePath();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path conf = dir.resolve("s3proxy.conf");
        Files.writeString(conf, String.join("\n", "s3proxy.authorization=none",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "jclouds.provider=" + (onDisk ? "filesystem" : "transient"),
                onDisk ? "jclouds.filesystem.basedir=" + Files.createDirectories(dir.resolve("objects")) : "",
                "jclouds.identity=id", "jclouds.credential=secret", ""));
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jar.toString(), "--properties", conf.toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                break;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    p.destroyForcibly();
                    throw new IllegalStateException("S3Proxy did not start: " + Files.readString(dir.resolve(
                            "s3proxy.log")));
                }
                Thread.sleep(100);
            }
        }
        return new S3ProxyProcess(p, port);
    }

    /** The server's process id, for CPU figures read from {@code /proc}. */
    public long pid() {
        return process.pid();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public void createBucket(String bucket) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(endpoint().resolve("/"
                + bucket)).PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("create bucket " + bucket + ": " + r.statusCode() + " " + r.body());
        }
    }

    /** Replaces an object's bytes behind the store's back (a corrupted or tampered bucket). */
    public void overwrite(String bucket, String key, byte[] bytes) throws Exception {
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(endpoint().resolve("/" + bucket + "/" + key))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.discarding());
    }

    public void stop() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
