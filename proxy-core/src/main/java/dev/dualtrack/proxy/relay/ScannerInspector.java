package dev.dualtrack.proxy.relay;

import dev.dualtrack.scanner.FileScanner;
import dev.dualtrack.scanner.ScanPolicy;
import dev.dualtrack.scanner.ScanReport;
import dev.dualtrack.scanner.Verdict;
import java.nio.ByteBuffer;

/**
 * The model-file scanner as a relay inspector: the same engine as {@code dualtrack scan}, in flight. It blocks
 * as soon as a blocking finding exists (a malicious GLOBAL in the first kilobytes of data.pkl refuses the
 * download before the client has most of the file), and asks the relay to hold a zip's central directory until
 * the final verdict.
 */
public final class ScannerInspector implements Inspector {
    private final FileScanner scanner;
    private ScanReport report;

    public ScannerInspector(ScanPolicy policy, String fileName) {
        this.scanner = new FileScanner(policy, fileName);
    }

    @Override
    public Status feed(ByteBuffer chunk) {
        scanner.feed(chunk);
        return scanner.blocking() ? Status.BLOCKED : Status.CONTINUE;
    }

    @Override
    public Verdict finish() {
        if (report == null) {
            report = scanner.finish();
        }
        return report.verdict();
    }

    @Override
    public long holdFrom() {
        return scanner.holdFrom();
    }

    @Override
    public void close() {
        scanner.close();
    }

    @Override
    public String name() {
        return "scanner";
    }
}
