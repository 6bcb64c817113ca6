package dev.dualtrack.scanner.pickle;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanLimits;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The symbolic stack machine of one pickle: the stack with CPython's mark fence, the memo, and the import
 * checks. It executes opcodes whose arguments {@link PickleScanner} has already read.
 *
 * <p>It follows {@code Modules/_pickle.c} where CPython's two unpicklers differ, because that is what
 * {@code pickle.load} runs: marks are a separate stack of indices, pops below the innermost mark are stack
 * underflows, and POP on an empty mark frame pops the mark.
 */
final class PickleMachine {
    /** Why the machine stopped: a finding that makes the rest of the stream meaningless. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Finding finding;

        Failure(Finding finding) {
            super(finding.detail(), null, false, false);
            this.finding = finding;
        }
    }

    interface Sink {
        /** A finding that does not stop the machine (a disallowed import: scanning goes on to report them all). */
        void report(Finding f);

        /** A persistent id (BINPERSID/PERSID), for containers that need them (legacy torch storages). */
        default void persistentId(Value pid) {
        }

        default void string(String s) {
        }

        default boolean wantsStrings() {
            return false;
        }
    }

    private final ImportPolicy policy;
    private final ScanLimits limits;
    private final Sink sink;
    private final String where;
    /** The stack, grown on demand up to {@code maxPickleStack}; {@code depth} entries are live. */
    private Value[] stack = new Value[64];
    private int depth;
    private final int[] marks;
    private int markCount;
    /**
     * The memo. Picklers number memo slots densely from 0 (MEMOIZE, BINPUT), so it is an array, 4 bytes a slot;
     * an index past its reach (only hand-made pickles use them) goes to a map. The array is cut into pages of
     * {@value #MEMO_PAGE} slots: one array of millions of slots would be allocated straight into the old
     * generation, and every value stored into it would then be an old-to-young reference the collector must
     * track; pages are born young beside the values they hold.
     */
    private static final int MEMO_PAGE = 4096;
    private Value[][] memo = new Value[16][];
    private final Map<Long, Value> sparseMemo = new HashMap<>();
    private int memoCount;
    private int retainedNames;
    private int protocol;
    private Value result;
    /** Set by a BUILD of joblib's NumpyArrayWrapper: raw array bytes follow in the stream. */
    private JoblibArray inlineArray;
    /**
     * numpy record dtypes ({@code numpy.dtype('V16')}) whose fields may hold Python objects: a joblib array of
     * such a dtype is written as a nested pickle, not raw bytes. Record dtypes are tracked by identity; one whose
     * fields are set (BUILD) in a pickle that has made an object dtype ({@code numpy.dtype('O8')}) is taken to hold
     * objects. Bounded: past {@link #MAX_RECORD_DTYPES} the pickle is refused.
     */
    private final java.util.Set<Value> recordDtypes = java.util.Collections.newSetFromMap(
            new java.util.IdentityHashMap<>());
    private final java.util.Set<Value> recordsWithObjects = java.util.Collections.newSetFromMap(
            new java.util.IdentityHashMap<>());
    private int objectDtypes;
    static final int MAX_RECORD_DTYPES = 10_000;
    private boolean joblib;

    /** Takes the inline array a BUILD just announced, if any. */
    JoblibArray takeInlineArray() {
        JoblibArray a = inlineArray;
        inlineArray = null;
        if (a != null) {
            joblib = true;
        }
        return a;
    }

    boolean sawJoblibArrays() {
        return joblib;
    }

    PickleMachine(ImportPolicy policy, ScanLimits limits, Sink sink, String where) {
        this.policy = policy;
        this.limits = limits;
        this.sink = sink;
        this.where = where;
        this.marks = new int[limits.maxPickleMarks()];
    }

    int protocol() {
        return protocol;
    }

    Value result() {
        return result;
    }

    private int fence() {
        return markCount == 0 ? 0 : marks[markCount - 1];
    }

    private Failure malformed(String what, long offset) {
        return new Failure(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED,
                what + " at offset " + offset + where));
    }

    private void push(Value v, long offset) throws Failure {
        if (depth >= limits.maxPickleStack()) {
            throw new Failure(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED, "stack deeper than "
                    + limits.maxPickleStack() + " entries at offset " + offset + where));
        }
        if (depth == stack.length) {
            stack = java.util.Arrays.copyOf(stack, Math.min(limits.maxPickleStack(), depth * 2));
        }
        stack[depth++] = v;
    }

    private Value pop(Opcode op, long offset) throws Failure {
        if (depth <= fence()) {
            throw malformed("stack underflow in " + op, offset);
        }
        Value v = stack[--depth];
        stack[depth] = null;
        return v;
    }

    private Value top(Opcode op, long offset) throws Failure {
        if (depth <= fence()) {
            throw malformed("stack underflow in " + op, offset);
        }
        return stack[depth - 1];
    }

    /** The total weight of what the last {@link #dropMark} dropped. */
    private long droppedWeight;

    /** Pops everything above the innermost mark, and the mark, keeping only their weight (APPENDS, LIST…). */
    private int dropMark(Opcode op, long offset) throws Failure {
        if (markCount == 0) {
            throw malformed("could not find MARK for " + op, offset);
        }
        int k = marks[--markCount];
        int n = depth - k;
        long w = 0;
        for (int i = k; i < depth; i++) {
            w = Value.Weights.add(w, Value.weight(stack[i]));
        }
        droppedWeight = w;
        java.util.Arrays.fill(stack, k, depth, null);
        depth = k;
        return n;
    }

    /** A new container holding what {@link #dropMark} just dropped. */
    private Value.Container filled(Value.Other kind, long offset) throws Failure {
        Value.Container c = new Value.Container(kind);
        grow(c, droppedWeight, offset);
        return c;
    }

    /**
     * Adds {@code added} to a container's weight, refusing a structure that expands past the configured bound
     * (hf.pickle.resource): a pickle bomb costs its loader's memory or time, whatever its imports.
     */
    private void grow(Value target, long added, long offset) throws Failure {
        long w;
        if (target instanceof Value.Container c) {
            w = c.weight = Value.Weights.add(c.weight, added);
        } else if (target instanceof Value.SmallDict d) {
            w = d.weight = Value.Weights.add(d.weight, added);
        } else {
            return;
        }
        if (w > limits.maxPickleObjects()) {
            throw new Failure(new Finding(ScanRules.PICKLE_RESOURCE, Severity.DANGEROUS, "the pickle's structure "
                    + "expands to more than " + limits.maxPickleObjects() + " objects (shared references counted "
                    + "each time they are reached) at offset " + offset + where + ": a pickle bomb"));
        }
    }

    /** Pops everything above the innermost mark, and the mark. */
    private List<Value> popMark(Opcode op, long offset) throws Failure {
        if (markCount == 0) {
            throw malformed("could not find MARK for " + op, offset);
        }
        int k = marks[--markCount];
        List<Value> items = new ArrayList<>(java.util.Arrays.asList(stack).subList(k, depth));
        java.util.Arrays.fill(stack, k, depth, null);
        depth = k;
        return items;
    }

    private void memoPut(long index, Value v, long offset) throws Failure {
        if (index < 0) {
            throw malformed("negative memo index " + index, offset);
        }
        boolean dense = index < limits.maxPickleMemo();
        boolean fresh = dense ? memoSlot(index) == null : !sparseMemo.containsKey(index);
        if (fresh && memoCount >= limits.maxPickleMemo()) {
            throw new Failure(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED, "memo larger than "
                    + limits.maxPickleMemo() + " entries at offset " + offset + where));
        }
        if (dense) {
            memoPage((int) index, true)[(int) index % MEMO_PAGE] = v;
        } else {
            sparseMemo.put(index, v);
        }
        if (fresh) {
            memoCount++;
        }
    }

    /** The page holding dense slot {@code index}, created when {@code create}; null when absent. */
    private Value[] memoPage(int index, boolean create) {
        int p = index / MEMO_PAGE;
        if (p >= memo.length) {
            if (!create) {
                return null;
            }
            memo = java.util.Arrays.copyOf(memo, Math.max(p + 1, memo.length * 2));
        }
        Value[] page = memo[p];
        if (page == null && create) {
            page = memo[p] = new Value[MEMO_PAGE];
        }
        return page;
    }

    private Value memoSlot(long index) {
        Value[] page = memoPage((int) index, false);
        return page == null ? null : page[(int) index % MEMO_PAGE];
    }

    private Value memoGet(long index, long offset) throws Failure {
        Value v = index >= 0 && index < limits.maxPickleMemo() ? memoSlot(index) : sparseMemo.get(index);
        if (v == null) {
            throw malformed("memo slot " + index + " read before it was written", offset);
        }
        return v;
    }

    /**
     * A str of ASCII bytes as {@link #str} would keep it, without decoding it when it cannot be kept as a name:
     * a dense pickle holds millions of short strs, and only the first {@code maxRetainedNames} name-like ones
     * are ever kept.
     */
    Value asciiStr(byte[] b, int len) {
        if (!sink.wantsStrings()) {
            if (len > limits.maxNameChars() || retainedNames >= limits.maxRetainedNames()) {
                return Value.OPAQUE_STR;
            }
            for (int i = 0; i < len; i++) {
                int c = b[i];
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.')) {
                    return Value.OPAQUE_STR;
                }
            }
        }
        return str(new String(b, 0, len, java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    /** A str value as the machine keeps it. */
    Value str(String s) {
        sink.string(s);
        if (s.length() > limits.maxNameChars() || retainedNames >= limits.maxRetainedNames()) {
            return Value.OPAQUE_STR;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_' || c == '.')) {
                return Value.OPAQUE_STR;
            }
        }
        retainedNames++;
        return new Value.Str(s);
    }

    private int imports;

    /** How many imports (allowed or not) the pickle made: a stream that imports is a pickle, broken or not. */
    int imports() {
        return imports;
    }

    private void checkImport(String module, String name, long offset, String via) {
        imports++;
        policy.check(module, name, protocol, " (" + via + " at offset " + offset + where + ")")
                .ifPresent(sink::report);
    }

    /** Checks that a value about to be called or instantiated is an imported global. */
    private void checkCallable(Value callee, Opcode op, long offset) throws Failure {
        if (!(callee instanceof Value.Global)) {
            // Calling the result of a call, a string or a container: no weights-only loader does this, and it is
            // how gadget chains continue after their first import.
            throw new Failure(new Finding(ScanRules.PICKLE_DANGEROUS_OPCODE, Severity.DANGEROUS,
                    op + " calls " + describe(callee) + ", not an imported class or function, at offset " + offset
                            + where));
        }
    }

    private static String describe(Value v) {
        if (v instanceof Value.Called c) {
            return "the result of calling " + describe(c.callee());
        }
        if (v instanceof Value.Global g) {
            return g.module() + "." + g.name();
        }
        if (v instanceof Value.Str s) {
            return "the string '" + s.text() + "'";
        }
        return v instanceof Value.Other o ? "a " + o.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                : "a " + v.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    // ---- execution, one method per argument shape -------------------------------------------------------------

    /** Executes an opcode without argument. Returns true on STOP. */
    boolean execute(Opcode op, long offset) throws Failure {
        switch (op) {
            case MARK -> {
                if (markCount >= marks.length) {
                    throw new Failure(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED,
                            "more than " + marks.length + " nested MARKs at offset " + offset + where));
                }
                marks[markCount++] = depth;
            }
            case STOP -> {
                result = pop(op, offset);
                return true;
            }
            case POP -> {
                if (markCount > 0 && marks[markCount - 1] == depth) {
                    markCount--;
                } else {
                    pop(op, offset);
                }
            }
            case POP_MARK -> dropMark(op, offset);
            case DUP -> {
                // CPython's Pickler never writes DUP; hand-made streams use it to build expansion bombs.
                throw new Failure(new Finding(ScanRules.PICKLE_DANGEROUS_OPCODE, Severity.DANGEROUS,
                        "DUP, which no pickler writes, at offset " + offset + where));
            }
            case NONE -> push(Value.Other.NONE, offset);
            case NEWTRUE, NEWFALSE -> push(Value.Other.BOOL, offset);
            case EMPTY_DICT -> push(new Value.SmallDict(), offset);
            case EMPTY_LIST -> push(new Value.Container(Value.Other.LIST), offset);
            case EMPTY_TUPLE -> push(Value.Tuple.EMPTY, offset);
            case EMPTY_SET -> push(new Value.Container(Value.Other.SET), offset);
            case BINPERSID -> {
                Value pid = pop(op, offset);
                sink.persistentId(pid);
                push(Value.Other.PERSISTENT, offset);
            }
            case REDUCE -> {
                Value args = pop(op, offset);
                Value callee = pop(op, offset);
                checkCallable(callee, op, offset);
                checkCalled((Value.Global) callee, args, op, offset);
                push(called(callee, args, offset), offset);
            }
            case NEWOBJ -> {
                Value args = pop(op, offset);
                Value cls = pop(op, offset);
                checkCallable(cls, op, offset);
                push(new Value.Called(cls, args), offset);
            }
            case NEWOBJ_EX -> {
                pop(op, offset);
                pop(op, offset);
                Value cls = pop(op, offset);
                checkCallable(cls, op, offset);
                push(new Value.Called(cls, new Value.Container(Value.Other.TUPLE)), offset);
            }
            case OBJ -> {
                List<Value> items = popMark(op, offset);
                if (items.isEmpty()) {
                    throw malformed("OBJ without a class", offset);
                }
                checkCallable(items.get(0), op, offset);
                Value args = tuple(items.subList(1, items.size()));
                checkCalled((Value.Global) items.get(0), args, op, offset);
                push(new Value.Called(items.get(0), args), offset);
            }
            case BUILD -> {
                Value state = pop(op, offset);
                Value target = top(op, offset);
                if (target instanceof Value.Called c && JoblibArray.isWrapper(c)) {
                    inlineArray = JoblibArray.of(state, offset, where, recordsWithObjects::contains);
                }
                if (target instanceof Value.Called c && recordDtypes.contains(c) && objectDtypes > 0) {
                    // Its fields were just set, and the pickle has made an object dtype: the fields may hold it
                    // (memoised earlier, or made inside this state). Dict contents are not kept, so this is the
                    // safe reading: a nested pickle is then expected, and raw bytes there fail to parse.
                    recordsWithObjects.add(c);
                }
                if (target instanceof Value.Global g) {
                    // Setting state on a class, function or module object rewrites what later imports resolve to
                    // (the "module attribute overwrite" bypass). Objects built by pickles are Called values.
                    throw new Failure(new Finding(ScanRules.PICKLE_DANGEROUS_OPCODE, Severity.DANGEROUS,
                            "BUILD sets attributes on " + g.module() + "." + g.name()
                                    + " itself, not on an instance, at offset " + offset + where));
                }
            }
            case APPEND -> {
                Value item = pop(op, offset);
                grow(top(op, offset), Value.weight(item), offset);
            }
            case APPENDS, ADDITEMS -> {
                dropMark(op, offset);
                grow(top(op, offset), droppedWeight, offset);
            }
            case SETITEMS -> {
                List<Value> items = popMark(op, offset);
                Value target = top(op, offset);
                if (items.size() % 2 != 0) {
                    throw malformed("odd number of items for SETITEMS", offset);
                }
                long added = 0;
                for (int i = 0; i < items.size(); i++) {
                    added = Value.Weights.add(added, Value.weight(items.get(i)));
                }
                if (target instanceof Value.SmallDict d) {
                    for (int i = 0; i < items.size(); i += 2) {
                        d.put(items.get(i), items.get(i + 1));
                    }
                }
                grow(target, added, offset);
            }
            case SETITEM -> {
                Value value = pop(op, offset);
                Value key = pop(op, offset);
                Value target = top(op, offset);
                if (target instanceof Value.SmallDict d) {
                    d.put(key, value);
                }
                grow(target, Value.Weights.add(Value.weight(key), Value.weight(value)), offset);
            }
            case DICT -> {
                if (dropMark(op, offset) % 2 != 0) {
                    throw malformed("odd number of items for DICT", offset);
                }
                push(filled(Value.Other.DICT, offset), offset);
            }
            case LIST -> {
                dropMark(op, offset);
                push(filled(Value.Other.LIST, offset), offset);
            }
            case FROZENSET -> {
                dropMark(op, offset);
                push(filled(Value.Other.FROZENSET, offset), offset);
            }
            case TUPLE -> push(tuple(popMark(op, offset)), offset);
            case TUPLE1, TUPLE2, TUPLE3 -> {
                Value.Tuple t;
                if (op == Opcode.TUPLE3) {
                    Value c = pop(op, offset);
                    Value b = pop(op, offset);
                    t = Value.Tuple.of3(pop(op, offset), b, c);
                } else if (op == Opcode.TUPLE2) {
                    Value b = pop(op, offset);
                    t = Value.Tuple.of(pop(op, offset), b);
                } else {
                    t = Value.Tuple.of(pop(op, offset));
                }
                if (t.weight() > limits.maxPickleObjects()) {
                    grow(new Value.Container(Value.Other.TUPLE), t.weight(), offset);
                }
                push(t, offset);
            }
            case STACK_GLOBAL -> {
                Value name = pop(op, offset);
                Value module = pop(op, offset);
                if (!(module instanceof Value.Str m) || !(name instanceof Value.Str n)) {
                    // CPython raises on non-str operands; peers crashed on them (type confusion, EOP). Either way
                    // we cannot say what would be imported, so we refuse.
                    throw new Failure(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED,
                            "STACK_GLOBAL operands are " + describe(module) + " and " + describe(name)
                                    + ", not import names, at offset " + offset + where));
                }
                checkImport(m.text(), n.text(), offset, "STACK_GLOBAL");
                push(new Value.Global(m.text(), n.text()), offset);
            }
            case MEMOIZE -> memoPut(memoCount, top(op, offset), offset);
            case NEXT_BUFFER, READONLY_BUFFER -> {
                if (op == Opcode.READONLY_BUFFER) {
                    top(op, offset);
                } else {
                    push(Value.Other.BUFFER, offset);
                }
            }
            default -> throw new IllegalStateException("opcode " + op + " has an argument");
        }
        return false;
    }

    private Value tuple(List<Value> items) throws Failure {
        return tupleOf(items, -1);
    }

    private Value tupleOf(List<Value> items, long offset) throws Failure {
        if (items.size() <= 8) {
            Value.Tuple t = Value.Tuple.of(items);
            if (t.weight() > limits.maxPickleObjects()) {
                Value.Container c = new Value.Container(Value.Other.TUPLE);
                grow(c, t.weight(), offset);
            }
            return t;
        }
        long w = 0;
        for (Value v : items) {
            w = Value.Weights.add(w, Value.weight(v));
        }
        Value.Container c = new Value.Container(Value.Other.TUPLE);
        grow(c, w, offset);
        return c;
    }

    /**
     * What calling an allowed global may still do: a class a pickle may only create without its initializer
     * (see {@link ImportPolicy#constructOnly}), and allocations sized by the pickle.
     */
    /** The value of a call, noting the numpy dtypes that decide how joblib wrote an array. */
    private Value.Called called(Value callee, Value args, long offset) throws Failure {
        Value.Called c = new Value.Called(callee, args);
        if (callee instanceof Value.Global g && g.module().equals("numpy") && g.name().equals("dtype")
                && args instanceof Value.Tuple t && t.size() > 0 && t.get(0) instanceof Value.Str code) {
            if (code.text().startsWith("O")) {
                objectDtypes++;
            } else if (code.text().startsWith("V")) {
                if (recordDtypes.size() >= MAX_RECORD_DTYPES) {
                    throw malformed("more than " + MAX_RECORD_DTYPES + " record dtypes", offset);
                }
                recordDtypes.add(c);
            }
        }
        return c;
    }

    /**
     * Functions that call an argument they are given: {@code torch._tensor._rebuild_from_type_v2(func, type,
     * args, state)} runs {@code func(*args)}. What they call is judged as if the pickle called it.
     */
    private static final java.util.Set<String> CALLS_ITS_FIRST_ARGUMENT = java.util.Set.of(
            "torch._tensor._rebuild_from_type_v2");

    private void checkCalled(Value.Global callee, Value args, Opcode op, long offset) throws Failure {
        if (CALLS_ITS_FIRST_ARGUMENT.contains(callee.module() + "." + callee.name()) && args instanceof Value.Tuple t
                && t.size() > 2 && t.get(0) instanceof Value.Global inner) {
            if (policy.constructOnly(inner.module(), inner.name(), protocol)) {
                throw new Failure(new Finding(ScanRules.PICKLE_DANGEROUS_OPCODE, Severity.DANGEROUS, op + " calls "
                        + callee.module() + "." + callee.name() + ", which calls " + inner.module() + "."
                        + inner.name() + " and so runs its initializer; a pickle of one only creates it with NEWOBJ "
                        + "and fills it with BUILD, at offset " + offset + where));
            }
            checkCalled(inner, t.get(2), op, offset);
        }
        if (policy.constructOnly(callee.module(), callee.name(), protocol)) {
            throw new Failure(new Finding(ScanRules.PICKLE_DANGEROUS_OPCODE, Severity.DANGEROUS, op + " calls "
                    + callee.module() + "." + callee.name() + ", which runs its initializer; a pickle of one only "
                    + "creates it with NEWOBJ and fills it with BUILD, at offset " + offset + where));
        }
        if (policy.allocates(callee.module(), callee.name(), protocol) && args instanceof Value.Tuple t
                && t.size() > 0 && t.get(0) instanceof Value.Int n
                && n.value() > limits.maxPickleObjects()) {
            throw new Failure(new Finding(ScanRules.PICKLE_RESOURCE, Severity.DANGEROUS, op + " asks "
                    + callee.module() + "." + callee.name() + " for " + n.value() + " items, over the bound of "
                    + limits.maxPickleObjects() + ", at offset " + offset + where + ": a pickle bomb"));
        }
    }

    /** Executes an opcode with an integer argument (FIXED1/2/4/8 and GET/PUT lines). */
    void executeInt(Opcode op, long arg, long offset) throws Failure {
        switch (op) {
            case BININT, BININT1, BININT2 -> push(new Value.Int(arg), offset);
            case BINGET, LONG_BINGET, GET -> push(memoGet(arg, offset), offset);
            case BINPUT, LONG_BINPUT, PUT -> memoPut(arg, top(op, offset), offset);
            case PROTO -> {
                if (arg > 5) {
                    throw malformed("unsupported pickle protocol " + arg, offset);
                }
                protocol = (int) arg;
            }
            case EXT1, EXT2, EXT4 -> throw new Failure(new Finding(ScanRules.PICKLE_DANGEROUS_OPCODE,
                    Severity.DANGEROUS, op + " " + arg + " calls whatever the copyreg extension registry maps code "
                            + arg + " to, at offset " + offset + where));
            default -> throw new IllegalStateException("opcode " + op + " has no integer argument");
        }
    }

    void pushValue(Value v, long offset) throws Failure {
        push(v, offset);
    }

    /** GLOBAL and INST: two text lines, module and name. */
    void executeGlobal(Opcode op, String module, String name, long offset) throws Failure {
        if (!importable(module) || !importable(name)) {
            // No import can name these (empty, over-long, whitespace or control characters), so CPython cannot
            // load them; and bytes that are not a pickle at all (tensor data in a zip entry) must not count as
            // importing something. Anything printable goes on to the allow-list, which refuses what it does not
            // know: importlib loads a file named foo-bar.py as "foo-bar", so "not an identifier" is no defence.
            throw malformed(op + " names '" + printable(module) + "." + printable(name)
                    + "', which no import can name", offset);
        }
        checkImport(module, name, offset, op.name());
        Value.Global g = new Value.Global(module, name);
        if (op == Opcode.GLOBAL) {
            push(g, offset);
        } else {
            Value args = tuple(popMark(op, offset));
            checkCalled(g, args, op, offset);
            push(called(g, args, offset), offset);
        }
    }

    /** What a GLOBAL line can name: 1 to 1024 characters, none of them whitespace or control characters. */
    static boolean importable(String s) {
        if (s.isEmpty() || s.length() > 1024) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c == 0x7f || Character.isWhitespace(c) || Character.isISOControl(c)
                    || Character.getType(c) == Character.UNASSIGNED || Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(s.length(), 64); i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return s.length() > 64 ? b + "…" : b.toString();
    }

    /** PERSID: a text persistent id. */
    void executePersid(String pid, long offset) throws Failure {
        sink.persistentId(str(pid));
        push(Value.Other.PERSISTENT, offset);
    }
}
