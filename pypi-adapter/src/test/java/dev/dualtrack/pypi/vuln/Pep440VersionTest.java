package dev.dualtrack.pypi.vuln;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Pep440VersionTest {
    static Pep440Version v(String s) {
        return Pep440Version.parse(s).orElseThrow(() -> new AssertionError("not PEP 440: " + s));
    }

    @Test
    void ordersAsTheSpecificationDoes() {
        // The order PEP 440's own example gives, plus epochs and local labels.
        List<String> ordered = List.of("1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
                "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1", "1.0",
                "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1", "2.0",
                "1!0.1");
        List<Pep440Version> shuffled = new ArrayList<>(ordered.stream().map(Pep440VersionTest::v).toList());
        Collections.shuffle(shuffled, new Random(7));
        Collections.sort(shuffled);
        assertThat(shuffled.stream().map(Pep440Version::toString).toList()).isEqualTo(ordered);
    }

    @Test
    void spellingsPep440NormalizesAreTheSameVersion() {
        assertThat(v("1.0")).isEqualTo(v("1.0.0")).isEqualTo(v("v1.0")).isEqualTo(v(" 1.0.0.0 "));
        assertThat(v("1.0-1")).isEqualTo(v("1.0.post1")).isEqualTo(v("1.0-r1")).isEqualTo(v("1.0rev1"));
        assertThat(v("1.0c1")).isEqualTo(v("1.0rc1")).isEqualTo(v("1.0-pre1")).isEqualTo(v("1.0.preview1"));
        assertThat(v("1.0alpha")).isEqualTo(v("1.0a0"));
        assertThat(v("1.0-dev")).isEqualTo(v("1.0.dev0"));
        assertThat(v("1.0").hashCode()).isEqualTo(v("1.0.0").hashCode());
        assertThat(v("1.0rc1").isPreRelease()).isTrue();
        assertThat(v("1.0.post1").isPreRelease()).isFalse();
    }

    @Test
    void whatIsNotPep440IsNotAVersion() {
        for (String s : List.of("", "latest", "1.0-foo", "1..0", "1.0+", "2004d", "1.0.x", "a" + "9".repeat(200))) {
            assertThat(Pep440Version.parse(s)).as(s).isEmpty();
        }
    }
}
