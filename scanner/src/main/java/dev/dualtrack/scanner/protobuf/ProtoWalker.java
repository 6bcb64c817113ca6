package dev.dualtrack.scanner.protobuf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A push parser of the protobuf wire format that checks one hypothesis about a file: "this is a message of
 * {@code root}'s type". It descends into the length-delimited fields its schema names, skips every other
 * payload without looking at it (an ONNX initializer or a TF constant may be gigabytes), and reads the string
 * fields the schema asks for (a TF node's op name), keeping only those among the values it was told to look for.
 * Its memory is independent of the input (G6): the open messages, one string no longer than the longest wanted
 * value, and the set of wanted values seen. A graph of a million nodes with 1 KiB op names keeps nothing.
 *
 * <p>The hypothesis dies, and the walker stops reading, at the first thing the wire format or the schema does
 * not allow: a bad tag, a group, a varint over ten bytes, a length past its enclosing message, a known field
 * with the wrong wire type, or an unknown field at the root (nested messages may carry fields newer than our
 * schema). State is the stack of open messages, at most {@value #MAX_DEPTH} deep.
 */
public final class ProtoWalker {
    static final int MAX_DEPTH = 32;

    /** Wire types (protobuf encoding spec). */
    static final int VARINT = 0;
    static final int I64 = 1;
    static final int LEN = 2;
    static final int I32 = 5;

    /** A message type: the wire type of each known field, the fields to descend into, the fields to keep. */
    public record Schema(String name, Map<Integer, Integer> wireTypes, Map<Integer, Schema> children,
            Set<Integer> captured) {
        int wireType(int field) {
            Integer w = wireTypes.get(field);
            return w == null ? -1 : w;
        }
    }

    private enum State { TAG, VARINT_VALUE, LENGTH, SKIP, CAPTURE, DEAD }

    private record Frame(Schema schema, long end) {
    }

    private final Schema root;
    private final List<Frame> frames = new ArrayList<>();
    private final Set<Integer> rootFields = new TreeSet<>();
    /** The values looked for, and the longest of them in UTF-8 bytes: a longer string cannot be one. */
    private final Set<String> wanted;
    private final int maxCaptureBytes;
    /** The wanted values seen, in order (at most {@code wanted.size()}). */
    private final Set<String> found = new java.util.LinkedHashSet<>();
    /** How many captured fields were read, wanted or not. */
    private long captured;
    private State state = State.TAG;
    private long offset;
    private long varint;
    private int varintShift;
    private int field;
    private int wireType;
    private long skip;
    private byte[] capture;
    private int captureLen;
    private String death;

    /** A walker that only checks the hypothesis (captures nothing). */
    public ProtoWalker(Schema root) {
        this(root, Set.of());
    }

    /** @param wanted the values of captured fields worth keeping (a TF node's unsafe op names) */
    public ProtoWalker(Schema root, Set<String> wanted) {
        this.root = root;
        this.wanted = Set.copyOf(wanted);
        this.maxCaptureBytes = wanted.stream().mapToInt(w -> w.getBytes(StandardCharsets.UTF_8).length).max()
                .orElse(0);
        frames.add(new Frame(root, Long.MAX_VALUE));
    }

    /** Whether the hypothesis still stands (the bytes so far are a valid prefix of such a message). */
    public boolean alive() {
        return state != State.DEAD;
    }

    /** Why the hypothesis died, for diagnostics. */
    public String death() {
        return death;
    }

    /** The root message's field numbers seen. */
    public Set<Integer> rootFields() {
        return rootFields;
    }

    /** The wanted values the captured fields held, in the order first seen. */
    public Set<String> found() {
        return found;
    }

    /** How many captured fields were read (a GraphDef's node count, in the graph and its functions). */
    public long captured() {
        return captured;
    }

    public void feed(ByteBuffer b) {
        while (b.hasRemaining() && state != State.DEAD) {
            Frame top = frames.get(frames.size() - 1);
            if (offset == top.end()) {
                if (state != State.TAG) {
                    die("a field runs past the end of its " + top.schema().name());
                    return;
                }
                frames.remove(frames.size() - 1);
                continue;
            }
            switch (state) {
                case TAG, VARINT_VALUE, LENGTH -> {
                    int x = b.get() & 0xff;
                    offset++;
                    if (varintShift >= 63 && (x & 0x7e) != 0 || varintShift > 63) {
                        die("a varint longer than ten bytes");
                        return;
                    }
                    varint |= (long) (x & 0x7f) << varintShift;
                    varintShift += 7;
                    if ((x & 0x80) == 0) {
                        long v = varint;
                        varint = 0;
                        varintShift = 0;
                        complete(v, top);
                    }
                }
                case SKIP -> {
                    int n = (int) Math.min(skip, Math.min(b.remaining(), limitOf(top)));
                    b.position(b.position() + n);
                    offset += n;
                    skip -= n;
                    if (skip == 0) {
                        state = State.TAG;
                    }
                }
                case CAPTURE -> {
                    int n = (int) Math.min(capture.length - captureLen, Math.min(b.remaining(), limitOf(top)));
                    b.get(capture, captureLen, n);
                    captureLen += n;
                    offset += n;
                    if (captureLen == capture.length) {
                        String value = new String(capture, StandardCharsets.UTF_8);
                        if (wanted.contains(value)) {
                            found.add(value);
                        }
                        capture = null;
                        state = State.TAG;
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
    }

    /** Bytes left in the innermost open message. */
    private long limitOf(Frame top) {
        return top.end() - offset;
    }

    private void complete(long v, Frame top) {
        switch (state) {
            case TAG -> {
                field = (int) (v >>> 3);
                wireType = (int) (v & 7);
                if (v >>> 3 > 536_870_911L || field == 0) {
                    die("field number " + (v >>> 3));
                    return;
                }
                int expected = top.schema().wireType(field);
                if (expected >= 0 && expected != wireType) {
                    die(top.schema().name() + " field " + field + " has wire type " + wireType);
                    return;
                }
                if (expected < 0 && frames.size() == 1) {
                    die("unknown field " + field + " at the root of " + root.name());
                    return;
                }
                if (frames.size() == 1) {
                    rootFields.add(field);
                }
                switch (wireType) {
                    case VARINT -> state = State.VARINT_VALUE;
                    case LEN -> state = State.LENGTH;
                    case I64 -> startSkip(8, top);
                    case I32 -> startSkip(4, top);
                    default -> die("wire type " + wireType + " (groups and reserved types are not read)");
                }
            }
            case VARINT_VALUE -> state = State.TAG;
            case LENGTH -> {
                if (v < 0 || v > limitOf(top)) {
                    die("a length of " + v + " past the end of its " + top.schema().name());
                    return;
                }
                Schema child = top.schema().children().get(field);
                if (child != null && v > 0) {
                    if (frames.size() >= MAX_DEPTH) {
                        die("messages nested deeper than " + MAX_DEPTH);
                        return;
                    }
                    frames.add(new Frame(child, offset + v));
                    state = State.TAG;
                } else if (top.schema().captured().contains(field)) {
                    captured++;
                    if (v > 0 && v <= maxCaptureBytes) {
                        capture = new byte[(int) v];
                        captureLen = 0;
                        state = State.CAPTURE;
                    } else {
                        startSkip(v, top); // longer than any wanted value: it cannot be one
                    }
                } else {
                    startSkip(v, top);
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void startSkip(long n, Frame top) {
        if (n > limitOf(top)) {
            die("a fixed-size field past the end of its " + top.schema().name());
            return;
        }
        skip = n;
        state = n == 0 ? State.TAG : State.SKIP;
    }

    private void die(String why) {
        state = State.DEAD;
        death = why + " at offset " + offset;
    }

    /** At the end of the input: whether the whole input was exactly one such message. */
    public boolean finish() {
        if (state == State.DEAD) {
            return false;
        }
        // Close the messages that end exactly here.
        while (frames.size() > 1 && frames.get(frames.size() - 1).end() == offset && state == State.TAG) {
            frames.remove(frames.size() - 1);
        }
        if (state != State.TAG || frames.size() != 1) {
            die("the input ends inside a field");
            return false;
        }
        return true;
    }
}
