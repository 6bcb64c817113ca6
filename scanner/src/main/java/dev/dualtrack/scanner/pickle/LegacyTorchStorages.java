package dev.dualtrack.scanner.pickle;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The legacy (pre-zip) PyTorch format after its five pickles (torch/serialization.py {@code _legacy_save}): for
 * each storage key, in the order the fifth pickle lists them, an int64 element count and that many elements of
 * raw data. The fourth pickle's persistent ids {@code ('storage', torch.FloatStorage, key, location, numel)} give
 * each storage's type (hence element size) and count, so the section is skipped by exact lengths and nothing
 * may follow it.
 */
final class LegacyTorchStorages {
    /** torch's legacy magic number, the first pickle of a legacy file. */
    static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

    static final Map<String, Integer> ELEMENT_SIZE = Map.ofEntries(
            Map.entry("FloatStorage", 4), Map.entry("DoubleStorage", 8), Map.entry("HalfStorage", 2),
            Map.entry("BFloat16Storage", 2), Map.entry("LongStorage", 8), Map.entry("IntStorage", 4),
            Map.entry("ShortStorage", 2), Map.entry("CharStorage", 1), Map.entry("ByteStorage", 1),
            Map.entry("BoolStorage", 1), Map.entry("ComplexFloatStorage", 8), Map.entry("ComplexDoubleStorage", 16),
            Map.entry("QUInt8Storage", 1), Map.entry("QInt8Storage", 1), Map.entry("QInt32Storage", 4),
            Map.entry("QUInt4x2Storage", 1), Map.entry("QUInt2x4Storage", 1), Map.entry("UntypedStorage", 1));

    private record Storage(long bytesPerElement, long numel) {
    }

    private final Map<String, Storage> storages = new HashMap<>();
    private final List<String> order = new ArrayList<>();
    private final String where;
    private final List<Finding> findings;
    private int index;
    private final byte[] count = new byte[8];
    private int countRead;
    private long remaining = -1;
    private boolean failed;
    private long trailing;

    LegacyTorchStorages(String where, List<Finding> findings) {
        this.where = where;
        this.findings = findings;
    }

    /** From the fourth pickle. */
    void persistentId(Value pid) {
        if (!(pid instanceof Value.Tuple t) || t.items().size() < 5
                || !(t.items().get(0) instanceof Value.Str tag) || !tag.text().equals("storage")
                || !(t.items().get(1) instanceof Value.Global type) || !type.module().equals("torch")
                || !(t.items().get(2) instanceof Value.Str key) || !(t.items().get(4) instanceof Value.Int numel)) {
            fail("a persistent id that is not a legacy torch storage reference");
            return;
        }
        Integer size = ELEMENT_SIZE.get(type.name());
        if (size == null) {
            fail("unknown storage type torch." + type.name());
            return;
        }
        storages.putIfAbsent(key.text(), new Storage(size, numel.value()));
    }

    /** From the fifth pickle: the storage keys, in the order their data follows. */
    void key(String key) {
        order.add(key);
    }

    boolean failed() {
        return failed;
    }

    private void fail(String why) {
        if (!failed) {
            findings.add(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED, "legacy torch file: " + why + where));
        }
        failed = true;
    }

    /** Called when the fifth pickle has ended: checks that it listed exactly the storages referenced. */
    void keysDone() {
        if (order.size() != storages.size() || !storages.keySet().containsAll(order)) {
            fail("the storage key list does not match the storages the data pickle references");
        }
    }

    void feed(ByteBuffer in) {
        while (in.hasRemaining() && !failed) {
            if (index >= order.size()) {
                trailing += in.remaining();
                in.position(in.limit());
                return;
            }
            if (remaining < 0) {
                int n = Math.min(8 - countRead, in.remaining());
                in.get(count, countRead, n);
                countRead += n;
                if (countRead < 8) {
                    return;
                }
                long numel = 0;
                for (int i = 7; i >= 0; i--) {
                    numel = (numel << 8) | (count[i] & 0xff);
                }
                Storage s = storages.get(order.get(index));
                if (numel != s.numel()) {
                    fail("storage " + order.get(index) + " holds " + numel + " elements, its reference says " + s.numel());
                    return;
                }
                remaining = Math.multiplyExact(numel, s.bytesPerElement());
                countRead = 0;
            }
            int n = (int) Math.min(remaining, in.remaining());
            in.position(in.position() + n);
            remaining -= n;
            if (remaining == 0) {
                remaining = -1;
                index++;
            }
        }
        if (failed) {
            in.position(in.limit());
        }
    }

    void finish() {
        if (!failed && (index < order.size() || remaining >= 0)) {
            fail("file ends inside the storage data");
        } else if (!failed && trailing > 0) {
            fail(trailing + " bytes follow the last storage");
        }
    }
}
