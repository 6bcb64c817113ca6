package dev.dualtrack.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal HTTP/1.1 client over a plain socket that reports exactly what arrived: the status, the headers, the
 * body bytes (or their count and hash, for huge bodies), and whether the body was <em>complete</em> by the
 * response's own framing (Content-Length reached, or the terminating chunk seen). Real clients throw on a short
 * body; tests of G1 need to see how short it was.
 */
public final class RawHttpClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttpClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(60_000);
        in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
    }

    public static Response get(int port, String target, String... headers) throws IOException {
        try (RawHttpClient c = new RawHttpClient(port)) {
            return c.request("GET", target, true, headers);
        }
    }

    /** Sends {@code request} as written (any bytes, any headers) and returns everything the server sent back. */
    public static String raw(int port, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Sends a GET on a socket with a tiny receive buffer, reads nothing for {@code stallMillis}, then reads to the
     * end: how many bytes arrived before the server closed the connection (a reset counts as the end).
     */
    public static long bytesBeforeCutOff(int port, String target, long stallMillis) throws Exception {
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            s.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(stallMillis);
            s.setSoTimeout(10_000);
            long total = 0;
            InputStream in = s.getInputStream();
            byte[] buf = new byte[1 << 16];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    total += n;
                }
            } catch (java.net.SocketException reset) {
                // cut off
            }
            return total;
        }
    }

    public Socket socket() {
        return socket;
    }

    /** Sends a request; {@code keepBody} false hashes and counts the body instead of keeping it. */
    public Response request(String method, String target, boolean keepBody, String... headers) throws IOException {
        StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return read(method.equals("HEAD"), keepBody);
    }

    private Response read(boolean head, boolean keepBody) throws IOException {
        String status = line();
        if (status == null) {
            return new Response(-1, Map.of(), new byte[0], 0, "", false);
        }
        int code = Integer.parseInt(status.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(); l != null && !l.isEmpty(); l = line()) {
            int c = l.indexOf(':');
            headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
        }
        Body body = new Body(keepBody);
        boolean complete;
        if (head || code == 204 || code == 304) {
            complete = true;
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            complete = readChunked(body);
        } else if (headers.containsKey("content-length")) {
            long n = Long.parseLong(headers.get("content-length"));
            complete = copy(body, n) == n;
        } else {
            copy(body, Long.MAX_VALUE);
            complete = false;
        }
        return new Response(code, headers, body.bytes(), body.count, body.sha256(), complete);
    }

    private boolean readChunked(Body body) throws IOException {
        while (true) {
            String size = line();
            if (size == null) {
                return false;
            }
            long n = Long.parseLong(size.split(";")[0].trim(), 16);
            if (n == 0) {
                line();
                return true;
            }
            if (copy(body, n) != n) {
                return false;
            }
            if (line() == null) {
                return false;
            }
        }
    }

    private long copy(Body body, long n) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long done = 0;
        try {
            while (done < n) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, n - done));
                if (r < 0) {
                    break;
                }
                body.add(buf, r);
                done += r;
            }
        } catch (java.net.SocketException e) {
            // reset by the proxy: what arrived so far is the answer
        }
        return done;
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        try {
            while (true) {
                int c = in.read();
                if (c < 0) {
                    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
                }
                if (c == '\n' && prev == '\r') {
                    byte[] a = b.toByteArray();
                    return new String(a, 0, a.length - 1, StandardCharsets.ISO_8859_1);
                }
                b.write(c);
                prev = c;
            }
        } catch (java.net.SocketException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** What arrived. {@code body} is empty when the body was only counted. */
    public record Response(int status, Map<String, String> headers, byte[] body, long bodyLength, String bodySha256,
            boolean complete) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static final class Body {
        private final ByteArrayOutputStream kept;
        private final MessageDigest md;
        long count;

        Body(boolean keep) {
            kept = keep ? new ByteArrayOutputStream() : null;
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        void add(byte[] b, int n) {
            count += n;
            md.update(b, 0, n);
            if (kept != null) {
                kept.write(b, 0, n);
            }
        }

        byte[] bytes() {
            return kept == null ? new byte[0] : kept.toByteArray();
        }

        String sha256() {
            return HexFormat.of().formatHex(md.digest());
        }
    }
}
