package dev.dualtrack.scanner.pickle;

import java.util.List;

/**
 * What the symbolic pickle machine knows about a stack or memo entry: exactly what later opcodes need to be
 * resolved as CPython would, and nothing more (a 4 GB BINBYTES is just "bytes").
 */
sealed interface Value {
    /** See {@link #weight(Value)}; 1 for anything that holds no other value. */
    default long weight() {
        return 1;
    }

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

    /**
     * A short tuple whose items are kept (persistent ids, REDUCE arguments), with its {@linkplain #weight weight}.
     */
    record Tuple(List<Value> items, long weight) implements Value {
        static Tuple of(List<Value> items) {
            long w = 1;
            for (int i = 0; i < items.size(); i++) {
                w = Weights.add(w, items.get(i).weight());
            }
            return new Tuple(items, w);
        }

        /** TUPLE1 to TUPLE3: the items popped into an array, which the tuple then owns (no copy). */
        static Tuple of(Value[] items) {
            long w = 1;
            for (Value v : items) {
                w = Weights.add(w, v.weight());
            }
            return new Tuple(java.util.Collections.unmodifiableList(java.util.Arrays.asList(items)), w);
        }
    }

    /**
     * A list, dict, set, frozenset or long tuple: nothing of its items is kept but their total weight, which
     * grows as items are added.
     */
    final class Container implements Value {
        final Other kind;
        long weight = 1;

        Container(Other kind) {
            this.kind = kind;
        }

        @Override
        public long weight() {
            return weight;
        }
    }

    /**
     * How many objects a full walk of {@code v} visits, counting a shared object each time it is reached: what
     * a pickle "expands" to for code that copies, prints, compares or serializes what it loaded. Memo references
     * make it grow geometrically in a few hundred bytes (a pickle bomb); saturates at {@code Long.MAX_VALUE}.
     */
    static long weight(Value v) {
        return v.weight();
    }

    /** Saturating arithmetic for weights. */
    final class Weights {
        private Weights() {
        }

        static long add(long a, long b) {
            long r = a + b;
            return r < 0 ? Long.MAX_VALUE : r;
        }
    }

    /** A class or function brought in by GLOBAL, STACK_GLOBAL or INST; already judged by the import policy. */
    record Global(String module, String name) implements Value {
    }

    /** The result of calling something (REDUCE, NEWOBJ, OBJ, INST), with its arguments when they were short. */
    record Called(Value callee, Value args) implements Value {
        @Override
        public long weight() {
            return Weights.add(1, args.weight());
        }
    }

    /**
     * A dict whose keys are kept strings, up to 16 entries (joblib's array wrapper state). Mutable like the
     * Python dict it stands for, so a memoised reference sees later SETITEMs.
     */
    final class SmallDict implements Value {
        final java.util.LinkedHashMap<String, Value> entries = new java.util.LinkedHashMap<>();
        boolean overflow;
        long weight = 1;

        @Override
        public long weight() {
            return weight;
        }

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
