package dev.dualtrack.scanner;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Every way a parser may be handed the same bytes: whole, one byte at a time, split at every single point
 * (for short inputs), seeded random splits, and as direct or read-only buffers. A verdict must be the same for
 * all of them (chunk boundaries are the network's choice, not the file's).
 */
public final class Chunkings {
    private Chunkings() {
    }

    /** A named way of delivering an input. */
    public record Chunking(String name, List<int[]> ranges, boolean direct, boolean readOnly) {
        public void deliver(byte[] input, Consumer<ByteBuffer> sink) {
            for (int[] r : ranges) {
                ByteBuffer b;
                if (direct) {
                    b = ByteBuffer.allocateDirect(r[1] - r[0]);
                    b.put(input, r[0], r[1] - r[0]).flip();
                } else {
                    // An offset view into a larger array, so parsers cannot assume position 0 or array offset 0.
                    b = ByteBuffer.wrap(input, r[0], r[1] - r[0]).slice();
                }
                sink.accept(readOnly ? b.asReadOnlyBuffer() : b);
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    public static Stream<Chunking> of(byte[] input) {
        List<Chunking> out = new ArrayList<>();
        int n = input.length;
        out.add(new Chunking("whole", List.of(new int[] {0, n}), false, false));
        out.add(new Chunking("whole-direct-readonly", List.of(new int[] {0, n}), true, true));
        List<int[]> ones = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ones.add(new int[] {i, i + 1});
        }
        out.add(new Chunking("one-byte-at-a-time", ones, false, true));
        if (n <= 4096) {
            for (int cut = 1; cut < n; cut++) {
                out.add(new Chunking("split-at-" + cut, List.of(new int[] {0, cut}, new int[] {cut, n}), cut % 2 == 0,
                        false));
            }
        }
        for (long seed = 1; seed <= 8; seed++) {
            Random r = new Random(seed);
            List<int[]> ranges = new ArrayList<>();
            int pos = 0;
            while (pos < n) {
                int len = Math.min(n - pos, 1 + r.nextInt(Math.max(1, Math.min(n, 1 << (1 + r.nextInt(16))))));
                ranges.add(new int[] {pos, pos + len});
                pos += len;
            }
            out.add(new Chunking("random-" + seed, ranges, seed % 2 == 0, seed % 3 == 0));
        }
        return out.stream();
    }
}
