package dev.dualtrack.scanner.zip;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/*
 * Design notes.
 *
 * A zip is read front to back as it streams: local header, entry data, optional data descriptor, next local
 * header … then the central directory and the end records. Each entry's uncompressed bytes go to an EntrySink
 * (a pickle scanner for data.pkl, nothing for tensor storages). At the end every central directory record is
 * checked against what was streamed. Loaders disagree about zips (PyTorch reads by the central directory and
 * ignores CRCs and flags; CPython's zipfile checks them), so anything on which two readers could differ is an
 * inconsistency and blocks: names, offsets, sizes, CRCs, flags, methods, duplicate names, gaps, bytes before the
 * first entry or after the end record.
 *
 * torch.save writes stored entries with sizes 0 in the local header and a data descriptor after the data
 * (the zip reader differences peers document), so the end of such an entry is found by searching for a descriptor whose CRC-32 and
 * sizes match the bytes seen so far and which is followed by another signature. A pickle can forge such a
 * descriptor; then the entry we scanned is shorter than the central directory says, the cross-check fails, and
 * because the relay holds everything from the central directory on (holdFrom), the client never gets it whole.
 *
 * We require the PK\x07\x08 signature on descriptors of stored entries (miniz, which torch uses, always writes
 * it); without it the end of a stored entry is unknowable, and the scan fails closed.
 */

/** Streams a zip archive, hands each entry's bytes to a sink, and cross-checks the central directory. */
public final class ZipScanner {
    private static final int LOCAL = 0x04034b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int DESCRIPTOR = 0x08074b50;
    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    /** Encrypted (0x1), compressed patched data (0x20), strong encryption (0x40), masked headers (0x2000). */
    private static final int FORBIDDEN_FLAGS = 0x1 | 0x20 | 0x40 | 0x2000;
    /**
     * The budget of what is kept per entry until the central directory is cross-checked (G6): a record of every
     * streamed entry and its name. A PyTorch checkpoint has one entry per storage (thousands at most); past these
     * bounds the zip is refused rather than held in memory.
     */
    static final int MAX_ENTRIES = 100_000;
    static final long MAX_NAME_BYTES = 16L << 20;
    private static final int MAX_CENTRAL_BYTES = 64 << 20;

    private enum State { SIGNATURE, LOCAL_HEADER, STORED, STORED_DESCRIPTOR_SEARCH, DEFLATED, DESCRIPTOR,
        CENTRAL, ZIP64_END, ZIP64_LOCATOR, END, DONE, FAILED }

    private final Function<String, EntrySink> sinks;
    private final String where;
    private final List<Finding> findings;

    private State state = State.SIGNATURE;
    private long offset;
    private long centralStart = -1;

    // header collection
    private byte[] buf = new byte[64];
    private int bufLen;
    private int bufNeed;

    // the entry being streamed
    private long entryOffset;
    private String entryName;
    private byte[] entryRawName;
    private int entryFlags;
    private int entryMethod;
    private long headerCrc;
    private long headerCsize;
    private long headerUsize;
    private boolean entryZip64;
    private final CRC32 crc = new CRC32();
    private long compressed;
    private long uncompressed;
    private long storedRemaining;
    private Inflater inflater;
    private final byte[] inflated = new byte[64 * 1024];
    private EntrySink sink;
    private final byte[] pending = new byte[28];
    private int pendingLen;

    private final List<ZipEntryRecord> streamed = new ArrayList<>();
    private final Map<Long, ZipEntryRecord> byOffset = new HashMap<>();
    private final Set<String> centralNames = new HashSet<>();
    private int centralCount;
    /** The length of every streamed entry's name, added up (bounded by {@link #MAX_NAME_BYTES}). */
    private long nameBytes;
    private long centralBytes;
    private long trailing;

    public ZipScanner(Function<String, EntrySink> sinks, String where, List<Finding> findings) {
        this.sinks = sinks;
        this.where = where;
        this.findings = findings;
    }

    /** The offset of the central directory once seen: the relay holds every byte from here to the verdict. */
    public long holdFrom() {
        return centralStart < 0 ? Long.MAX_VALUE : centralStart;
    }

    public boolean failed() {
        return state == State.FAILED;
    }

    /** Names of the entries streamed so far. */
    public List<String> entryNames() {
        return streamed.stream().map(ZipEntryRecord::name).toList();
    }

    private void inconsistent(String why) {
        if (state != State.FAILED) {
            findings.add(new Finding(ScanRules.ZIP_INCONSISTENT, Severity.MALFORMED, why + where));
        }
        state = State.FAILED;
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
    }

    /** Borrows the chunk: reads all of it during the call. */
    public void feed(ByteBuffer in) {
        while (in.hasRemaining() && state != State.FAILED) {
            switch (state) {
                case SIGNATURE, LOCAL_HEADER, CENTRAL, ZIP64_END, ZIP64_LOCATOR, END, DESCRIPTOR -> collect(in);
                case STORED -> stored(in);
                case STORED_DESCRIPTOR_SEARCH -> search(in);
                case DEFLATED -> deflated(in);
                case DONE -> {
                    // Counted to the end, so the finding does not depend on where chunks were cut.
                    trailing += in.remaining();
                    in.position(in.limit());
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        if (state == State.FAILED) {
            in.position(in.limit());
        }
    }

    public void finish() {
        if (state == State.FAILED) {
            return;
        }
        if (state != State.DONE) {
            inconsistent("archive ends " + (centralStart < 0 ? "before its central directory" : "inside its end records"));
            return;
        }
        if (trailing > 0) {
            inconsistent(trailing + " bytes follow the end of the central directory");
            return;
        }
        if (centralCount != streamed.size()) {
            inconsistent("central directory lists " + centralCount + " entries but " + streamed.size() + " were streamed");
        }
    }

    // ---- fixed-size records: collect bytes, then act ---------------------------------------------------------

    private void need(int n) {
        if (buf.length < n) {
            buf = Arrays.copyOf(buf, Math.max(n, buf.length * 2));
        }
        bufNeed = n;
    }

    private void collect(ByteBuffer in) {
        if (bufNeed == 0) {
            bufLen = 0;
            need(state == State.DESCRIPTOR ? 28 : 4);
        }
        int n = Math.min(bufNeed - bufLen, in.remaining());
        in.get(buf, bufLen, n);
        bufLen += n;
        offset += n;
        if (bufLen < bufNeed) {
            return;
        }
        switch (state) {
            case SIGNATURE -> onSignature();
            case LOCAL_HEADER -> onLocalHeader();
            case CENTRAL -> onCentral();
            case ZIP64_END -> onZip64End();
            case ZIP64_LOCATOR -> onZip64Locator();
            case END -> onEnd();
            case DESCRIPTOR -> onDescriptor();
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void onSignature() {
        int sig = le32(0);
        long at = offset - 4;
        bufNeed = 0;
        switch (sig) {
            case LOCAL -> {
                if (centralStart >= 0) {
                    inconsistent("a local header at offset " + at + " follows the central directory");
                    return;
                }
                entryOffset = at;
                state = State.LOCAL_HEADER;
                bufLen = 4;
                need(30);
            }
            case CENTRAL -> {
                if (centralStart < 0) {
                    centralStart = at;
                }
                state = State.CENTRAL;
                bufLen = 4;
                need(46);
            }
            case ZIP64_EOCD -> {
                state = State.ZIP64_END;
                bufLen = 4;
                need(56);
            }
            case ZIP64_LOCATOR -> {
                state = State.ZIP64_LOCATOR;
                bufLen = 4;
                need(20);
            }
            case EOCD -> {
                if (centralStart < 0) {
                    centralStart = at;
                }
                state = State.END;
                bufLen = 4;
                need(22);
            }
            default -> inconsistent(String.format("unexpected bytes %08x at offset %d (not a zip record)", sig, at));
        }
    }

    private void onLocalHeader() {
        if (bufNeed == 30) {
            int nameLen = le16(26);
            int extraLen = le16(28);
            need(30 + nameLen + extraLen);
            if (bufLen < bufNeed) {
                return;
            }
        }
        entryFlags = le16(6);
        entryMethod = le16(8);
        headerCrc = le32(14) & 0xffffffffL;
        headerCsize = le32(18) & 0xffffffffL;
        headerUsize = le32(22) & 0xffffffffL;
        int nameLen = le16(26);
        int extraLen = le16(28);
        entryRawName = Arrays.copyOfRange(buf, 30, 30 + nameLen);
        entryName = new String(entryRawName, (entryFlags & 0x800) != 0 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        bufNeed = 0;
        if ((entryFlags & FORBIDDEN_FLAGS) != 0) {
            inconsistent(String.format("entry '%s' has flags 0x%x (encrypted or patched): loaders disagree on it",
                    entryName, entryFlags));
            return;
        }
        if (entryMethod != 0 && entryMethod != 8) {
            inconsistent("entry '" + entryName + "' uses compression method " + entryMethod
                    + " (only stored and deflated are read)");
            return;
        }
        entryZip64 = false;
        if (headerCsize == 0xffffffffL || headerUsize == 0xffffffffL) {
            long[] z = zip64Extra(30 + nameLen, extraLen, headerUsize == 0xffffffffL, headerCsize == 0xffffffffL, false);
            if (z == null) {
                inconsistent("entry '" + entryName + "' needs a zip64 extra field and has none");
                return;
            }
            headerUsize = z[0];
            headerCsize = z[1];
            entryZip64 = true;
        }
        if (streamed.size() >= MAX_ENTRIES) {
            inconsistent("more than " + MAX_ENTRIES + " entries (the scanner's budget; a model zip has far fewer)");
            return;
        }
        nameBytes += entryName.length();
        if (nameBytes > MAX_NAME_BYTES) {
            inconsistent("entry names longer than " + (MAX_NAME_BYTES >> 20) + " MiB in all (the scanner's budget)");
            return;
        }
        crc.reset();
        compressed = 0;
        uncompressed = 0;
        sink = sinks.apply(entryName);
        boolean descriptor = (entryFlags & 0x8) != 0;
        if (entryMethod == 8) {
            inflater = new Inflater(true);
            state = State.DEFLATED;
        } else if (!descriptor) {
            if (headerCsize != headerUsize) {
                inconsistent("stored entry '" + entryName + "' has different compressed and uncompressed sizes");
                return;
            }
            storedRemaining = headerUsize;
            state = State.STORED;
            if (storedRemaining == 0) {
                endEntryData();
            }
        } else {
            pendingLen = 0;
            state = State.STORED_DESCRIPTOR_SEARCH;
        }
    }

    /** Reads a zip64 extra field: returns {size, compressedSize, localOffset} where present, else the inputs. */
    private long[] zip64Extra(int at, int len, boolean hasSize, boolean hasCsize, boolean hasOffset) {
        int p = at;
        int end = at + len;
        while (p + 4 <= end) {
            int id = le16(p);
            int size = le16(p + 2);
            if (p + 4 + size > end) {
                return null;
            }
            if (id == 0x0001) {
                long[] out = {-1, -1, -1};
                int q = p + 4;
                if (hasSize) {
                    if (q + 8 > p + 4 + size) {
                        return null;
                    }
                    out[0] = le64(q);
                    q += 8;
                }
                if (hasCsize) {
                    if (q + 8 > p + 4 + size) {
                        return null;
                    }
                    out[1] = le64(q);
                    q += 8;
                }
                if (hasOffset) {
                    if (q + 8 > p + 4 + size) {
                        return null;
                    }
                    out[2] = le64(q);
                }
                return out;
            }
            p += 4 + size;
        }
        return null;
    }

    // ---- entry data --------------------------------------------------------------------------------------------

    private void data(ByteBuffer b) {
        int n = b.remaining();
        if (n == 0) {
            return;
        }
        crc.update(b.duplicate());
        uncompressed += n;
        sink.feed(b);
    }

    private void stored(ByteBuffer in) {
        int n = (int) Math.min(storedRemaining, in.remaining());
        ByteBuffer slice = in.slice();
        slice.limit(n);
        data(slice);
        in.position(in.position() + n);
        offset += n;
        compressed += n;
        storedRemaining -= n;
        if (storedRemaining == 0) {
            endEntryData();
        }
    }

    private void search(ByteBuffer in) {
        while (in.hasRemaining() && state == State.STORED_DESCRIPTOR_SEARCH) {
            if (pendingLen > 0) {
                int n = Math.min(pending.length - pendingLen, in.remaining());
                in.get(pending, pendingLen, n);
                pendingLen += n;
                offset += n;
                if (pendingLen < pending.length) {
                    return;
                }
                int m = descriptorAt(pending, 0, pendingLen);
                byte[] rest;
                if (m > 0) {
                    rest = Arrays.copyOfRange(pending, m, pendingLen);
                    pendingLen = 0;
                    recordDescriptorEnd();
                } else {
                    commitData(pending, 0, 1);
                    rest = Arrays.copyOfRange(pending, 1, pendingLen);
                    pendingLen = 0;
                }
                // The held-back bytes are input again: account for them as not yet consumed.
                offset -= rest.length;
                feed(ByteBuffer.wrap(rest));
                continue;
            }
            int start = in.position();
            int limit = in.limit();
            int p = start;
            while (p < limit && in.get(p) != 'P') {
                p++;
            }
            if (p > start) {
                ByteBuffer run = in.slice();
                run.limit(p - start);
                commitData(run);
                in.position(p);
                offset += p - start;
            }
            if (p == limit) {
                return;
            }
            int avail = limit - p;
            if (avail < pending.length) {
                in.get(pending, 0, avail);
                pendingLen = avail;
                offset += avail;
                return;
            }
            byte[] window = new byte[pending.length];
            in.get(p, window);
            int m = descriptorAt(window, 0, window.length);
            if (m > 0) {
                in.position(p + m);
                offset += m;
                recordDescriptorEnd();
                return;
            }
            ByteBuffer one = in.slice();
            one.limit(1);
            commitData(one);
            in.position(p + 1);
            offset += 1;
        }
    }

    private void commitData(byte[] b, int off, int len) {
        commitData(ByteBuffer.wrap(b, off, len));
    }

    private void commitData(ByteBuffer b) {
        compressed += b.remaining();
        data(b);
    }

    /**
     * If {@code b[off..]} holds a data descriptor for the bytes streamed so far (signature, matching CRC and
     * sizes, then another record's signature), its length; else 0.
     */
    private int descriptorAt(byte[] b, int off, int avail) {
        if (avail < 20 || le32(b, off) != DESCRIPTOR || (le32(b, off + 4) & 0xffffffffL) != crc.getValue()) {
            return 0;
        }
        if ((le32(b, off + 8) & 0xffffffffL) == uncompressed && (le32(b, off + 12) & 0xffffffffL) == uncompressed
                && isRecordSignature(le32(b, off + 16))) {
            return 16;
        }
        if (avail >= 28 && le64(b, off + 8) == uncompressed && le64(b, off + 16) == uncompressed
                && isRecordSignature(le32(b, off + 24))) {
            return 24;
        }
        return 0;
    }

    private static boolean isRecordSignature(int sig) {
        return sig == LOCAL || sig == CENTRAL;
    }

    private void recordDescriptorEnd() {
        finishEntry(crc.getValue(), compressed, uncompressed);
    }

    private void deflated(ByteBuffer in) {
        int before = in.position();
        inflater.setInput(in);
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(inflated);
                if (n > 0) {
                    data(ByteBuffer.wrap(inflated, 0, n));
                } else if (inflater.needsInput() || inflater.needsDictionary()) {
                    break;
                }
            }
        } catch (DataFormatException e) {
            int consumed = in.position() - before;
            offset += consumed;
            inconsistent("entry '" + entryName + "' is not valid deflate data: " + e.getMessage());
            return;
        }
        int consumed = in.position() - before;
        offset += consumed;
        compressed += consumed;
        if (inflater.needsDictionary()) {
            inconsistent("entry '" + entryName + "' asks for a preset dictionary");
            return;
        }
        if (inflater.finished()) {
            inflater.end();
            inflater = null;
            endEntryData();
        }
    }

    /** The data of the entry ended (stored by size, or deflate finished); a descriptor may follow. */
    private void endEntryData() {
        if ((entryFlags & 0x8) != 0) {
            state = State.DESCRIPTOR;
            bufNeed = 0;
            return;
        }
        if (headerCrc != crc.getValue() || headerCsize != compressed || headerUsize != uncompressed) {
            inconsistent("entry '" + entryName + "' does not match its local header (CRC or sizes)");
            return;
        }
        finishEntry(headerCrc, compressed, uncompressed);
    }

    private void onDescriptor() {
        // Up to 28 bytes are collected; the descriptor may lack its signature here (the data's end is known).
        int[] starts = le32(0) == DESCRIPTOR ? new int[] {4, 0} : new int[] {0};
        for (int s : starts) {
            long c = le32(s) & 0xffffffffL;
            if (c != crc.getValue()) {
                continue;
            }
            if ((le32(s + 4) & 0xffffffffL) == compressed && (le32(s + 8) & 0xffffffffL) == uncompressed
                    && s + 16 <= bufLen && isRecordSignature(le32(s + 12))) {
                finishEntry(c, compressed, uncompressed);
                pushBack(s + 12);
                return;
            }
            if (s + 24 <= bufLen && le64(s + 4) == compressed && le64(s + 12) == uncompressed
                    && isRecordSignature(le32(s + 20))) {
                finishEntry(c, compressed, uncompressed);
                pushBack(s + 20);
                return;
            }
        }
        inconsistent("entry '" + entryName + "' has no data descriptor matching its CRC and sizes");
    }

    private void pushBack(int from) {
        byte[] rest = Arrays.copyOfRange(buf, from, bufLen);
        bufNeed = 0;
        offset -= rest.length;
        state = State.SIGNATURE;
        feed(ByteBuffer.wrap(rest));
    }

    private void finishEntry(long entryCrc, long csize, long usize) {
        ZipEntryRecord r = new ZipEntryRecord(entryName, entryRawName, entryOffset, entryFlags, entryMethod, entryCrc,
                csize, usize);
        streamed.add(r);
        byOffset.put(entryOffset, r);
        sink.finish();
        sink = null;
        if (state != State.FAILED) {
            state = State.SIGNATURE;
            bufNeed = 0;
        }
    }

    // ---- the central directory and end records ------------------------------------------------------------------

    private void onCentral() {
        if (bufNeed == 46) {
            need(46 + le16(28) + le16(30) + le16(32));
            if (bufLen < bufNeed) {
                return;
            }
        }
        centralBytes += bufLen;
        if (centralBytes > MAX_CENTRAL_BYTES) {
            inconsistent("central directory larger than " + MAX_CENTRAL_BYTES + " bytes");
            return;
        }
        int flags = le16(8);
        int method = le16(10);
        long c = le32(16) & 0xffffffffL;
        long csize = le32(20) & 0xffffffffL;
        long usize = le32(24) & 0xffffffffL;
        int nameLen = le16(28);
        int extraLen = le16(30);
        long localOffset = le32(42) & 0xffffffffL;
        byte[] rawName = Arrays.copyOfRange(buf, 46, 46 + nameLen);
        String name = new String(rawName, (flags & 0x800) != 0 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        if (usize == 0xffffffffL || csize == 0xffffffffL || localOffset == 0xffffffffL) {
            long[] z = zip64Extra(46 + nameLen, extraLen, usize == 0xffffffffL, csize == 0xffffffffL,
                    localOffset == 0xffffffffL);
            if (z == null) {
                inconsistent("central record of '" + name + "' needs a zip64 extra field");
                return;
            }
            usize = z[0] >= 0 ? z[0] : usize;
            csize = z[1] >= 0 ? z[1] : csize;
            localOffset = z[2] >= 0 ? z[2] : localOffset;
        }
        bufNeed = 0;
        state = State.SIGNATURE;
        centralCount++;
        if (!centralNames.add(name)) {
            inconsistent("entry name '" + name + "' appears twice: loaders may pick different ones");
            return;
        }
        ZipEntryRecord s = byOffset.get(localOffset);
        if (s == null) {
            inconsistent("central record of '" + name + "' points at offset " + localOffset
                    + ", where no entry was streamed");
            return;
        }
        List<String> diffs = new ArrayList<>();
        if (!Arrays.equals(s.rawName(), rawName)) {
            diffs.add("name (local '" + s.name() + "')");
        }
        if (s.crc() != c) {
            diffs.add("CRC-32");
        }
        if (s.compressedSize() != csize || s.size() != usize) {
            diffs.add("sizes (streamed " + s.compressedSize() + "/" + s.size() + ", listed " + csize + "/" + usize + ")");
        }
        if (s.method() != method) {
            diffs.add("method");
        }
        if ((flags & FORBIDDEN_FLAGS) != 0 || (s.flags() & ~0x8) != (flags & ~0x8)) {
            diffs.add(String.format("flags (local 0x%x, central 0x%x)", s.flags(), flags));
        }
        if (!diffs.isEmpty()) {
            inconsistent("central directory disagrees with the streamed entry '" + name + "': " + String.join(", ", diffs));
        }
    }

    private void onZip64End() {
        bufNeed = 0;
        state = State.SIGNATURE;
    }

    private void onZip64Locator() {
        bufNeed = 0;
        state = State.SIGNATURE;
    }

    private void onEnd() {
        if (bufNeed == 22) {
            need(22 + le16(20));
            if (bufLen < bufNeed) {
                return;
            }
        }
        int total = le16(10);
        long cdSize = le32(12) & 0xffffffffL;
        long cdOffset = le32(16) & 0xffffffffL;
        bufNeed = 0;
        state = State.DONE;
        if (le16(4) != 0 || le16(6) != 0) {
            inconsistent("multi-disk archives are not read");
            return;
        }
        if (total != 0xffff && total != centralCount) {
            inconsistent("end record counts " + total + " entries, the central directory has " + centralCount);
            return;
        }
        if (cdOffset != 0xffffffffL && centralCount > 0 && cdOffset != centralStart) {
            inconsistent("end record puts the central directory at " + cdOffset + ", it starts at " + centralStart);
            return;
        }
        if (cdSize != 0xffffffffL && centralCount > 0 && cdSize != centralBytes) {
            inconsistent("end record gives a central directory of " + cdSize + " bytes, it has " + centralBytes);
        }
    }

    // ---- little-endian helpers ------------------------------------------------------------------------------

    private int le16(int at) {
        return (buf[at] & 0xff) | (buf[at + 1] & 0xff) << 8;
    }

    private int le32(int at) {
        return le32(buf, at);
    }

    private long le64(int at) {
        return le64(buf, at);
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    private static long le64(byte[] b, int at) {
        return (le32(b, at) & 0xffffffffL) | ((long) le32(b, at + 4)) << 32;
    }
}
