package dev.dualtrack.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

/** Scans a whole file in every chunking and asserts all reports agree: the helper every format test uses. */
public final class Scans {
    private Scans() {
    }

    public static ScanReport scan(byte[] input, String name, ScanPolicy policy) {
        List<ScanReport> reports = new ArrayList<>();
        Chunkings.of(input).forEach(c -> {
            FileScanner s = new FileScanner(policy, name);
            c.deliver(input, s::feed);
            reports.add(s.finish());
        });
        for (ScanReport r : reports) {
            assertThat(r).as("report must not depend on chunking").isEqualTo(reports.get(0));
        }
        return reports.get(0);
    }

    public static ScanReport scan(byte[] input, String name) {
        return scan(input, name, ScanPolicy.defaults());
    }
}
