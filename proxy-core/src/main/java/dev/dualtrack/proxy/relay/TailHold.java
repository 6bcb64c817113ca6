package dev.dualtrack.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The bytes of a body that have been received (and inspected) but not yet released to the client.
 *
 * <p>Release rule (G1): a byte at offset {@code o} may go to the client only when {@code o < received - tail}
 * and {@code o < holdFrom}, that is, it is not among the last {@code tail} bytes seen so far and not at or past
 * the point an inspector asked to hold from. At the end of the body everything is released only after the
 * final verdict. The buffers are never copied: the hold is a composite of the upstream's own chunks, and a
 * release is a retained slice of it.
 */
final class TailHold implements AutoCloseable {
    private final CompositeByteBuf held;
    private long received;
    private long released;

    TailHold(ByteBufAllocator alloc) {
        this.held = alloc.compositeBuffer(Integer.MAX_VALUE);
    }

    /** Appends a chunk. <b>Takes ownership</b> of {@code chunk}. */
    void add(ByteBuf chunk) {
        received += chunk.readableBytes();
        held.addComponent(true, chunk);
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
        if (n < 0 || n > heldBytes()) {
            throw new IllegalArgumentException("cannot take " + n + " of " + heldBytes() + " held bytes");
        }
        if (n == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        ByteBuf out = held.readRetainedSlice((int) n);
        held.discardReadComponents();
        released += n;
        return out;
    }

    /** Drops {@code n} held bytes without releasing them to anyone (bytes outside a requested range). */
    void skip(long n) {
        held.skipBytes((int) n);
        held.discardReadComponents();
        released += n;
    }

    @Override
    public void close() {
        if (held.refCnt() > 0) {
            held.release();
        }
    }
}
