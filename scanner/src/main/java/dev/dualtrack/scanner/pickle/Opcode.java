package dev.dualtrack.scanner.pickle;

/**
 * Every opcode of CPython's pickle module (Lib/pickle.py, Modules/_pickle.c), protocols 0 to 5, with the shape
 * of its argument. Anything else is an unknown opcode, which fails the scan.
 */
enum Opcode {
    MARK('(', Arg.NONE), STOP('.', Arg.NONE), POP('0', Arg.NONE), POP_MARK('1', Arg.NONE), DUP('2', Arg.NONE),
    FLOAT('F', Arg.LINE), INT('I', Arg.LINE), BININT('J', Arg.FIXED4), BININT1('K', Arg.FIXED1),
    LONG('L', Arg.LINE), BININT2('M', Arg.FIXED2), NONE('N', Arg.NONE), PERSID('P', Arg.LINE),
    BINPERSID('Q', Arg.NONE), REDUCE('R', Arg.NONE), STRING('S', Arg.LINE), BINSTRING('T', Arg.COUNTED4),
    SHORT_BINSTRING('U', Arg.COUNTED1), UNICODE('V', Arg.LINE), BINUNICODE('X', Arg.COUNTED4),
    APPEND('a', Arg.NONE), BUILD('b', Arg.NONE), GLOBAL('c', Arg.TWO_LINES), DICT('d', Arg.NONE),
    EMPTY_DICT('}', Arg.NONE), APPENDS('e', Arg.NONE), GET('g', Arg.LINE), BINGET('h', Arg.FIXED1),
    INST('i', Arg.TWO_LINES), LONG_BINGET('j', Arg.FIXED4), LIST('l', Arg.NONE), EMPTY_LIST(']', Arg.NONE),
    OBJ('o', Arg.NONE), PUT('p', Arg.LINE), BINPUT('q', Arg.FIXED1), LONG_BINPUT('r', Arg.FIXED4),
    SETITEM('s', Arg.NONE), TUPLE('t', Arg.NONE), EMPTY_TUPLE(')', Arg.NONE), SETITEMS('u', Arg.NONE),
    BINFLOAT('G', Arg.FIXED8),
    // protocol 2
    PROTO(0x80, Arg.FIXED1), NEWOBJ(0x81, Arg.NONE), EXT1(0x82, Arg.FIXED1), EXT2(0x83, Arg.FIXED2),
    EXT4(0x84, Arg.FIXED4), TUPLE1(0x85, Arg.NONE), TUPLE2(0x86, Arg.NONE), TUPLE3(0x87, Arg.NONE),
    NEWTRUE(0x88, Arg.NONE), NEWFALSE(0x89, Arg.NONE), LONG1(0x8a, Arg.COUNTED1), LONG4(0x8b, Arg.COUNTED4),
    // protocol 3
    BINBYTES('B', Arg.COUNTED4), SHORT_BINBYTES('C', Arg.COUNTED1),
    // protocol 4
    SHORT_BINUNICODE(0x8c, Arg.COUNTED1), BINUNICODE8(0x8d, Arg.COUNTED8), BINBYTES8(0x8e, Arg.COUNTED8),
    EMPTY_SET(0x8f, Arg.NONE), ADDITEMS(0x90, Arg.NONE), FROZENSET(0x91, Arg.NONE), NEWOBJ_EX(0x92, Arg.NONE),
    STACK_GLOBAL(0x93, Arg.NONE), MEMOIZE(0x94, Arg.NONE), FRAME(0x95, Arg.FIXED8),
    // protocol 5
    BYTEARRAY8(0x96, Arg.COUNTED8), NEXT_BUFFER(0x97, Arg.NONE), READONLY_BUFFER(0x98, Arg.NONE);

    /** The shape of an opcode's argument in the stream. */
    enum Arg {
        NONE, FIXED1, FIXED2, FIXED4, FIXED8, LINE, TWO_LINES, COUNTED1, COUNTED4, COUNTED8;

        /** Bytes of the fixed part: the value itself, or the length prefix of a counted argument. */
        int fixedBytes() {
            return switch (this) {
                case FIXED1, COUNTED1 -> 1;
                case FIXED2 -> 2;
                case FIXED4, COUNTED4 -> 4;
                case FIXED8, COUNTED8 -> 8;
                default -> 0;
            };
        }

        boolean counted() {
            return this == COUNTED1 || this == COUNTED4 || this == COUNTED8;
        }
    }

    private static final Opcode[] BY_CODE = new Opcode[256];

    static {
        for (Opcode op : values()) {
            BY_CODE[op.code] = op;
        }
    }

    final int code;
    final Arg arg;
    /** {@code arg.fixedBytes()}, kept in a field: the scanner asks for it on every opcode. */
    final int fixedBytes;

    Opcode(int code, Arg arg) {
        this.code = code;
        this.arg = arg;
        this.fixedBytes = arg.fixedBytes();
    }

    /** The opcode for a byte, or null when CPython has none. */
    static Opcode of(int b) {
        return BY_CODE[b & 0xff];
    }
}
