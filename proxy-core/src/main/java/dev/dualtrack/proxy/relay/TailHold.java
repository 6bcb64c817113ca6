package dev.dualtrack.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;

/**
 * The bytes of a body that have been received (and inspected) but not yet released to the client.
 *
 * <p>Release rule (G1): a byte at offset {@code o} may go to the client only when {@code o < received - tail}
 * and {@code o < holdFrom}, that is, it is not among the last {@code tail} bytes seen so far and not at or past
 * the point an inspector asked to hold from. At the end of the body everything is released only after the
 * final verdict.
 *
 * <p>The upstream's own chunks are queued as they are and never copied; a release hands out the chunks
 * themselves (slicing the first and last where the release ends mid-chunk). A single composite buffer would be
 * simpler to write, but a slice of a composite follows the composite's indexes, which move when consumed
 * components are discarded, so the chunks are kept apart.
 */
final class TailHold implements AutoCloseable {
    private final ByteBufAllocator alloc;
    private final ArrayDeque<ByteBuf> chunks = new ArrayDeque<>();
    private long received;
    private long released;

    TailHold(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** Appends a chunk. <b>Takes ownership</b> of {@code chunk}. */
    void add(ByteBuf chunk) {
        if (!chunk.isReadable()) {
            chunk.release();
            return;
        }
        received += chunk.readableBytes();
        chunks.addLast(chunk);
    }

    long received() {
        return received;
    }

    long released() {
        return released;
    }

    long heldBytes() {
        return received - released;
    }

    /** How many held bytes the release rule lets go now. */
    long releasable(long tail, long holdFrom) {
        long limit = Math.min(received - tail, holdFrom);
        return Math.max(0, limit - released);
    }

    /**
     * Takes the next {@code n} held bytes for the client. The caller <b>owns</b> the returned buffer. Returns
     * an empty buffer for {@code n == 0}.
     */
    ByteBuf take(long n) {
        check(n);
        if (n == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        released += n;
        ByteBuf first = next(n);
        n -= first.readableBytes();
        if (n == 0) {
            return first;
        }
        CompositeByteBuf out = alloc.compositeBuffer(Integer.MAX_VALUE);
        out.addComponent(true, first);
        while (n > 0) {
            ByteBuf part = next(n);
            n -= part.readableBytes();
            out.addComponent(true, part);
        }
        return out;
    }

    /** Drops {@code n} held bytes without releasing them to anyone (bytes outside a requested range). */
    void skip(long n) {
        check(n);
        released += n;
        while (n > 0) {
            ByteBuf part = next(n);
            n -= part.readableBytes();
            part.release();
        }
    }

    /** The head chunk, or its first {@code max} bytes as a retained slice of it. Caller owns the result. */
    private ByteBuf next(long max) {
        ByteBuf head = chunks.peekFirst();
        if (head.readableBytes() <= max) {
            return chunks.pollFirst();
        }
        return head.readRetainedSlice((int) max);
    }

    private void check(long n) {
        if (n < 0 || n > heldBytes()) {
            throw new IllegalArgumentException("cannot take " + n + " of " + heldBytes() + " held bytes");
        }
    }

    @Override
    public void close() {
        ByteBuf b;
        while ((b = chunks.pollFirst()) != null) {
            b.release();
        }
    }
}
