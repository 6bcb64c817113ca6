package dev.dualtrack.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ByteRangeTest {
    static ByteRange.Request parse(String h, long total) {
        return ByteRange.parse(Optional.ofNullable(h), total);
    }

    @Test
    void parsesTheSingleRangeFormsOfRfc9110() {
        assertThat(parse("bytes=0-0", 10)).isEqualTo(new ByteRange.Partial(new ByteRange(0, 0)));
        assertThat(parse("bytes=5-", 10)).isEqualTo(new ByteRange.Partial(new ByteRange(5, 9)));
        assertThat(parse("bytes=-3", 10)).isEqualTo(new ByteRange.Partial(new ByteRange(7, 9)));
        assertThat(parse("bytes=-30", 10)).isEqualTo(new ByteRange.Partial(new ByteRange(0, 9)));
        assertThat(parse("bytes=2-100", 10)).isEqualTo(new ByteRange.Partial(new ByteRange(2, 9)));
        assertThat(new ByteRange(2, 9).contentRange(10)).isEqualTo("bytes 2-9/10");
    }

    @Test
    void ignoresWhatItDoesNotServeAndRefusesWhatCannotBeSatisfied() {
        assertThat(parse(null, 10)).isInstanceOf(ByteRange.Whole.class);
        assertThat(parse("bytes=0-1,4-5", 10)).isInstanceOf(ByteRange.Whole.class);
        assertThat(parse("items=0-1", 10)).isInstanceOf(ByteRange.Whole.class);
        assertThat(parse("bytes=5-2", 10)).isInstanceOf(ByteRange.Whole.class);
        assertThat(parse("bytes=10-", 10)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThat(parse("bytes=-0", 10)).isInstanceOf(ByteRange.Unsatisfiable.class);
    }
}
