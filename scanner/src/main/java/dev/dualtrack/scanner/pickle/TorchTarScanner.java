package dev.dualtrack.scanner.pickle;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanLimits;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/*
 * Design notes.
 *
 * PyTorch's oldest format (torch.save before 0.4, read today by torch/serialization.py legacy_load) is a tar
 * with four members: sys_info and pickle (pickles), storages (a pickled count, then per storage a pickled
 * (key, location, storage_type) tuple, an int64 element count and the raw elements, then a pickled list of
 * storage views) and tensors (a pickled count, then per tensor a pickled (key, storage_id, type) tuple, an int32
 * ndim, 4 unused bytes, ndim int64 sizes, ndim int64 strides and an int64 offset). Every pickle is scanned, every
 * raw section is skipped by its exact length, and anything else (other members, links, bad checksums, bytes
 * after the end blocks) fails closed.
 */

/** A PyTorch legacy tar archive, streamed member by member. */
public final class TorchTarScanner {
    private enum State { HEADER, MEMBER, PADDING, END, FAILED }

    /** One step of a member's layout. */
    private enum Step { PICKLE, COUNT_PICKLE, STORAGE_ARGS, STORAGE_DATA, VIEWS, TENSOR_ARGS, TENSOR_DIMS, TENSOR_SHAPE,
        DONE }

    private final ImportPolicy policy;
    private final ScanLimits limits;
    private final String where;
    private final List<Finding> findings;

    private State state = State.HEADER;
    private final byte[] header = new byte[512];
    private int headerLen;
    private int zeroBlocks;
    private long memberRemaining;
    private long padRemaining;
    private String member;

    private Step step;
    private PickleScanner pickle;
    private long count;
    private long done;
    private final byte[] fixed = new byte[8];
    private int fixedLen;
    private int fixedNeed;
    private long skipRemaining;
    private int elementSize;
    private int ndim;

    public TorchTarScanner(ImportPolicy policy, ScanLimits limits, String where, List<Finding> findings) {
        this.policy = policy;
        this.limits = limits;
        this.where = where;
        this.findings = findings;
    }

    /** Whether a real member (not a PAX header) has been read. */
    private boolean sawMember;
    private boolean notATorchSave;

    /** True once the first real member showed a plain tar, not a legacy torch save. */
    public boolean notATorchSave() {
        return notATorchSave;
    }

    private static boolean torchMember(String name) {
        return name.equals("sys_info") || name.equals("pickle") || name.equals("storages") || name.equals("tensors");
    }

    /** True if the first tar header names a member of the legacy torch layout. */
    public static boolean looksLikeTorchTar(byte[] head, int len) {
        if (len < 512 || head[257] != 'u' || head[258] != 's' || head[259] != 't' || head[260] != 'a'
                || head[261] != 'r') {
            return false;
        }
        String name = cString(head, 0, 100);
        return name.equals("sys_info") || name.equals("pickle") || name.equals("storages") || name.equals("tensors")
                || head[156] == 'x' || head[156] == 'g';
    }

    private void fail(String why) {
        if (state != State.FAILED) {
            findings.add(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED, "legacy torch tar: " + why + where));
        }
        state = State.FAILED;
    }

    public void feed(ByteBuffer in) {
        while (in.hasRemaining() && state != State.FAILED) {
            switch (state) {
                case HEADER -> {
                    int n = Math.min(512 - headerLen, in.remaining());
                    in.get(header, headerLen, n);
                    headerLen += n;
                    if (headerLen == 512) {
                        headerLen = 0;
                        onHeader();
                    }
                }
                case MEMBER -> {
                    ByteBuffer part = in.slice();
                    int n = (int) Math.min(memberRemaining, part.remaining());
                    part.limit(n);
                    memberBytes(part);
                    in.position(in.position() + n);
                    memberRemaining -= n;
                    if (memberRemaining == 0 && state == State.MEMBER) {
                        endMember();
                    }
                }
                case PADDING -> {
                    int n = (int) Math.min(padRemaining, in.remaining());
                    in.position(in.position() + n);
                    padRemaining -= n;
                    if (padRemaining == 0) {
                        state = State.HEADER;
                    }
                }
                case END -> {
                    // After the two zero blocks tar pads to a record size with zeros; nothing else may follow.
                    while (in.hasRemaining()) {
                        if (in.get() != 0) {
                            fail("bytes follow the end of the archive");
                            return;
                        }
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        in.position(in.limit());
    }

    public void finish() {
        if (state != State.END && state != State.FAILED) {
            fail("archive ends before its end blocks");
        }
    }

    private void onHeader() {
        boolean zero = true;
        for (byte b : header) {
            if (b != 0) {
                zero = false;
                break;
            }
        }
        if (zero) {
            if (++zeroBlocks == 2) {
                state = State.END;
            }
            return;
        }
        if (zeroBlocks > 0) {
            fail("a member follows an end block");
            return;
        }
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
        }
        Long stored = octal(148, 8);
        if (stored == null || stored != sum) {
            fail("header checksum does not match");
            return;
        }
        Long size = octal(124, 12);
        if (size == null) {
            fail("bad member size");
            return;
        }
        member = cString(header, 0, 100);
        byte type = header[156];
        memberRemaining = size;
        padRemaining = (512 - size % 512) % 512;
        if (type == 'x' || type == 'g') {
            // PAX extended headers (tarfile writes them with PAX_FORMAT): metadata only.
            startSkip();
            return;
        }
        if (!sawMember && !torchMember(member)) {
            // Only PAX headers came before: a tar that is no legacy torch save (an sdist, a dataset archive).
            // Refused as a container dualtrack does not open, which is what it is, not as a broken pickle.
            state = State.FAILED;
            notATorchSave = true;
            findings.add(new Finding(dev.dualtrack.scanner.ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED,
                    "a tar archive that is not a legacy torch save (its first member is '" + member + "'): tar "
                            + "containers are not opened by dualtrack, so what is inside cannot be checked" + where));
            return;
        }
        sawMember = true;
        if (type != '0' && type != 0) {
            fail("member '" + member + "' is not a regular file (type " + (char) type + ")");
            return;
        }
        switch (member) {
            case "sys_info", "pickle" -> step = Step.PICKLE;
            case "storages", "tensors" -> step = Step.COUNT_PICKLE;
            default -> {
                fail("unexpected member '" + member + "'");
                return;
            }
        }
        pickle = null;
        done = 0;
        state = State.MEMBER;
        if (size == 0) {
            endMember();
        }
    }

    private void startSkip() {
        step = null;
        state = State.MEMBER;
        if (memberRemaining == 0) {
            endMember();
        }
    }

    private void endMember() {
        if (step != null && step != Step.DONE && !(step == Step.PICKLE && pickle != null && pickle.stopped())) {
            fail("member '" + member + "' ends inside its data");
            return;
        }
        state = padRemaining == 0 ? State.HEADER : State.PADDING;
    }

    private void memberBytes(ByteBuffer in) {
        while (in.hasRemaining() && state == State.MEMBER) {
            if (step == null) {
                in.position(in.limit());
                return;
            }
            switch (step) {
                case PICKLE, COUNT_PICKLE, STORAGE_ARGS, VIEWS, TENSOR_ARGS -> runPickle(in);
                case STORAGE_DATA, TENSOR_DIMS, TENSOR_SHAPE -> fixedOrSkip(in);
                case DONE -> {
                    fail("member '" + member + "' has bytes after its data");
                    return;
                }
                default -> throw new IllegalStateException(step.name());
            }
        }
    }

    private void runPickle(ByteBuffer in) {
        if (pickle == null) {
            pickle = new PickleScanner(policy, limits, " in member '" + member + "'" + where, 0, findings);
        }
        pickle.feed(in);
        if (pickle.failed()) {
            state = State.FAILED;
            return;
        }
        if (!pickle.stopped()) {
            return;
        }
        Value result = pickle.result();
        pickle = null;
        switch (step) {
            case PICKLE -> step = Step.DONE;
            case COUNT_PICKLE -> {
                if (!(result instanceof Value.Int n) || n.value() < 0) {
                    fail("member '" + member + "' does not start with a count");
                    return;
                }
                count = n.value();
                next();
            }
            case STORAGE_ARGS -> {
                if (!(result instanceof Value.Tuple t) || t.items().size() != 3
                        || !(t.items().get(2) instanceof Value.Global g) || !g.module().equals("torch")
                        || LegacyTorchStorages.ELEMENT_SIZE.get(g.name()) == null) {
                    fail("a storage is not described by (key, location, torch storage type)");
                    return;
                }
                elementSize = LegacyTorchStorages.ELEMENT_SIZE.get(g.name());
                step = Step.STORAGE_DATA;
                expect(8);
            }
            case VIEWS -> step = Step.DONE;
            case TENSOR_ARGS -> {
                step = Step.TENSOR_DIMS;
                expect(8);
            }
            default -> throw new IllegalStateException(step.name());
        }
    }

    private void next() {
        if (done < count) {
            done++;
            step = member.equals("storages") ? Step.STORAGE_ARGS : Step.TENSOR_ARGS;
        } else {
            step = member.equals("storages") ? Step.VIEWS : Step.DONE;
        }
    }

    private void expect(int n) {
        fixedNeed = n;
        fixedLen = 0;
        skipRemaining = -1;
    }

    private void fixedOrSkip(ByteBuffer in) {
        if (skipRemaining >= 0) {
            int n = (int) Math.min(skipRemaining, in.remaining());
            in.position(in.position() + n);
            skipRemaining -= n;
            if (skipRemaining == 0) {
                skipRemaining = -1;
                next();
            }
            return;
        }
        int n = Math.min(fixedNeed - fixedLen, in.remaining());
        in.get(fixed, fixedLen, n);
        fixedLen += n;
        if (fixedLen < fixedNeed) {
            return;
        }
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (fixed[i] & 0xff);
        }
        try {
            switch (step) {
                case STORAGE_DATA -> {
                    if (v < 0) {
                        fail("negative storage size");
                        return;
                    }
                    skipRemaining = Math.multiplyExact(v, (long) elementSize);
                }
                case TENSOR_DIMS -> {
                    ndim = (int) (v & 0xffffffffL);
                    if (ndim < 0 || ndim > 64) {
                        fail("a tensor with " + ndim + " dimensions");
                        return;
                    }
                    step = Step.TENSOR_SHAPE;
                    skipRemaining = 16L * ndim + 8;
                }
                default -> throw new IllegalStateException(step.name());
            }
        } catch (ArithmeticException e) {
            fail("storage size overflows");
            return;
        }
        if (skipRemaining == 0) {
            skipRemaining = -1;
            next();
        }
    }

    private Long octal(int off, int len) {
        String s = cString(header, off, len).trim();
        if (s.isEmpty() || !s.matches("[0-7]+")) {
            return null;
        }
        return Long.parseLong(s, 8);
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.ISO_8859_1);
    }
}
