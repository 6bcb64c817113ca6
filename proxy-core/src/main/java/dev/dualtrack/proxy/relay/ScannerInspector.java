package dev.dualtrack.proxy.relay;

import dev.dualtrack.scanner.FileScanner;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanPolicy;
import dev.dualtrack.scanner.ScanReport;
import dev.dualtrack.scanner.Verdict;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The model-file scanner as a relay inspector: the same engine as {@code dualtrack scan}, in flight. Each blocking
 * finding is handed to the relay as soon as it exists (a malicious GLOBAL in the first kilobytes of data.pkl
 * refuses the download before the client has most of the file); the scan goes on after a finding that policy
 * lets through. It asks the relay to hold a zip's central directory until the final verdict.
 *
 * <p>Findings do not name the file ({@link FileScanner#unnamed}): a verdict is kept under the hash of the bytes,
 * and a refusal must name only the artifact that was asked for, not another repo's file with the same bytes.
 */
public final class ScannerInspector implements Inspector {
    private final FileScanner scanner;
    private ScanReport report;
    /** How many of the scanner's findings were already looked at for blocks. */
    private int seen;

    public ScannerInspector(ScanPolicy policy, String fileName) {
        this.scanner = FileScanner.unnamed(policy, fileName);
    }

    @Override
    public Status feed(ByteBuffer chunk) {
        scanner.feed(chunk);
        List<Finding> so = scanner.findingsSoFar();
        for (int i = seen; i < so.size(); i++) {
            if (ScanReport.blocksByDefault(so.get(i))) {
                return Status.BLOCKED;
            }
        }
        seen = so.size();
        return Status.CONTINUE;
    }

    @Override
    public List<Verdict> newBlocks() {
        List<Finding> so = scanner.findingsSoFar();
        List<Verdict> out = new ArrayList<>();
        for (int i = seen; i < so.size(); i++) {
            if (ScanReport.blocksByDefault(so.get(i))) {
                out.add(Verdict.block(so.get(i)));
            }
        }
        seen = so.size();
        return out;
    }

    @Override
    public boolean finishReadsFiles() {
        return scanner.finishReadsFiles();
    }

    @Override
    public List<Finding> findingsSoFar() {
        return List.copyOf(scanner.findingsSoFar());
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
