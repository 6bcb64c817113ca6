package dev.dualtrack.scanner.pickle;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A numpy array joblib wrote inline, right after the BUILD of its {@code NumpyArrayWrapper}
 * (joblib/numpy_pickle.py, {@code write_array}): for plain dtypes an optional padding-length byte, that many
 * padding bytes, then exactly {@code itemsize × prod(shape)} bytes; for object dtypes a whole nested pickle
 * ({@code pickle.dump(array, protocol=2)}). joblib's unpickler reads these bytes itself when it executes the
 * BUILD, so the scanner must skip them by their exact length, or the bytes would be read as opcodes.
 *
 * @param alignment the {@code numpy_array_alignment_bytes} of the wrapper, or null when joblib wrote no padding
 * @param bytes     the length of the array data (plain dtypes)
 * @param objects   true when a nested pickle follows instead
 */
record JoblibArray(Integer alignment, long bytes, boolean objects) {
    private static final Pattern DTYPE = Pattern.compile("([a-zA-Z])(\\d+)");

    static boolean isWrapper(Value.Called c) {
        return c.callee() instanceof Value.Global g && g.module().equals("joblib.numpy_pickle")
                && g.name().equals("NumpyArrayWrapper");
    }

    /**
     * @param withObjects whether a record dtype ({@code V<n>}) has object fields: joblib then writes a nested
     *                    pickle, as for an object dtype
     */
    static JoblibArray of(Value state, long offset, String where, java.util.function.Predicate<Value> withObjects)
            throws PickleMachine.Failure {
        if (!(state instanceof Value.SmallDict d) || d.overflow) {
            throw fail("its state is not a small dict", offset, where);
        }
        Value shape = d.entries.get("shape");
        Value dtype = d.entries.get("dtype");
        if (!(shape instanceof Value.Tuple dims)) {
            throw fail("its shape is not a short tuple", offset, where);
        }
        if (!(dtype instanceof Value.Called c) || !(c.callee() instanceof Value.Global g)
                || !g.module().equals("numpy") || !g.name().equals("dtype")
                || !(c.args() instanceof Value.Tuple args) || args.items().isEmpty()
                || !(args.items().get(0) instanceof Value.Str code)) {
            throw fail("its dtype is not numpy.dtype('<kind><size>', …)", offset, where);
        }
        Matcher m = DTYPE.matcher(code.text());
        if (!m.matches()) {
            throw fail("dtype code '" + code.text() + "' is not understood", offset, where);
        }
        Value align = d.entries.get("numpy_array_alignment_bytes");
        Integer alignment = align instanceof Value.Int i ? Integer.valueOf((int) i.value()) : null;
        if (align != null && alignment == null && align != Value.Other.NONE) {
            throw fail("its alignment is not an integer", offset, where);
        }
        if (m.group(1).equals("O") || (m.group(1).equals("V") && withObjects.test(dtype))) {
            return new JoblibArray(alignment, 0, true);
        }
        long count = 1;
        try {
            for (Value v : dims.items()) {
                if (!(v instanceof Value.Int n) || n.value() < 0) {
                    throw fail("its shape holds something other than non-negative integers", offset, where);
                }
                count = Math.multiplyExact(count, n.value());
            }
            return new JoblibArray(alignment, Math.multiplyExact(count, Long.parseLong(m.group(2))), false);
        } catch (ArithmeticException | NumberFormatException e) {
            throw fail("its size overflows", offset, where);
        }
    }

    private static PickleMachine.Failure fail(String why, long offset, String where) {
        return new PickleMachine.Failure(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED,
                "joblib NumpyArrayWrapper at offset " + offset + ": " + why + where));
    }
}
