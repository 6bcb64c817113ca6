package dev.dualtrack.scanner;

import java.nio.ByteBuffer;

/** A push-mode decompressor: compressed bytes in, decompressed bytes to a consumer given at construction. */
interface Decoder extends AutoCloseable {
    void feed(ByteBuffer compressed);

    /** The compressed input ended; the stream must be complete. */
    void finish();

    /** Why decoding failed, or null. */
    String error();

    @Override
    default void close() {
    }
}
