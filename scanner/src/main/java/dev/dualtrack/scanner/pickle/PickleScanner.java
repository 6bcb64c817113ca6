package dev.dualtrack.scanner.pickle;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanLimits;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/*
 * Design notes.
 *
 * A push parser over one pickle stream, fed chunks of any size; the verdict never depends on where chunks end.
 * The byte level is an explicit state machine (OPCODE → argument states → OPCODE …); the meaning of each opcode
 * lives in PickleMachine. Arguments are read into a small scratch array only when the machine needs their value
 * (lengths, indexes, names, short strings); payloads it does not need (BINBYTES of tensor data, long strings)
 * are counted down, never buffered, so a 4 GB pickle costs a few kilobytes.
 *
 * Frames (protocol 4+). CPython's C unpickler prefetches a frame and, when an argument runs past the end of the
 * prefetched bytes, reads the rest from the file, dropping what was left of the buffer (CPython issue 154848;
 * fickling's frame_boundary bypasses). Which bytes it then sees depends on the file object's buffering, so no
 * scanner can know what it will execute. The pickler itself never writes an opcode that straddles a frame end,
 * and never starts a frame inside another, so we refuse both as malformed.
 *
 * One PickleScanner reads one pickle, up to and including its STOP. PickleStream chains them for files that hold
 * several (legacy torch, joblib); containers that know what follows a pickle take over after stopped().
 */

/** Scans one pickle stream (protocols 0–5) for imports outside the allow-list and for malformed input. */
public final class PickleScanner {
    private enum State { OPCODE, FIXED, LINE, PAYLOAD, INLINE_PAD_LENGTH, INLINE_SKIP, NESTED, STOPPED, FAILED }

    private final PickleMachine machine;
    private final ScanLimits limits;
    private final String where;
    private final List<Finding> findings;

    private State state = State.OPCODE;
    private Opcode op;
    private long offset;
    private long opStart;
    private long frameEnd = -1;

    private final byte[] scratch = new byte[8];
    private int scratchLen;
    private int scratchNeed;

    private byte[] line = new byte[256];
    private int lineLen;
    private String firstLine;

    private long inlineRemaining;
    private long inlineArrayBytes;
    private PickleScanner nested;
    private final ImportPolicy policy;

    private long payloadRemaining;
    private byte[] payload;
    private byte[] payloadScratch = new byte[64];
    private int payloadLen;

    /**
     * @param where       appended to finding details, e.g. {@code " in archive/data.pkl"}
     * @param baseOffset  the stream offset of this pickle's first byte, for finding details
     * @param findings    where findings go; shared by the caller across pickles of one file
     */
    public PickleScanner(ImportPolicy policy, ScanLimits limits, String where, long baseOffset, List<Finding> findings,
            PersistentIdListener persistentIds) {
        this.limits = limits;
        this.policy = policy;
        this.where = where;
        this.findings = findings;
        this.offset = baseOffset;
        this.machine = new PickleMachine(policy, limits, new PickleMachine.Sink() {
            @Override
            public void report(Finding f) {
                add(f);
            }

            @Override
            public void persistentId(Value pid) {
                persistentIds.persistentId(pid);
            }

            @Override
            public void string(String s) {
                persistentIds.string(s);
            }

            @Override
            public boolean wantsStrings() {
                return persistentIds.wantsStrings();
            }
        }, where);
    }

    public PickleScanner(ImportPolicy policy, ScanLimits limits, String where, long baseOffset, List<Finding> findings) {
        this(policy, limits, where, baseOffset, findings, pid -> { });
    }

    /** Receives persistent ids as the pickle is read (legacy torch needs its storages' types and sizes). */
    @FunctionalInterface
    public interface PersistentIdListener {
        void persistentId(Value pid);

        /** Every str the pickle creates, in order (legacy torch lists its storage keys this way). */
        default void string(String s) {
        }

        /** True when {@link #string} must see every str; otherwise strs that cannot be names are never decoded. */
        default boolean wantsStrings() {
            return false;
        }
    }

    public boolean stopped() {
        return state == State.STOPPED;
    }

    public boolean failed() {
        return state == State.FAILED;
    }

    /** The offset just past the last byte consumed. */
    public long offset() {
        return offset;
    }

    /** The value STOP returned, once stopped. */
    Value result() {
        return machine.result();
    }

    public int imports() {
        return machine.imports();
    }

    public int protocol() {
        return machine.protocol();
    }

    /** Bounded like the file's own list: past the bound, only a rule not yet reported (a waiver is per rule). */
    private void add(Finding f) {
        if (findings.size() < limits.maxFindings() || findings.stream().noneMatch(g -> g.rule().equals(f.rule()))) {
            findings.add(f);
        }
    }

    private void fail(Finding f) {
        add(f);
        state = State.FAILED;
    }

    private void malformed(String what) {
        fail(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED, what + " at offset " + opStart + where));
    }

    /**
     * Consumes bytes of {@code chunk} until it is empty, the pickle's STOP was executed, or the scan failed.
     * Returns how many bytes it consumed; after a STOP the rest of the chunk is left for the caller. Borrows the
     * chunk: its position advances, nothing is kept.
     */
    public int feed(ByteBuffer chunk) {
        int start = chunk.position();
        try {
            while (chunk.hasRemaining() && state != State.STOPPED && state != State.FAILED) {
                switch (state) {
                    case OPCODE -> readOpcode(chunk);
                    case FIXED -> readFixed(chunk);
                    case LINE -> readLine(chunk);
                    case PAYLOAD -> readPayload(chunk);
                    case INLINE_PAD_LENGTH -> {
                        int pad = chunk.get() & 0xff;
                        offset++;
                        inlineRemaining = pad + inlineArrayBytes;
                        state = inlineRemaining == 0 ? State.OPCODE : State.INLINE_SKIP;
                    }
                    case INLINE_SKIP -> {
                        int n = (int) Math.min(inlineRemaining, chunk.remaining());
                        chunk.position(chunk.position() + n);
                        offset += n;
                        inlineRemaining -= n;
                        if (inlineRemaining == 0) {
                            state = State.OPCODE;
                        }
                    }
                    case NESTED -> {
                        offset += nested.feed(chunk);
                        if (nested.failed()) {
                            state = State.FAILED;
                        } else if (nested.stopped()) {
                            nested = null;
                            state = State.OPCODE;
                        }
                    }
                    default -> throw new IllegalStateException(state.name());
                }
            }
        } catch (PickleMachine.Failure f) {
            fail(f.finding);
        }
        if (state == State.FAILED) {
            // A failed scan reads nothing more but claims the input, so callers do not parse junk as a new pickle.
            chunk.position(chunk.limit());
        }
        return chunk.position() - start;
    }

    /** The input ended. A pickle without its STOP is truncated, and fails (nullifAI's broken pickles). */
    public void endOfInput() {
        if (state != State.STOPPED && state != State.FAILED) {
            opStart = state == State.OPCODE ? offset : opStart;
            malformed(state == State.OPCODE ? "pickle ends without STOP"
                    : state == State.INLINE_PAD_LENGTH || state == State.INLINE_SKIP || state == State.NESTED
                    ? "pickle truncated inside a joblib array" : "pickle truncated inside " + op);
        } else if (state == State.STOPPED && frameEnd > offset) {
            fail(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED, "a FRAME declares " + (frameEnd - offset)
                    + " more bytes than the stream holds" + where));
        }
    }

    private void readOpcode(ByteBuffer in) throws PickleMachine.Failure {
        opStart = offset;
        if (frameEnd >= 0 && offset >= frameEnd) {
            frameEnd = -1;
        }
        int b = in.get() & 0xff;
        offset++;
        op = Opcode.of(b);
        if (op == null) {
            malformed(String.format("unknown opcode 0x%02x", b));
            return;
        }
        if (frameEnd >= 0 && op.fixedBytes > 0 && offset + op.fixedBytes > frameEnd) {
            malformed(op + " argument runs past the end of its FRAME");
            return;
        }
        switch (op.arg) {
            case NONE -> {
                if (machine.execute(op, opStart)) {
                    state = State.STOPPED;
                } else if (op == Opcode.BUILD) {
                    startInlineArray();
                }
            }
            case FIXED1, FIXED2, FIXED4, FIXED8, COUNTED1, COUNTED4, COUNTED8 -> {
                scratchNeed = op.fixedBytes;
                if (in.remaining() >= scratchNeed) {
                    // Fast path: the whole fixed part is in this chunk (almost always).
                    long v = unsignedLittleEndian(in, scratchNeed);
                    offset += scratchNeed;
                    onFixed(v);
                } else {
                    scratchLen = 0;
                    state = State.FIXED;
                }
            }
            case LINE, TWO_LINES -> {
                lineLen = 0;
                firstLine = null;
                state = State.LINE;
            }
            default -> throw new IllegalStateException(op.arg.name());
        }
    }

    /** After a BUILD of joblib's array wrapper: skip the array bytes it wrote inline, or scan its nested pickle. */
    private void startInlineArray() {
        JoblibArray a = machine.takeInlineArray();
        if (a == null) {
            return;
        }
        if (frameEnd >= 0 && offset < frameEnd) {
            malformed("joblib array data inside a FRAME");
            return;
        }
        if (a.objects()) {
            nested = new PickleScanner(policy, limits, " (joblib object array)" + where, offset, findings);
            state = State.NESTED;
        } else if (a.alignment() != null) {
            inlineArrayBytes = a.bytes();
            state = State.INLINE_PAD_LENGTH;
        } else {
            inlineRemaining = a.bytes();
            state = inlineRemaining == 0 ? State.OPCODE : State.INLINE_SKIP;
        }
    }

    /** True when the pickle held joblib arrays written inline. */
    public boolean joblib() {
        return machine.sawJoblibArrays();
    }

    private void readFixed(ByteBuffer in) throws PickleMachine.Failure {
        int n = Math.min(scratchNeed - scratchLen, in.remaining());
        in.get(scratch, scratchLen, n);
        scratchLen += n;
        offset += n;
        if (scratchLen < scratchNeed) {
            return;
        }
        onFixed(littleEndian(scratchNeed));
    }

    /** The next {@code n} bytes (1, 2, 4 or 8) of {@code in} as a little-endian number, unsigned below 8 bytes. */
    private static long unsignedLittleEndian(ByteBuffer in, int n) {
        boolean little = in.order() == java.nio.ByteOrder.LITTLE_ENDIAN;
        return switch (n) {
            case 1 -> in.get() & 0xffL;
            case 2 -> (little ? in.getShort() : Short.reverseBytes(in.getShort())) & 0xffffL;
            case 4 -> (little ? in.getInt() : Integer.reverseBytes(in.getInt())) & 0xffffffffL;
            default -> little ? in.getLong() : Long.reverseBytes(in.getLong());
        };
    }

    private void onFixed(long v) throws PickleMachine.Failure {
        if (op.arg.counted()) {
            startPayload(v);
            return;
        }
        state = State.OPCODE;
        switch (op) {
            case BININT -> machine.executeInt(op, (int) v, opStart);
            case LONG_BINGET, LONG_BINPUT -> {
                // CPython reads these as unsigned 32-bit and refuses values that do not fit a Py_ssize_t index.
                machine.executeInt(op, v & 0xffffffffL, opStart);
            }
            case EXT4 -> machine.executeInt(op, (int) v, opStart);
            case BINFLOAT -> machine.pushValue(Value.Other.FLOAT, opStart);
            case FRAME -> startFrame(v);
            default -> machine.executeInt(op, v, opStart);
        }
    }

    private void startFrame(long length) {
        if (frameEnd >= 0 && opStart < frameEnd) {
            malformed("FRAME starts inside another frame");
            return;
        }
        if (length < 0) {
            malformed("FRAME length does not fit in 63 bits");
            return;
        }
        frameEnd = offset + length;
    }

    private long littleEndian(int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (scratch[i] & 0xff);
        }
        return v;
    }

    private void startPayload(long length) throws PickleMachine.Failure {
        if ((op == Opcode.BINSTRING || op == Opcode.LONG4) && (int) length < 0) {
            malformed(op + " with a negative length");
            return;
        }
        if (length < 0) {
            malformed(op + " length does not fit in 63 bits");
            return;
        }
        if (frameEnd >= 0 && offset + length > frameEnd) {
            malformed(op + " payload runs past the end of its FRAME");
            return;
        }
        payloadRemaining = length;
        payloadLen = 0;
        boolean keep = switch (op) {
            case SHORT_BINUNICODE, BINUNICODE, BINUNICODE8, SHORT_BINSTRING, BINSTRING ->
                    length <= 4L * limits.maxNameChars();
            case LONG1, LONG4 -> length <= 16;
            default -> false;
        };
        // A kept payload is at most 4 × maxNameChars bytes and is decoded before the next one starts, so one
        // scratch buffer serves them all: a dense pickle has millions of short strings.
        if (keep && payloadScratch.length < length) {
            payloadScratch = new byte[(int) length];
        }
        payload = keep ? payloadScratch : null;
        state = State.PAYLOAD;
        if (length == 0) {
            finishPayload();
        }
    }

    private void readPayload(ByteBuffer in) throws PickleMachine.Failure {
        int n = (int) Math.min(payloadRemaining, in.remaining());
        if (payload != null) {
            in.get(payload, payloadLen, n);
            payloadLen += n;
        } else {
            in.position(in.position() + n);
        }
        payloadRemaining -= n;
        offset += n;
        if (payloadRemaining == 0) {
            finishPayload();
        }
    }

    private void finishPayload() throws PickleMachine.Failure {
        state = State.OPCODE;
        Value v;
        switch (op) {
            case SHORT_BINUNICODE, BINUNICODE, BINUNICODE8 -> {
                if (payload == null) {
                    v = Value.OPAQUE_STR;
                } else if (TextArgs.isAscii(payload, payloadLen)) {
                    v = machine.asciiStr(payload, payloadLen);
                } else {
                    String s = TextArgs.utf8(payload, 0, payloadLen);
                    if (s == null) {
                        malformed(op + " is not valid UTF-8");
                        return;
                    }
                    v = machine.str(s);
                }
            }
            case SHORT_BINSTRING, BINSTRING -> v = payload == null ? Value.OPAQUE_STR
                    : TextArgs.isAscii(payload, payloadLen) ? machine.asciiStr(payload, payloadLen)
                    : machine.str(new String(payload, 0, payloadLen, StandardCharsets.ISO_8859_1));
            case LONG1, LONG4 -> {
                if (payload == null) {
                    v = Value.Other.BIG_INT;
                } else if (payloadLen <= 8) {
                    v = new Value.Int(signedLittleEndian());
                } else {
                    byte[] be = new byte[payloadLen];
                    for (int i = 0; i < payloadLen; i++) {
                        be[i] = payload[payloadLen - 1 - i];
                    }
                    v = new Value.BigInt(new java.math.BigInteger(be));
                }
            }
            default -> v = Value.Other.BYTES;
        }
        machine.pushValue(v, opStart);
        payload = null;
    }

    private long signedLittleEndian() {
        if (payloadLen == 0) {
            return 0;
        }
        long v = payload[payloadLen - 1];
        for (int i = payloadLen - 2; i >= 0; i--) {
            v = (v << 8) | (payload[i] & 0xff);
        }
        return v;
    }

    private void readLine(ByteBuffer in) throws PickleMachine.Failure {
        int start = in.position();
        int limit = in.limit();
        int nl = -1;
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                nl = i;
                break;
            }
        }
        int end = nl < 0 ? limit : nl;
        int n = end - start;
        long consumed = n + (nl < 0 ? 0 : 1);
        if (frameEnd >= 0 && offset + consumed > frameEnd) {
            malformed(op + " argument runs past the end of its FRAME");
            return;
        }
        if (lineLen + n > limits.maxLineBytes()) {
            fail(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED, op + " argument longer than "
                    + limits.maxLineBytes() + " bytes at offset " + opStart + where));
            return;
        }
        if (lineLen + n > line.length) {
            line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, lineLen + n));
        }
        in.get(line, lineLen, n);
        lineLen += n;
        offset += n;
        if (nl < 0) {
            return;
        }
        in.get();
        offset++;
        onLine();
    }

    private void onLine() throws PickleMachine.Failure {
        if (op.arg == Opcode.Arg.TWO_LINES && firstLine == null) {
            String module = TextArgs.utf8(line, 0, lineLen);
            if (module == null) {
                malformed(op + " module name is not valid UTF-8");
                return;
            }
            firstLine = module;
            lineLen = 0;
            return;
        }
        state = State.OPCODE;
        switch (op) {
            case GLOBAL, INST -> {
                String name = TextArgs.utf8(line, 0, lineLen);
                if (name == null) {
                    malformed(op + " name is not valid UTF-8");
                    return;
                }
                machine.executeGlobal(op, firstLine, name, opStart);
            }
            case INT, LONG -> {
                String text = TextArgs.ascii(line, lineLen);
                if (text != null && op == Opcode.INT && (text.equals("00") || text.equals("01"))) {
                    machine.pushValue(Value.Other.BOOL, opStart);
                    return;
                }
                Long v = text == null ? null : TextArgs.integer(text, op == Opcode.LONG);
                if (v == null) {
                    malformed("invalid literal for " + op);
                    return;
                }
                machine.pushValue(v == Long.MIN_VALUE ? Value.Other.BIG_INT : new Value.Int(v), opStart);
            }
            case FLOAT -> {
                String text = TextArgs.ascii(line, lineLen);
                if (text == null || !TextArgs.isFloat(text)) {
                    malformed("invalid literal for FLOAT");
                    return;
                }
                machine.pushValue(Value.Other.FLOAT, opStart);
            }
            case STRING -> {
                String s = TextArgs.quoted(line, lineLen);
                if (s == null) {
                    malformed("STRING argument is not a quoted ASCII literal");
                    return;
                }
                machine.pushValue(machine.str(s), opStart);
            }
            case UNICODE -> {
                String s = TextArgs.rawUnicodeEscape(line, lineLen);
                if (s == null) {
                    malformed("UNICODE argument has a bad escape");
                    return;
                }
                machine.pushValue(machine.str(s), opStart);
            }
            case PERSID -> {
                String s = TextArgs.ascii(line, lineLen);
                if (s == null) {
                    malformed("PERSID argument is not ASCII");
                    return;
                }
                machine.executePersid(s, opStart);
            }
            case GET, PUT -> {
                String text = TextArgs.ascii(line, lineLen);
                Long idx = text == null ? null : TextArgs.decimal(text);
                if (idx == null) {
                    malformed("invalid memo index for " + op);
                    return;
                }
                machine.executeInt(op, idx, opStart);
            }
            default -> throw new IllegalStateException(op.name());
        }
        if (line.length > 4096) {
            line = new byte[256];
        }
    }

    /** For tests and reports: the scanner's current findings. */
    public List<Finding> findings() {
        return new ArrayList<>(findings);
    }
}
