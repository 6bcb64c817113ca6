package dev.dualtrack.pypi.vuln;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Version strings and advisory records are upstream data: any text must parse or be refused, never throw, and the
 * order must stay an order (antisymmetric, consistent with equality).
 */
class VulnFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void versions(FuzzedDataProvider data) {
        String a = data.consumeString(64);
        String b = data.consumeString(64);
        String c = data.consumeRemainingAsString();
        Optional<Pep440Version> x = Pep440Version.parse(a);
        Optional<Pep440Version> y = Pep440Version.parse(b);
        Optional<Pep440Version> z = Pep440Version.parse(c);
        if (x.isPresent() && y.isPresent()) {
            assertThat(Integer.signum(x.get().compareTo(y.get()))).isEqualTo(-Integer.signum(y.get().compareTo(x.get())));
            assertThat(x.get().compareTo(y.get()) == 0).isEqualTo(x.get().equals(y.get()));
            if (x.get().equals(y.get())) {
                assertThat(x.get().hashCode()).isEqualTo(y.get().hashCode());
            }
            if (z.isPresent() && x.get().compareTo(y.get()) <= 0 && y.get().compareTo(z.get()) <= 0) {
                assertThat(x.get().compareTo(z.get())).isLessThanOrEqualTo(0);
            }
        }
    }

    @FuzzTest(maxDuration = "30s")
    void records(FuzzedDataProvider data) throws IOException {
        boolean json = data.consumeBoolean();
        String version = data.consumeString(32);
        byte[] record = data.consumeRemainingAsBytes();
        Path dir = Files.createTempDirectory("osv-fuzz");
        try {
            Files.write(dir.resolve(json ? "r.json" : "r.yaml"), record);
            AdvisorySource s = new AdvisorySource(dir, Clock.systemUTC(), Duration.ofDays(1));
            assertThat(s.snapshot().records() + s.snapshot().unreadable()).isLessThanOrEqualTo(1);
            for (java.util.List<Advisory> list : s.snapshot().byProject().values()) {
                for (Advisory a : list) {
                    a.affects(version);
                }
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
