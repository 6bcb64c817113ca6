package dev.dualtrack.proxy.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * A response body the test origin can send without holding it in memory: fixed bytes, or pseudo-random bytes
 * generated block by block from a seed (so a 2 GiB body costs no heap and its hash can be computed again).
 */
public interface BodySource {
    long length();

    /** Writes bytes [from, to) of the body. */
    void write(OutputStream out, long from, long to) throws IOException;

    static BodySource of(byte[] bytes) {
        return new BodySource() {
            @Override
            public long length() {
                return bytes.length;
            }

            @Override
            public void write(OutputStream out, long from, long to) throws IOException {
                out.write(bytes, (int) from, (int) (to - from));
            }
        };
    }

    /** {@code length} pseudo-random bytes; block {@code i} (64 KiB) depends only on {@code seed} and {@code i}. */
    static BodySource generated(long length, long seed) {
        return new Generated(length, seed);
    }

    default String sha256() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            write(new OutputStream() {
                @Override
                public void write(int b) {
                    md.update((byte) b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    md.update(b, off, len);
                }
            }, 0, length());
            return HexFormat.of().formatHex(md.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Seeded blocks. */
    final class Generated implements BodySource {
        static final int BLOCK = 64 * 1024;
        private final long length;
        private final long seed;

        Generated(long length, long seed) {
            this.length = length;
            this.seed = seed;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public void write(OutputStream out, long from, long to) throws IOException {
            byte[] block = new byte[BLOCK];
            long pos = from;
            while (pos < to) {
                long index = pos / BLOCK;
                fill(block, index);
                int off = (int) (pos % BLOCK);
                int n = (int) Math.min(BLOCK - off, to - pos);
                out.write(block, off, n);
                pos += n;
            }
        }

        private void fill(byte[] block, long index) {
            SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index);
            for (int i = 0; i < block.length; i += 8) {
                long v = r.nextLong();
                for (int j = 0; j < 8; j++) {
                    block[i + j] = (byte) (v >>> (8 * j));
                }
            }
        }
    }
}
