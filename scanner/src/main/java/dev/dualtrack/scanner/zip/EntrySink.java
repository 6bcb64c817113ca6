package dev.dualtrack.scanner.zip;

import java.nio.ByteBuffer;

/** Receives the uncompressed bytes of one zip entry, in order. Borrows each buffer for the call only. */
public interface EntrySink {
    void feed(ByteBuffer data);

    /** The entry's bytes are complete (and their CRC and size verified). */
    void finish();

    EntrySink IGNORE = new EntrySink() {
        @Override
        public void feed(ByteBuffer data) {
        }

        @Override
        public void finish() {
        }
    };
}
