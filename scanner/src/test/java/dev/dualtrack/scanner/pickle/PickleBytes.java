package dev.dualtrack.scanner.pickle;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds pickle byte streams opcode by opcode, for tests that need exact control over every byte. */
final class PickleBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static PickleBytes proto(int v) {
        return new PickleBytes().op(0x80).raw(v);
    }

    static PickleBytes text() {
        return new PickleBytes();
    }

    PickleBytes op(int code) {
        out.write(code);
        return this;
    }

    PickleBytes raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleBytes raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    PickleBytes global(String module, String name) {
        return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
    }

    PickleBytes unicode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length < 256) {
            return op(0x8c).raw(b.length).raw(b);
        }
        return op('X').le(b.length, 4).raw(b);
    }

    PickleBytes binput(int i) {
        return op('q').raw(i);
    }

    PickleBytes binget(int i) {
        return op('h').raw(i);
    }

    PickleBytes le(long v, int n) {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
        return this;
    }

    PickleBytes frame(long len) {
        return op(0x95).le(len, 8);
    }

    PickleBytes binint1(int v) {
        return op('K').raw(v);
    }

    PickleBytes stop() {
        return op('.');
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** {@code GLOBAL module name; MARK; args...; TUPLE; REDUCE} with a string argument. */
    PickleBytes call(String module, String name, String arg) {
        return global(module, name).op('(').unicode(arg).op('t').op('R');
    }
}
