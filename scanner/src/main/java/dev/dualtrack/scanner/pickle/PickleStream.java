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
    private int imports;
    private boolean joblib;
    /** Set when the first pickle is torch's legacy magic number: pickles 4 and 5 then describe raw storages. */
    private LegacyTorchStorages legacy;

    public PickleStream(ImportPolicy policy, ScanLimits limits, String where, List<Finding> findings) {
        this.policy = policy;
        this.limits = limits;
        this.where = where;
        this.findings = findings;
    }

    /** Borrows {@code chunk}: reads it all during the call. */
    public void feed(ByteBuffer chunk) {
        while (chunk.hasRemaining() && !failed) {
            if (legacy != null && completed == 5) {
                legacy.feed(chunk);
                failed = legacy.failed();
                return;
            }
            if (current == null) {
                current = new PickleScanner(policy, limits, where, offset, findings, listenerFor(completed + 1));
            }
            long before = current.imports();
            offset += current.feed(chunk);
            imports += current.imports() - before;
            joblib |= current.joblib();
            if (current.failed()) {
                failed = true;
            } else if (current.stopped()) {
                current.endOfInput();
                failed = current.failed();
                completed++;
                if (completed == 1 && current.result() instanceof Value.BigInt b
                        && b.value().equals(LegacyTorchStorages.MAGIC)) {
                    legacy = new LegacyTorchStorages(where, findings);
                }
                if (legacy != null && completed == 5) {
                    legacy.keysDone();
                    failed |= legacy.failed();
                }
                current = null;
            }
        }
    }

    private PickleScanner.PersistentIdListener listenerFor(int pickleNumber) {
        if (legacy == null) {
            return pid -> { };
        }
        if (pickleNumber == 4) {
            return legacy::persistentId;
        }
        if (pickleNumber == 5) {
            return new PickleScanner.PersistentIdListener() {
                @Override
                public void persistentId(Value pid) {
                }

                @Override
                public void string(String s) {
                    legacy.key(s);
                }

                @Override
                public boolean wantsStrings() {
                    return true;
                }
            };
        }
        return pid -> { };
    }

    /** True when a pickle held joblib arrays written inline. */
    public boolean joblib() {
        return joblib;
    }

    /** True when this stream is a legacy (pre-zip) torch file. */
    public boolean legacyTorch() {
        return legacy != null;
    }

    public void finish() {
        if (failed) {
            return;
        }
        if (legacy != null && completed == 5) {
            legacy.finish();
            failed = legacy.failed();
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

    /** Imports made by all pickles so far (allowed or not). */
    public int imports() {
        return imports;
    }

    public int completedPickles() {
        return completed;
    }

    public boolean failed() {
        return failed;
    }
}
