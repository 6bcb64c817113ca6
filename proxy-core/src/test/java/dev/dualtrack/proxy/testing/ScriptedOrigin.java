package dev.dualtrack.proxy.testing;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain-socket HTTP/1.1 origin whose misbehaviour is scripted byte by byte: reset mid-body, stall, dribble,
 * redirect. WireMock covers well-behaved upstreams; this covers the faults the relay must survive, with exact
 * control over where they happen. It also records what it was asked and whether a client hung up on it.
 *
 * <pre>{@code
 * try (ScriptedOrigin origin = new ScriptedOrigin()) {
 *     origin.on("/f", Script.ok(BodySource.of(bytes)).resetAfter(1000));
 *     ... fetch origin.uri("/f") ...
 *     assertThat(origin.requests("/f")).isEqualTo(1);
 * }
 * }</pre>
 */
public final class ScriptedOrigin implements AutoCloseable {
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scripted-origin");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final Map<String, java.util.function.Function<Request, Script>> dynamic = new ConcurrentHashMap<>();
    private volatile java.util.function.Function<Request, Script> fallback = req -> Script.status(404);
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final List<Map<String, String>> requestHeaders = new CopyOnWriteArrayList<>();
    private final AtomicInteger clientAborts = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);

    public ScriptedOrigin() throws IOException {
        server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    public void on(String path, Script script) {
        scripts.put(path, script);
    }

    /** A request as the origin saw it: method, path with query, lower-case headers, and the body. */
    public record Request(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
    }

    /** Answers {@code path} with a script chosen per request (for endpoints whose answer depends on the body). */
    public void onRequest(String path, java.util.function.Function<Request, Script> answer) {
        dynamic.put(path, answer);
    }

    /** Answers every path that has no script (by default a plain 404). */
    public void otherwise(java.util.function.Function<Request, Script> answer) {
        fallback = answer;
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + pathAndQuery);
    }

    public int port() {
        return server.getLocalPort();
    }

    public int requests(String path) {
        AtomicInteger n = requests.get(path);
        return n == null ? 0 : n.get();
    }

    /** Headers of every request received, in order; names in lower case, plus ":path". */
    public List<Map<String, String>> requestHeaders() {
        return requestHeaders;
    }

    /** How many responses were cut short because the client closed the connection. */
    public int clientAborts() {
        return clientAborts.get();
    }

    public int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            while (true) {
                Map<String, String> headers = readHead(in);
                if (headers == null) {
                    return;
                }
                String path = headers.get(":path");
                int q = path.indexOf('?');
                String bare = q < 0 ? path : path.substring(0, q);
                byte[] body = new byte[0];
                if (headers.containsKey("content-length")) {
                    body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
                }
                requestHeaders.add(headers);
                requests.computeIfAbsent(bare, k -> new AtomicInteger()).incrementAndGet();
                Request request = new Request(headers.get(":method"), path, headers, body);
                java.util.function.Function<Request, Script> answer = dynamic.get(bare);
                Script script = answer != null ? answer.apply(request) : scripts.get(bare);
                if (script == null) {
                    script = fallback.apply(request);
                }
                if (!respond(socket, out, script, headers.get(":method").equals("HEAD"))) {
                    return;
                }
            }
        } catch (IOException e) {
            // connection ended
        }
    }

    /** Returns whether the connection may be reused. */
    private boolean respond(Socket socket, OutputStream out, Script s, boolean head) throws IOException {
        if (s.delayHeadersMillis > 0) {
            sleep(s.delayHeadersMillis);
        }
        long length = s.body.length();
        StringBuilder h = new StringBuilder("HTTP/1.1 ").append(s.status).append(' ').append(reason(s.status))
                .append("\r\n");
        for (Map.Entry<String, String> e : s.headers.entrySet()) {
            h.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
        }
        if (s.chunked) {
            h.append("Transfer-Encoding: chunked\r\n");
        } else {
            h.append("Content-Length: ").append(length).append("\r\n");
        }
        if (s.closeAfter) {
            h.append("Connection: close\r\n");
        }
        h.append("\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (head) {
            out.flush();
            return !s.closeAfter;
        }
        long pos = 0;
        long stop = length;
        if (s.resetAfter >= 0) {
            stop = Math.min(stop, s.resetAfter);
        }
        if (s.stallAfter >= 0) {
            stop = Math.min(stop, s.stallAfter);
        }
        try {
            while (pos < stop) {
                long n = Math.min(s.chunkSize, stop - pos);
                if (s.chunked) {
                    out.write((Long.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                }
                s.body.write(out, pos, pos + n);
                if (s.chunked) {
                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                pos += n;
                if (s.flushEachChunk) {
                    out.flush();
                }
                if (s.dribbleMillis > 0) {
                    out.flush();
                    sleep(s.dribbleMillis);
                }
            }
            out.flush();
        } catch (IOException e) {
            clientAborts.incrementAndGet();
            throw e;
        }
        if (s.resetAfter >= 0 && s.resetAfter < length) {
            socket.setSoLinger(true, 0);
            socket.close();
            return false;
        }
        if (s.stallAfter >= 0 && s.stallAfter < length) {
            // Hold the connection open, sending nothing, until the peer gives up or the origin closes.
            try {
                socket.setSoTimeout(100);
                while (!closed.await(0, TimeUnit.MILLISECONDS)) {
                    try {
                        if (socket.getInputStream().read() < 0) {
                            clientAborts.incrementAndGet();
                            return false;
                        }
                    } catch (java.net.SocketTimeoutException ignored) {
                        // still stalled
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
        if (s.chunked) {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        return !s.closeAfter;
    }

    private static Map<String, String> readHead(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            buf.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                    ? state + 1 : 0;
        }
        String[] lines = buf.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] first = lines[0].split(" ");
        Map<String, String> h = new LinkedHashMap<>();
        h.put(":method", first[0]);
        h.put(":path", first[1]);
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            if (c > 0) {
                h.put(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
            }
        }
        return h;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 302 -> "Found";
            case 307 -> "Temporary Redirect";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 500 -> "Internal Server Error";
            default -> "Status";
        };
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        threads.shutdownNow();
    }

    /** One scripted response. */
    public static final class Script {
        private final int status;
        private final BodySource body;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private boolean chunked;
        private int chunkSize = 16 * 1024;
        private long resetAfter = -1;
        private long stallAfter = -1;
        private long delayHeadersMillis;
        private long dribbleMillis;
        private boolean flushEachChunk;
        private boolean closeAfter;

        private Script(int status, BodySource body) {
            this.status = status;
            this.body = body;
        }

        public static Script ok(BodySource body) {
            return new Script(200, body).header("Content-Type", "application/octet-stream");
        }

        public static Script status(int status) {
            return new Script(status, BodySource.of(("status " + status + "\n").getBytes(StandardCharsets.UTF_8)));
        }

        public static Script redirect(int status, String location) {
            return new Script(status, BodySource.of(new byte[0])).header("Location", location);
        }

        public Script header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public Script chunked() {
            this.chunked = true;
            return this;
        }

        /** Bytes per write (and per chunk when chunked). */
        public Script chunkSize(int n) {
            this.chunkSize = n;
            return this;
        }

        public Script flushEachChunk() {
            this.flushEachChunk = true;
            return this;
        }

        /** Send this many body bytes, then reset the connection (RST). */
        public Script resetAfter(long n) {
            this.resetAfter = n;
            return this;
        }

        /** Send this many body bytes, then nothing more, keeping the connection open. */
        public Script stallAfter(long n) {
            this.stallAfter = n;
            return this;
        }

        public Script delayHeaders(long millis) {
            this.delayHeadersMillis = millis;
            return this;
        }

        /** Sleep this long after every chunk (a slow upstream). */
        public Script dribble(long millis) {
            this.dribbleMillis = millis;
            return this;
        }

        public Script closeAfter() {
            this.closeAfter = true;
            return this;
        }

        List<String> describe() {
            return new ArrayList<>(headers.keySet());
        }
    }
}
