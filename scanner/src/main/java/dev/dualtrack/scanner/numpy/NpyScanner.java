package dev.dualtrack.scanner.numpy;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanLimits;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import dev.dualtrack.scanner.pickle.ImportPolicy;
import dev.dualtrack.scanner.pickle.PickleStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A NumPy {@code .npy} file (numpy/lib/format.py): magic, version, a Python-literal header dict, then the array.
 * Arrays of simple dtypes must be exactly {@code itemsize × prod(shape)} bytes. Object arrays (and structured
 * dtypes with object fields) are stored as a pickle, which {@code np.load(allow_pickle=True)} runs: that pickle
 * is scanned like any other.
 */
public final class NpyScanner {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=]?)([a-zA-Z])(\\d*)(\\[[a-z]+\\])?'");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final Pattern OBJECT_KIND = Pattern.compile("'[<>|=]?O\\d*'");
    private static final Pattern STRUCTURED = Pattern.compile("'descr'\\s*:\\s*\\[");
    private static final int MAX_HEADER = 1 << 20;

    private enum State { PREFIX, HEADER, DATA, PICKLE, FAILED }

    private final ImportPolicy policy;
    private final ScanLimits limits;
    private final String where;
    private final List<Finding> findings;
    private State state = State.PREFIX;
    private final byte[] prefix = new byte[12];
    private int prefixRead;
    private int prefixNeed = 10;
    private byte[] header;
    private int headerRead;
    private long expected = -1;
    private long seen;
    private PickleStream pickle;

    public NpyScanner(ImportPolicy policy, ScanLimits limits, String where, List<Finding> findings) {
        this.policy = policy;
        this.limits = limits;
        this.where = where;
        this.findings = findings;
    }

    public static boolean hasMagic(byte[] head, int len) {
        if (len < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (head[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** True once the header showed the array is a pickle (an object array). */
    public boolean isPickle() {
        return pickle != null;
    }

    private void invalid(String why) {
        findings.add(new Finding(ScanRules.NUMPY_INVALID, Severity.MALFORMED, why + where));
        state = State.FAILED;
    }

    public void feed(ByteBuffer in) {
        while (in.hasRemaining() && state != State.FAILED) {
            switch (state) {
                case PREFIX -> {
                    int n = Math.min(prefixNeed - prefixRead, in.remaining());
                    in.get(prefix, prefixRead, n);
                    prefixRead += n;
                    if (prefixRead == prefixNeed) {
                        onPrefix();
                    }
                }
                case HEADER -> {
                    int n = Math.min(header.length - headerRead, in.remaining());
                    in.get(header, headerRead, n);
                    headerRead += n;
                    if (headerRead == header.length) {
                        onHeader();
                    }
                }
                case DATA -> {
                    seen += in.remaining();
                    in.position(in.limit());
                }
                case PICKLE -> pickle.feed(in);
                default -> throw new IllegalStateException(state.name());
            }
        }
        if (state == State.FAILED) {
            in.position(in.limit());
        }
    }

    private void onPrefix() {
        if (!hasMagic(prefix, prefixRead)) {
            invalid("not an .npy file (bad magic)");
            return;
        }
        int major = prefix[6];
        if (major == 1) {
            int len = (prefix[8] & 0xff) | (prefix[9] & 0xff) << 8;
            startHeader(len);
        } else if (major == 2 || major == 3) {
            if (prefixNeed == 10) {
                prefixNeed = 12;
                return;
            }
            long len = (prefix[8] & 0xffL) | (prefix[9] & 0xffL) << 8 | (prefix[10] & 0xffL) << 16
                    | (prefix[11] & 0xffL) << 24;
            if (len > MAX_HEADER) {
                invalid("header longer than " + MAX_HEADER + " bytes");
                return;
            }
            startHeader((int) len);
        } else {
            invalid("unknown .npy format version " + major);
        }
    }

    private void startHeader(int len) {
        header = new byte[len];
        state = State.HEADER;
        if (len == 0) {
            onHeader();
        }
    }

    private void onHeader() {
        String h = new String(header, prefix[6] == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        header = null;
        if (!h.strip().startsWith("{") || !h.contains("'descr'") || !h.contains("'shape'")
                || !h.contains("'fortran_order'")) {
            invalid("header is not a dict with descr, fortran_order and shape");
            return;
        }
        if (OBJECT_KIND.matcher(h).find()) {
            // np.save writes object arrays (and structured arrays with object fields) with pickle.dump.
            pickle = new PickleStream(policy, limits, " (object array pickle)" + where, findings);
            state = State.PICKLE;
            return;
        }
        if (STRUCTURED.matcher(h).find()) {
            // Structured dtype without objects: nothing can run; its length is not checked.
            state = State.DATA;
            return;
        }
        Matcher d = DESCR.matcher(h);
        Matcher s = SHAPE.matcher(h);
        if (!d.find() || !s.find()) {
            invalid("header descr or shape is not understood");
            return;
        }
        long itemsize = itemsize(d.group(2), d.group(3));
        if (itemsize < 0) {
            invalid("unknown dtype '" + d.group(2) + d.group(3) + "'");
            return;
        }
        long count = 1;
        try {
            for (String dim : s.group(1).split(",")) {
                if (!dim.isBlank()) {
                    long v = Long.parseLong(dim.strip().replace("L", ""));
                    if (v < 0) {
                        invalid("negative dimension in shape");
                        return;
                    }
                    count = Math.multiplyExact(count, v);
                }
            }
            expected = Math.multiplyExact(count, itemsize);
        } catch (NumberFormatException | ArithmeticException e) {
            invalid("shape is not a tuple of integers");
            return;
        }
        state = State.DATA;
    }

    private static long itemsize(String kind, String digits) {
        long n = digits.isEmpty() ? -1 : Long.parseLong(digits);
        return switch (kind) {
            case "b", "i", "u", "f", "c", "V", "S", "m", "M" -> n < 0 && kind.equals("b") ? 1 : n;
            case "U" -> n < 0 ? -1 : n * 4;
            case "?" -> 1;
            default -> -1;
        };
    }

    public void finish() {
        switch (state) {
            case PREFIX, HEADER -> invalid("file ends inside the .npy header");
            case DATA -> {
                if (expected >= 0 && seen != expected) {
                    invalid("array data is " + seen + " bytes but the header describes " + expected);
                }
            }
            case PICKLE -> pickle.finish();
            default -> { }
        }
    }
}
