package dev.dualtrack.scanner.gguf;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Reads a GGUF file's metadata key/value section (ggml's GGUF specification: magic, version, tensor count, KV count, then
 * typed KV pairs) to find {@code tokenizer.chat_template*}. A template whose Jinja reaches Python internals
 * through dunder attributes ({@code __class__}, {@code __mro__}, {@code __subclasses__}, {@code __globals__},
 * {@code __builtins__}, …) is the llama-cpp-python SSTI of CVE-2024-34359 and is blocked; ordinary templates
 * (loops over messages, role checks, {@code raise_exception}) pass. Everything else (vocabularies, tensor data)
 * is skipped by its declared length, never buffered.
 */
public final class GgufScanner {
    private static final int MAX_KEY = 64 * 1024;
    private static final int MAX_TEMPLATE = 4 << 20;
    private static final long MAX_KV = 10_000_000;
    private static final int[] FIXED = {1, 1, 2, 2, 4, 4, 4, 1, -1, -1, 8, 8, 8};

    private enum State { HEADER, KEY_LEN, KEY, TYPE, SKIP, STR_LEN, STR, ARRAY_HEAD, DONE, FAILED }

    /** One open array: its element type and how many elements are still to come. */
    private static final class Array {
        final int type;
        long remaining;

        Array(int type, long remaining) {
            this.type = type;
            this.remaining = remaining;
        }
    }

    private final String where;
    private final List<Finding> findings;
    private State state = State.HEADER;
    private final byte[] fixed = new byte[24];
    private int fixedLen;
    private int fixedNeed = 24;
    private long kvRemaining;
    private byte[] text;
    private int textLen;
    private long skip;
    private boolean captureTemplate;
    private String key;
    private final Deque<Array> arrays = new ArrayDeque<>();

    public GgufScanner(String where, List<Finding> findings) {
        this.where = where;
        this.findings = findings;
    }

    private void invalid(String why) {
        findings.add(new Finding(ScanRules.GGUF_INVALID, Severity.MALFORMED, why + where));
        state = State.FAILED;
    }

    public void feed(ByteBuffer in) {
        while (in.hasRemaining() && state != State.FAILED && state != State.DONE) {
            switch (state) {
                case HEADER, KEY_LEN, TYPE, STR_LEN, ARRAY_HEAD -> {
                    int n = Math.min(fixedNeed - fixedLen, in.remaining());
                    in.get(fixed, fixedLen, n);
                    fixedLen += n;
                    if (fixedLen == fixedNeed) {
                        fixedLen = 0;
                        onFixed();
                    }
                }
                case KEY, STR -> {
                    int n = Math.min(text.length - textLen, in.remaining());
                    in.get(text, textLen, n);
                    textLen += n;
                    if (textLen == text.length) {
                        onText();
                    }
                }
                case SKIP -> {
                    int n = (int) Math.min(skip, in.remaining());
                    in.position(in.position() + n);
                    skip -= n;
                    if (skip == 0) {
                        valueDone();
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        in.position(in.limit());
    }

    public void finish() {
        if (state != State.DONE && state != State.FAILED) {
            invalid("file ends inside the GGUF metadata");
        }
    }

    private long le(int off, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (fixed[off + i] & 0xff);
        }
        return v;
    }

    private void expect(State s, int n) {
        state = s;
        fixedNeed = n;
        fixedLen = 0;
    }

    private void onFixed() {
        switch (state) {
            case HEADER -> {
                long version = le(4, 4);
                if (version < 2 || version > 3) {
                    invalid("GGUF version " + version + " is not read (2 and 3 are)");
                    return;
                }
                kvRemaining = le(16, 8);
                if (kvRemaining < 0 || kvRemaining > MAX_KV) {
                    invalid("implausible metadata count " + kvRemaining);
                    return;
                }
                nextKey();
            }
            case KEY_LEN -> {
                long len = le(0, 8);
                if (len < 0 || len > MAX_KEY) {
                    invalid("metadata key longer than " + MAX_KEY + " bytes");
                    return;
                }
                text = new byte[(int) len];
                textLen = 0;
                state = State.KEY;
                if (len == 0) {
                    onText();
                }
            }
            case TYPE -> value((int) le(0, 4));
            case STR_LEN -> {
                long len = le(0, 8);
                if (len < 0) {
                    invalid("negative string length");
                    return;
                }
                if (captureTemplate && arrays.isEmpty()) {
                    if (len > MAX_TEMPLATE) {
                        findings.add(new Finding(ScanRules.GGUF_TEMPLATE, Severity.UNKNOWN, "chat template "
                                + key + " is larger than " + MAX_TEMPLATE + " bytes" + where));
                        skip(len);
                        return;
                    }
                    text = new byte[(int) len];
                    textLen = 0;
                    state = State.STR;
                    if (len == 0) {
                        onText();
                    }
                } else {
                    skip(len);
                }
            }
            case ARRAY_HEAD -> {
                int type = (int) le(0, 4);
                long count = le(4, 8);
                if (count < 0 || arrays.size() >= 4 || type < 0 || type > 12) {
                    invalid("array of type " + type + " and length " + count + " is not read");
                    return;
                }
                if (type != 8 && type != 9) {
                    try {
                        skip(Math.multiplyExact(count, (long) FIXED[type]));
                    } catch (ArithmeticException e) {
                        invalid("array too large");
                    }
                    return;
                }
                arrays.push(new Array(type, count));
                nextArrayElement();
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void onText() {
        if (state == State.KEY) {
            key = new String(text, StandardCharsets.UTF_8);
            captureTemplate = key.equals("tokenizer.chat_template") || key.startsWith("tokenizer.chat_template.");
            expect(State.TYPE, 4);
            return;
        }
        checkTemplate(new String(text, StandardCharsets.UTF_8));
        text = null;
        valueDone();
    }

    private void checkTemplate(String template) {
        ChatTemplates.reachesInternals(template).ifPresent(why -> findings.add(new Finding(ScanRules.GGUF_TEMPLATE,
                Severity.DANGEROUS, "chat template " + key + " " + why + " (Jinja sandbox escape, CVE-2024-34359)"
                        + where)));
    }

    private void value(int type) {
        if (type < 0 || type > 12) {
            invalid("unknown metadata value type " + type + " for " + key);
            return;
        }
        if (type == 8) {
            expect(State.STR_LEN, 8);
        } else if (type == 9) {
            expect(State.ARRAY_HEAD, 12);
        } else {
            skip(FIXED[type]);
        }
    }

    private void skip(long n) {
        skip = n;
        state = State.SKIP;
        if (n == 0) {
            valueDone();
        }
    }

    /** One value (or array element) is done: the next element, the next key, or the end of the metadata. */
    private void valueDone() {
        if (!arrays.isEmpty()) {
            nextArrayElement();
            return;
        }
        nextKey();
    }

    private void nextArrayElement() {
        while (!arrays.isEmpty()) {
            Array a = arrays.peek();
            if (a.remaining > 0) {
                a.remaining--;
                value(a.type);
                return;
            }
            arrays.pop();
        }
        nextKey();
    }

    private void nextKey() {
        if (kvRemaining == 0) {
            state = State.DONE;
            return;
        }
        kvRemaining--;
        expect(State.KEY_LEN, 8);
    }
}
