package dev.dualtrack.proxy.server;

import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Serves a committed cache blob, whole or one byte range, with zero-copy file regions. HEAD gets the same
 * headers without a body.
 */
public final class BlobResponder {
    private BlobResponder() {
    }

    /** Answers {@code ex} from {@code file}. {@code headers} (content type, ETag…) are added to the response. */
    public static void serve(Exchange ex, Path file, HttpHeaders headers) {
        FileChannel fc;
        long total;
        try {
            fc = FileChannel.open(file, StandardOpenOption.READ);
            total = fc.size();
        } catch (IOException e) {
            ex.respondText(HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot read cached blob: " + e + "\n");
            return;
        }
        ByteRange.Request wanted = ByteRange.parse(Optional.ofNullable(ex.headers().get(HttpHeaderNames.RANGE)),
                total);
        if (wanted instanceof ByteRange.Unsatisfiable) {
            close(fc);
            HttpHeaders h = new io.netty.handler.codec.http.DefaultHttpHeaders().add(headers);
            h.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + total);
            ex.respond(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "text/plain; charset=utf-8",
                    ("range not satisfiable for " + total + " bytes\n").getBytes(), h);
            return;
        }
        long first = 0;
        long length = total;
        HttpResponse head;
        if (wanted instanceof ByteRange.Partial p) {
            first = p.range().first();
            length = p.range().length();
            head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PARTIAL_CONTENT);
            head.headers().add(headers);
            head.headers().set(HttpHeaderNames.CONTENT_RANGE, p.range().contentRange(total));
        } else {
            head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().add(headers);
        }
        head.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        ex.sendHead(head);
        if (ex.isHead() || length == 0) {
            close(fc);
        } else {
            if (ex.secure()) {
                // Through TLS the bytes must be read to be encrypted: in chunks, as the socket takes them.
                try {
                    ex.sendRaw(new io.netty.handler.stream.ChunkedNioFile(fc, first, length, 1 << 16), length);
                } catch (IOException e) {
                    close(fc);
                    ex.abort("cache_read_error");
                    return;
                }
            } else {
                // The region owns the file channel and closes it when released.
                ex.sendRaw(new DefaultFileRegion(fc, first, length), length);
            }
        }
        ex.finish();
    }

    private static void close(FileChannel fc) {
        try {
            fc.close();
        } catch (IOException ignored) {
            // read-only channel: nothing to lose
        }
    }
}
