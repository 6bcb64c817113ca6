package dev.dualtrack.scanner.pickle;

import java.util.List;

/**
 * What the symbolic pickle machine knows about a stack or memo entry: exactly what later opcodes need to be
 * resolved as CPython would, and nothing more (a 4 GB BINBYTES is just "bytes").
 */
sealed interface Value {
    /** A str whose text we kept: short, and made of characters an import name can have. */
    record Str(String text) implements Value {
    }

    /** A str we did not keep (too long, or not name-like): never usable as an import name. */
    record OpaqueStr() implements Value {
    }

    record Int(long value) implements Value {
    }

    /** An integer of 9 to 16 bytes (the legacy torch magic number is one). */
    record BigInt(java.math.BigInteger value) implements Value {
    }

    /** A tuple; items are kept for short tuples only (persistent ids, REDUCE arguments). */
    record Tuple(List<Value> items) implements Value {
    }

    /** A class or function brought in by GLOBAL, STACK_GLOBAL or INST; already judged by the import policy. */
    record Global(String module, String name) implements Value {
    }

    /** The result of calling something (REDUCE, NEWOBJ, OBJ, INST), with its arguments when they were short. */
    record Called(Value callee, Value args) implements Value {
    }

    /**
     * A dict whose keys are kept strings, up to 16 entries (joblib's array wrapper state). Mutable like the
     * Python dict it stands for, so a memoised reference sees later SETITEMs.
     */
    final class SmallDict implements Value {
        final java.util.LinkedHashMap<String, Value> entries = new java.util.LinkedHashMap<>();
        boolean overflow;

        void put(Value key, Value value) {
            if (!overflow && key instanceof Str s && entries.size() < 16) {
                entries.put(s.text(), value);
            } else {
                overflow = true;
            }
        }
    }

    /** Anything else: lists, dicts, sets, bytes, floats, None, booleans, persistent objects, big tuples. */
    enum Other implements Value { NONE, BOOL, FLOAT, BIG_INT, BYTES, LIST, DICT, SET, FROZENSET, TUPLE, PERSISTENT,
        BUFFER }

    Value OPAQUE_STR = new OpaqueStr();
}
