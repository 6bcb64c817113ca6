package dev.dualtrack.pypi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.licenses.LicensePolicy;
import dev.dualtrack.scanner.Verdict;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The in-flight license of a wheel: the same verdict however the body is cut into chunks. */
class WheelLicenseInspectorTest {
    private static final LicensePolicy POLICY = new LicensePolicy(List.of(), List.of("GPL*"));

    private static WheelLicenseInspector inspector() {
        return new WheelLicenseInspector("demo-1.0-py3-none-any.whl", d -> {
            LicensePolicy.Decision j = POLICY.judge(d, "demo-1.0-py3-none-any.whl");
            return j.allowed() ? Verdict.allow() : Verdict.block(j.kind() == LicensePolicy.Decision.Kind.DENIED
                    ? PypiRules.LICENSE : PypiRules.LICENSE_UNKNOWN, j.reason());
        });
    }

    private static Verdict feed(byte[] body, List<Integer> cuts) {
        WheelLicenseInspector i = inspector();
        int at = 0;
        for (int cut : cuts) {
            i.feed(ByteBuffer.wrap(body, at, cut - at).asReadOnlyBuffer());
            at = cut;
        }
        i.feed(ByteBuffer.wrap(body, at, body.length - at).asReadOnlyBuffer());
        return i.finish();
    }

    private static void sameVerdictInEveryChunking(byte[] body, Verdict expected) {
        java.util.List<Integer> oneByte = new java.util.ArrayList<>();
        for (int k = 1; k < body.length; k++) {
            oneByte.add(k);
        }
        assertThat(feed(body, List.of())).isEqualTo(expected);
        assertThat(feed(body, oneByte)).isEqualTo(expected);
        Random random = new Random(29);
        for (int round = 0; round < 50; round++) {
            java.util.TreeSet<Integer> cuts = new java.util.TreeSet<>();
            for (int k = random.nextInt(8); k > 0; k--) {
                cuts.add(1 + random.nextInt(body.length - 1));
            }
            assertThat(feed(body, List.copyOf(cuts))).isEqualTo(expected);
        }
    }

    @Test
    void aDeniedLicenseIsFoundInTheStreamedMetadata() throws Exception {
        byte[] wheel = WheelBuilder.wheel("demo", "1.0", "X = 1\n", List.of("License-Expression: GPL-3.0-only"));
        Verdict v = feed(wheel, List.of());
        assertThat(v.blocked()).isTrue();
        assertThat(v.rule()).isEqualTo(PypiRules.LICENSE);
        assertThat(v.reason()).contains("license 'GPL-3.0-only' (License-Expression)");
        sameVerdictInEveryChunking(wheel, v);
    }

    @Test
    void anAllowedLicensePasses() throws Exception {
        byte[] wheel = WheelBuilder.wheel("demo", "1.0", "X = 1\n", List.of("License: MIT"));
        sameVerdictInEveryChunking(wheel, Verdict.allow());
    }

    @Test
    void whatIsNotAWheelIsAnUnknownLicense() {
        Verdict v = feed("not a zip at all".getBytes(), List.of());
        assertThat(v.rule()).isEqualTo(PypiRules.LICENSE_UNKNOWN);
        assertThat(v.reason()).contains("could not be read as a zip far enough to find its METADATA");
    }
}
