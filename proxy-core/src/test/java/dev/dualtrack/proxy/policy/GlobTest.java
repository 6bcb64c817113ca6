package dev.dualtrack.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class GlobTest {
    @Test
    void starQuestionMarkAndLiterals() {
        assertThat(Glob.matches("acme-*", "acme-utils")).isTrue();
        assertThat(Glob.matches("acme-*", "ACME-Utils")).as("case is ignored").isTrue();
        assertThat(Glob.matches("acme-*", "xacme-utils")).as("the whole value").isFalse();
        assertThat(Glob.matches("*", "anything")).isTrue();
        assertThat(Glob.matches("*", "")).isTrue();
        assertThat(Glob.matches("org/*", "org/model")).isTrue();
        assertThat(Glob.matches("a?c", "abc")).isTrue();
        assertThat(Glob.matches("a?c", "ac")).as("? is exactly one").isFalse();
        assertThat(Glob.matches("a.b", "axb")).as("a dot is a dot").isFalse();
        assertThat(Glob.matches("a\\E.*", "a\\Ezzz")).as("regex quoting cannot be closed from a glob").isFalse();
        assertThat(Glob.matches("a\\E.*", "a\\E.zzz")).isTrue();
        assertThat(Glob.matches("line*", "line\nbreak")).as("* crosses any character").isTrue();
        assertThat(Glob.anyMatches(List.of("x", "y*"), "yes")).isTrue();
        assertThat(Glob.anyMatches(List.of(), "yes")).isFalse();
    }

    @Test
    void manyDistinctGlobsDoNotGrowTheMemoWithoutBound() {
        for (int i = 0; i < 10_000; i++) {
            assertThat(Glob.matches("p" + i + "*", "p" + i + "x")).isTrue();
        }
        assertThat(Glob.matches("p1*", "q")).isFalse();
    }
}
