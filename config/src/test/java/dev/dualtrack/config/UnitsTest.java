package dev.dualtrack.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void sizesUseBinaryAndDecimalUnitsExactly() {
        assertThat(DataSize.parse("64KiB").bytes()).isEqualTo(65536);
        assertThat(DataSize.parse("10MB").bytes()).isEqualTo(10_000_000);
        assertThat(DataSize.parse("50GiB").bytes()).isEqualTo(50L << 30);
        assertThat(DataSize.parse("4096").bytes()).isEqualTo(4096);
        assertThat(DataSize.parse("1 TiB").bytes()).isEqualTo(1L << 40);
        assertThat(DataSize.ofBytes(64L << 20).toString()).isEqualTo("64MiB");
    }

    @Test
    void ambiguousOrOverflowingSizesAreRefused() {
        assertThatThrownBy(() -> DataSize.parse("64K")).hasMessageContaining("not a size");
        assertThatThrownBy(() -> DataSize.parse("-1")).hasMessageContaining("not a size");
        assertThatThrownBy(() -> DataSize.parse("99999999999TiB")).hasMessageContaining("too large");
    }

    @Test
    void durationsNeedUnitsAndMayCompound() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("72h")).isEqualTo(Duration.ofHours(72));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThatThrownBy(() -> Durations.parse("30")).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> Durations.parse("3 days")).hasMessageContaining("not a duration");
    }
}
