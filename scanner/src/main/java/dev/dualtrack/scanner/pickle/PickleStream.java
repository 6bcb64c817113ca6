package dev.dualtrack.scanner.pickle;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanLimits;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A file (or zip entry) that is a sequence of pickles: each STOP is followed by the next pickle or by the end.
 * {@code pickle.load} called in a loop runs every one of them, so every one is scanned, each with a fresh memo
 * as a new Unpickler would have. Bytes after a STOP that are not a pickle fail the scan: nothing may hide there.
 */
public final class PickleStream {
    private final ImportPolicy policy;
    private final ScanLimits limits;
    private final String where;
    private final List<Finding> findings;
    private PickleScanner current;
    private long offset;
    private int completed;
    private boolean failed;

    public PickleStream(ImportPolicy policy, ScanLimits limits, String where, List<Finding> findings) {
        this.policy = policy;
        this.limits = limits;
        this.where = where;
        this.findings = findings;
    }

    /** Borrows {@code chunk}: reads it all during the call. */
    public void feed(ByteBuffer chunk) {
        while (chunk.hasRemaining() && !failed) {
            if (current == null) {
                current = new PickleScanner(policy, limits, where, offset, findings);
            }
            offset += current.feed(chunk);
            if (current.failed()) {
                failed = true;
            } else if (current.stopped()) {
                current.endOfInput();
                failed = current.failed();
                completed++;
                current = null;
            }
        }
    }

    public void finish() {
        if (failed) {
            return;
        }
        if (current != null) {
            current.endOfInput();
            failed = current.failed();
        } else if (completed == 0) {
            failed = true;
            findings.add(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED, "empty pickle" + where));
        }
    }

    public int completedPickles() {
        return completed;
    }

    public boolean failed() {
        return failed;
    }
}
