package dev.dualtrack.proxy.testing;

import dev.dualtrack.proxy.relay.Inspector;
import dev.dualtrack.scanner.Verdict;
import java.nio.ByteBuffer;

/**
 * A test inspector that blocks a body containing a byte pattern anywhere, including across chunk boundaries
 * (Knuth–Morris–Pratt over the stream, so its state is the match length only).
 */
public final class ForbiddenPatternInspector implements Inspector {
    public static final String RULE = "test.forbidden-pattern";

    private final byte[] pattern;
    private final int[] failure;
    private int matched;
    private long offset;
    private long foundAt = -1;

    public ForbiddenPatternInspector(byte[] pattern) {
        this.pattern = pattern.clone();
        this.failure = new int[pattern.length];
        for (int i = 1, k = 0; i < pattern.length; i++) {
            while (k > 0 && pattern[i] != pattern[k]) {
                k = failure[k - 1];
            }
            if (pattern[i] == pattern[k]) {
                k++;
            }
            failure[i] = k;
        }
    }

    @Override
    public Status feed(ByteBuffer chunk) {
        while (chunk.hasRemaining()) {
            byte b = chunk.get();
            offset++;
            while (matched > 0 && b != pattern[matched]) {
                matched = failure[matched - 1];
            }
            if (b == pattern[matched]) {
                matched++;
            }
            if (matched == pattern.length) {
                foundAt = offset - pattern.length;
                return Status.BLOCKED;
            }
        }
        return Status.CONTINUE;
    }

    @Override
    public Verdict finish() {
        return foundAt >= 0 ? Verdict.block(RULE, "forbidden pattern at offset " + foundAt) : Verdict.allow();
    }
}
