package dev.dualtrack.proxy.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.relay.Inspector;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The test inspector must itself be right at every split, or the G1 tests prove nothing. */
class ForbiddenPatternInspectorTest {
    static final byte[] PATTERN = "abcabd".getBytes(StandardCharsets.US_ASCII);

    static boolean blocked(byte[] input, int... splits) {
        ForbiddenPatternInspector i = new ForbiddenPatternInspector(PATTERN);
        int from = 0;
        for (int cut : splits) {
            if (i.feed(ByteBuffer.wrap(input, from, cut - from)) == Inspector.Status.BLOCKED) {
                return i.finish().blocked();
            }
            from = cut;
        }
        i.feed(ByteBuffer.wrap(input, from, input.length - from));
        return i.finish().blocked();
    }

    @Test
    void findsThePatternAtEverySplitPoint() {
        byte[] with = "xxabcabcabdyy".getBytes(StandardCharsets.US_ASCII);
        byte[] without = "xxabcabcabxyy".getBytes(StandardCharsets.US_ASCII);
        for (int a = 0; a <= with.length; a++) {
            for (int b = a; b <= with.length; b++) {
                assertThat(blocked(with, a, b)).as("split at %d,%d", a, b).isTrue();
                assertThat(blocked(without, a, b)).as("split at %d,%d", a, b).isFalse();
            }
        }
    }
}
