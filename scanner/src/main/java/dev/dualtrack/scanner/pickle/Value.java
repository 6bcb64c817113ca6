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
     * Up to three items live in fields ({@link Small}, 32 bytes): a dense pickle memoises a million small
     * tuples, and the collector copies every one of them while the scan runs.
     */
    abstract sealed class Tuple implements Value permits Tuple.Small, Tuple.Many {
        private static final Value[] NONE = new Value[0];
        static final Tuple EMPTY = new Many(NONE, 1);

        private final long weight;

        private Tuple(long weight) {
            this.weight = weight;
        }

        static Tuple of(List<Value> items) {
            return of(items.toArray(NONE));
        }

        /** A tuple of {@code items}; an array of more than three is kept as it is, so callers pass their own. */
        static Tuple of(Value... items) {
            long w = 1;
            for (Value v : items) {
                w = Weights.add(w, v.weight());
            }
            return switch (items.length) {
                case 0 -> EMPTY;
                case 1 -> new Small(items[0], null, null, w);
                case 2 -> new Small(items[0], items[1], null, w);
                case 3 -> new Small(items[0], items[1], items[2], w);
                default -> new Many(items, w);
            };
        }

        /** TUPLE3, without an intermediate array. */
        static Tuple of3(Value a, Value b, Value c) {
            return new Small(a, b, c, Weights.add(Weights.add(Weights.add(1, a.weight()), b.weight()), c.weight()));
        }

        abstract int size();

        abstract Value get(int i);

        /** A read-only copy of the items. */
        List<Value> items() {
            Value[] copy = new Value[size()];
            for (int i = 0; i < copy.length; i++) {
                copy[i] = get(i);
            }
            return List.of(copy);
        }

        @Override
        public final long weight() {
            return weight;
        }

        /** One to three items; unused fields are null (no item is ever null). */
        private static final class Small extends Tuple {
            private final Value a;
            private final Value b;
            private final Value c;

            Small(Value a, Value b, Value c, long weight) {
                super(weight);
                this.a = a;
                this.b = b;
                this.c = c;
            }

            @Override
            int size() {
                return c != null ? 3 : b != null ? 2 : 1;
            }

            @Override
            Value get(int i) {
                Value v = i == 0 ? a : i == 1 ? b : i == 2 ? c : null;
                if (v == null) {
                    throw new IndexOutOfBoundsException(i);
                }
                return v;
            }
        }

        private static final class Many extends Tuple {
            private final Value[] items;

            Many(Value[] items, long weight) {
                super(weight);
                this.items = items;
            }

            @Override
            int size() {
                return items.length;
            }

            @Override
            Value get(int i) {
                return items[i];
            }
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
