package dev.dualtrack.scanner;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.SynchronousQueue;
import java.util.function.Consumer;

/*
 * Design notes.
 *
 * bzip2, xz and lzma decoders (commons-compress) pull from an InputStream; the scanner is pushed chunks. The
 * decoder runs on its own thread, and the two sides hand control to each other through synchronous queues, like
 * coroutines: feed() gives the decoder one chunk and waits until the decoder has used all of it and asks for
 * more (or has ended). So exactly one side runs at a time, the consumer of decompressed bytes is only ever
 * called while feed() or finish() waits, and results are as deterministic as a single thread's. The queues'
 * hand-offs order memory between the two threads.
 */

/** A pull-style decompressor driven in push mode (see the design notes). */
final class PulledDecompressor implements Decoder {
    /** Opens the decoding stream over the compressed input. */
    @FunctionalInterface
    interface Opener {
        InputStream open(InputStream compressed) throws IOException;
    }

    private static final Object NEED = new Object();
    private static final Object DONE = new Object();
    private static final byte[] EOF = new byte[0];

    private final SynchronousQueue<byte[]> toDecoder = new SynchronousQueue<>();
    private final SynchronousQueue<Object> toFeeder = new SynchronousQueue<>();
    private final Opener opener;
    private final Consumer<ByteBuffer> out;
    private Thread thread;
    private boolean done;
    private volatile String error;
    /** Compressed bytes the decoder never asked for: after its stream ended. Must be zero. */
    private volatile long unread;

    PulledDecompressor(Opener opener, Consumer<ByteBuffer> out) {
        this.opener = opener;
        this.out = out;
    }

    @Override
    public String error() {
        return error;
    }

    @Override
    public void feed(ByteBuffer in) {
        if (!in.hasRemaining()) {
            return;
        }
        byte[] chunk = new byte[in.remaining()];
        in.get(chunk);
        if (done) {
            unread += chunk.length;
            return;
        }
        if (thread == null) {
            start();
            if (done) {
                return;
            }
        }
        handOver(chunk);
    }

    @Override
    public void finish() {
        if (thread == null) {
            start();
        }
        if (!done) {
            handOver(EOF);
        }
        close();
        if (error == null && unread > 0) {
            // Not the count: how much the decoder read ahead of its end must not show in the verdict.
            error = "data follows the end of the compressed stream";
        }
    }

    private void start() {
        thread = new Thread(this::decode, "dualtrack-decompress");
        thread.setDaemon(true);
        thread.start();
        await();
    }

    private void handOver(byte[] chunk) {
        try {
            toDecoder.put(chunk);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
            done = true;
            return;
        }
        await();
    }

    /** Waits until the decoder needs input or has ended. */
    private void await() {
        try {
            if (toFeeder.take() == DONE) {
                done = true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
            done = true;
        }
    }

    private void decode() {
        Source compressed = new Source();
        try (InputStream d = opener.open(compressed)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = d.read(buf)) >= 0) {
                if (n > 0) {
                    out.accept(ByteBuffer.wrap(buf, 0, n));
                }
            }
        } catch (IOException | RuntimeException e) {
            error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        } finally {
            unread += compressed.left();
            try {
                toFeeder.put(DONE);
            } catch (InterruptedException ignored) {
                // abandoned: nobody waits for us
            }
        }
    }

    /** The compressed input as the decoder pulls it: chunks handed over by feed(). */
    private final class Source extends InputStream {
        private byte[] current = new byte[0];
        private int pos;
        private boolean eof;

        private boolean fill() throws IOException {
            while (!eof && pos >= current.length) {
                try {
                    toFeeder.put(NEED);
                    current = toDecoder.take();
                } catch (InterruptedException e) {
                    throw new IOException("abandoned");
                }
                pos = 0;
                eof = current == EOF;
            }
            return !eof;
        }

        @Override
        public int read() throws IOException {
            return fill() ? current[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }

        /** Bytes of the current chunk the decoder has not read. */
        long left() {
            return eof ? 0 : current.length - pos;
        }
    }

    /** Stops the decoder thread if the scan is abandoned before its end. Idempotent. */
    @Override
    public void close() {
        if (thread != null && thread.isAlive()) {
            if (done) {
                try {
                    thread.join(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                thread.interrupt();
            }
        }
    }
}
