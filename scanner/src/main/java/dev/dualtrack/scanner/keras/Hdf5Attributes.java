package dev.dualtrack.scanner.keras;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads the string attributes of an HDF5 file's root group, and nothing else: the part of HDF5 a Keras model
 * keeps its config in. Written for this one question rather than taken from a general HDF5 library, because a
 * general reader allocates whatever length a hostile file declares (fuzzing jhdf found an out-of-memory in a
 * few hundred bytes), and a proxy cannot afford that. Here every read is bounded by the file's size and by
 * {@value #MAX_READ} bytes, every loop by a count, and continuation blocks are visited once.
 *
 * <p>Covers the layouts h5py and other writers use (HDF5 File Format Specification, version 3): superblock
 * versions 0 to 3, object header versions 1 and 2 with continuation blocks, attribute messages versions 1 to 3
 * in compact storage, fixed-length strings and variable-length strings in the global heap. Attributes kept in
 * dense storage (a fractal heap) are not read: a file that has them is reported, so the caller fails closed.
 */
final class Hdf5Attributes {
    static final int MAX_READ = 64 << 20;
    private static final int MAX_MESSAGES = 100_000;
    private static final int MAX_BLOCKS = 1_000;
    private static final int ATTRIBUTE = 0x0C;
    private static final int CONTINUATION = 0x10;
    private static final int ATTRIBUTE_INFO = 0x15;

    /** The file is not what the format allows, or uses what this reader does not read. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private final FileChannel ch;
    private final long size;
    private int offsetSize;
    private int lengthSize;
    private long base;
    private final Set<Long> visited = new HashSet<>();
    private int messages;
    private boolean denseAttributes;

    private Hdf5Attributes(FileChannel ch) throws IOException {
        this.ch = ch;
        this.size = ch.size();
    }

    /**
     * The root group's attributes named in {@code wanted} that are strings, as bytes. Throws {@link Malformed}
     * when the file cannot be read this far, or when the root group keeps attributes in dense storage.
     */
    static Map<String, byte[]> root(FileChannel ch, Set<String> wanted) throws IOException, Malformed {
        Hdf5Attributes r = new Hdf5Attributes(ch);
        long header = r.superblock();
        Map<String, byte[]> out = new LinkedHashMap<>();
        r.objectHeader(header, wanted, out);
        if (r.denseAttributes && out.size() < wanted.size()) {
            throw new Malformed("the root group keeps its attributes in dense storage, which is not read");
        }
        return out;
    }

    // ---- bounded reads ----------------------------------------------------------------------------------------

    private ByteBuffer read(long pos, long len) throws IOException, Malformed {
        if (pos < 0 || len < 0 || len > MAX_READ || pos > size - len) {
            throw new Malformed("a read of " + len + " bytes at " + pos + " is outside the " + size + "-byte file");
        }
        ByteBuffer b = ByteBuffer.allocate((int) len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new Malformed("the file ended early");
            }
        }
        return b.flip();
    }

    private static long unsigned(ByteBuffer b, int width) throws Malformed {
        if (b.remaining() < width) {
            throw new Malformed("a field runs past its structure");
        }
        long v = 0;
        for (int i = 0; i < width; i++) {
            v |= (long) (b.get() & 0xff) << (8 * i);
        }
        return v;
    }

    private long offset(ByteBuffer b) throws Malformed {
        return unsigned(b, offsetSize);
    }

    private boolean undefined(long address) {
        return offsetSize == 8 ? address == -1L : address == (1L << (8 * offsetSize)) - 1;
    }

    private static void skip(ByteBuffer b, int n) throws Malformed {
        if (n < 0 || b.remaining() < n) {
            throw new Malformed("a field runs past its structure");
        }
        b.position(b.position() + n);
    }

    // ---- superblock -------------------------------------------------------------------------------------------

    /** Reads the superblock at offset 0; returns the root group's object header address. */
    private long superblock() throws IOException, Malformed {
        ByteBuffer b = read(0, Math.min(size, 128));
        skip(b, 8); // signature, checked by the caller's sniffing
        int version = (int) unsigned(b, 1);
        long root;
        long eof;
        if (version == 0 || version == 1) {
            skip(b, 4);
            offsetSize = (int) unsigned(b, 1);
            lengthSize = (int) unsigned(b, 1);
            skip(b, 1 + 4 + 4 + (version == 1 ? 4 : 0));
            sizes();
            base = offset(b);
            offset(b); // free-space info
            eof = offset(b);
            offset(b); // driver info
            offset(b); // root entry: link name offset
            root = offset(b);
        } else if (version == 2 || version == 3) {
            offsetSize = (int) unsigned(b, 1);
            lengthSize = (int) unsigned(b, 1);
            skip(b, 1);
            sizes();
            base = offset(b);
            offset(b); // superblock extension
            eof = offset(b);
            root = offset(b);
        } else {
            throw new Malformed("superblock version " + version);
        }
        if (base != 0) {
            throw new Malformed("a base address of " + base + " (a user block) is not read");
        }
        if (eof > size) {
            throw new Malformed("the file is " + size + " bytes but its superblock says it ends at " + eof
                    + ": truncated");
        }
        return root;
    }

    private void sizes() throws Malformed {
        if (!(offsetSize == 2 || offsetSize == 4 || offsetSize == 8)
                || !(lengthSize == 2 || lengthSize == 4 || lengthSize == 8)) {
            throw new Malformed("offsets of " + offsetSize + " and lengths of " + lengthSize + " bytes");
        }
    }

    // ---- object headers ---------------------------------------------------------------------------------------

    private void objectHeader(long address, Set<String> wanted, Map<String, byte[]> out)
            throws IOException, Malformed {
        ByteBuffer sig = read(address, 4);
        if (sig.get(0) == 'O' && sig.get(1) == 'H' && sig.get(2) == 'D' && sig.get(3) == 'R') {
            ByteBuffer h = read(address, Math.min(size - address, 4 + 2 + 16 + 4 + 8));
            skip(h, 4);
            int version = (int) unsigned(h, 1);
            int flags = (int) unsigned(h, 1);
            if (version != 2) {
                throw new Malformed("object header version " + version);
            }
            if ((flags & 0x20) != 0) {
                skip(h, 16);
            }
            if ((flags & 0x10) != 0) {
                skip(h, 4);
            }
            long chunk = unsigned(h, 1 << (flags & 3));
            long start = address + h.position();
            block(start, chunk, 2, (flags & 0x04) != 0, wanted, out);
        } else {
            ByteBuffer h = read(address, 16);
            int version = (int) unsigned(h, 1);
            if (version != 1) {
                throw new Malformed("object header version " + version);
            }
            skip(h, 1 + 2 + 4);
            long headerSize = unsigned(h, 4);
            block(address + 16, headerSize, 1, false, wanted, out);
        }
    }

    /** One block of messages (the first chunk or a continuation), in object header version {@code v}. */
    private void block(long start, long length, int v, boolean creationOrder, Set<String> wanted,
            Map<String, byte[]> out) throws IOException, Malformed {
        if (!visited.add(start) || visited.size() > MAX_BLOCKS) {
            throw new Malformed("object header continuation blocks loop or exceed " + MAX_BLOCKS);
        }
        ByteBuffer b = read(start, length);
        int headerBytes = v == 1 ? 8 : 4 + (creationOrder ? 2 : 0);
        int tail = 0; // a v2 block's checksum follows the region given here
        while (b.remaining() - tail >= headerBytes) {
            if (++messages > MAX_MESSAGES) {
                throw new Malformed("more than " + MAX_MESSAGES + " object header messages");
            }
            int type;
            int msgSize;
            if (v == 1) {
                type = (int) unsigned(b, 2);
                msgSize = (int) unsigned(b, 2);
                skip(b, 4);
            } else {
                type = (int) unsigned(b, 1);
                msgSize = (int) unsigned(b, 2);
                skip(b, 1 + (creationOrder ? 2 : 0));
            }
            if (msgSize > b.remaining() - tail) {
                throw new Malformed("an object header message runs past its block");
            }
            ByteBuffer m = b.slice(b.position(), msgSize).order(ByteOrder.LITTLE_ENDIAN);
            skip(b, msgSize);
            switch (type) {
                case ATTRIBUTE -> attribute(m, wanted, out);
                case CONTINUATION -> {
                    long at = offset(m);
                    long len = unsigned(m, lengthSize);
                    if (v == 2) {
                        ByteBuffer s = read(at, 4);
                        if (s.get(0) != 'O' || s.get(1) != 'C' || s.get(2) != 'H' || s.get(3) != 'K') {
                            throw new Malformed("a continuation block without its OCHK signature");
                        }
                        block(at + 4, len - 8, 2, creationOrder, wanted, out); // OCHK, messages, checksum
                    } else {
                        block(at, len, 1, false, wanted, out);
                    }
                }
                case ATTRIBUTE_INFO -> {
                    skip(m, 1);
                    int flags = (int) unsigned(m, 1);
                    skip(m, (flags & 1) != 0 ? 2 : 0);
                    if (!undefined(offset(m))) {
                        denseAttributes = true;
                    }
                }
                default -> { }
            }
        }
    }

    // ---- attributes -------------------------------------------------------------------------------------------

    private void attribute(ByteBuffer m, Set<String> wanted, Map<String, byte[]> out) throws IOException, Malformed {
        int version = (int) unsigned(m, 1);
        skip(m, 1);
        int nameSize = (int) unsigned(m, 2);
        int typeSize = (int) unsigned(m, 2);
        int spaceSize = (int) unsigned(m, 2);
        if (version == 3) {
            skip(m, 1);
        } else if (version != 1 && version != 2) {
            throw new Malformed("attribute message version " + version);
        }
        int pad = version == 1 ? 8 : 1;
        byte[] rawName = new byte[nameSize];
        if (m.remaining() < nameSize) {
            throw new Malformed("an attribute name runs past its message");
        }
        m.get(rawName);
        skip(m, padding(nameSize, pad));
        int end = rawName.length;
        while (end > 0 && rawName[end - 1] == 0) {
            end--;
        }
        String name = new String(rawName, 0, end, java.nio.charset.StandardCharsets.UTF_8);
        if (!wanted.contains(name)) {
            return;
        }
        if (out.containsKey(name)) {
            // Which copy a loader reads is the HDF5 library's choice, not ours: judge neither, refuse the file.
            throw new Malformed("attribute " + name + " appears twice");
        }
        if (typeSize > m.remaining() || spaceSize > m.remaining() - typeSize) {
            throw new Malformed("attribute " + name + "'s datatype or dataspace runs past its message");
        }
        ByteBuffer type = m.slice(m.position(), typeSize).order(ByteOrder.LITTLE_ENDIAN);
        skip(m, typeSize + padding(typeSize, pad));
        ByteBuffer space = m.slice(m.position(), spaceSize).order(ByteOrder.LITTLE_ENDIAN);
        skip(m, spaceSize + padding(spaceSize, pad));
        long count = elements(space);
        int typeClass = (int) unsigned(type, 1) & 0x0f;
        int classBits = (int) unsigned(type, 1);
        skip(type, 2);
        long elementSize = unsigned(type, 4);
        if (count != 1) {
            throw new Malformed("attribute " + name + " holds " + count + " values, not one string");
        }
        if (typeClass == 3) {
            if (elementSize > m.remaining()) {
                throw new Malformed("attribute " + name + " runs past its message");
            }
            byte[] v = new byte[(int) elementSize];
            m.get(v);
            int n = v.length;
            while (n > 0 && v[n - 1] == 0) {
                n--;
            }
            out.put(name, java.util.Arrays.copyOf(v, n));
        } else if (typeClass == 9 && (classBits & 0x0f) == 1) {
            long length = unsigned(m, 4);
            long collection = offset(m);
            long index = unsigned(m, 4);
            out.put(name, globalHeapObject(collection, index, length));
        } else {
            throw new Malformed("attribute " + name + " is not a string (datatype class " + typeClass + ")");
        }
    }

    private static int padding(int n, int to) {
        return (to - n % to) % to;
    }

    private long elements(ByteBuffer space) throws Malformed {
        int version = (int) unsigned(space, 1);
        int rank = (int) unsigned(space, 1);
        int flags = (int) unsigned(space, 1);
        if (version == 1) {
            skip(space, 5);
        } else if (version == 2) {
            int kind = (int) unsigned(space, 1);
            if (kind == 0) {
                return 1;
            }
            if (kind == 2) {
                return 0;
            }
        } else {
            throw new Malformed("dataspace version " + version);
        }
        long count = 1;
        for (int i = 0; i < rank; i++) {
            long d = unsigned(space, lengthSize);
            count = d == 0 || count > Long.MAX_VALUE / d ? 0 : count * d;
        }
        if ((flags & 1) != 0) {
            skip(space, rank * lengthSize);
        }
        return count;
    }

    /** One object of a global heap collection ("GCOL"): a variable-length string's bytes. */
    private byte[] globalHeapObject(long collection, long index, long length) throws IOException, Malformed {
        ByteBuffer h = read(collection, 8 + lengthSize);
        if (h.get(0) != 'G' || h.get(1) != 'C' || h.get(2) != 'O' || h.get(3) != 'L') {
            throw new Malformed("a variable-length string points outside a global heap collection");
        }
        h.position(8);
        long collectionSize = unsigned(h, lengthSize);
        ByteBuffer c = read(collection, collectionSize);
        c.position(8 + lengthSize);
        for (int i = 0; i < MAX_MESSAGES && c.remaining() >= 8 + lengthSize; i++) {
            long objIndex = unsigned(c, 2);
            skip(c, 2 + 4);
            long objSize = unsigned(c, lengthSize);
            if (objIndex == 0) {
                break; // free space: the end of the objects
            }
            if (objSize > c.remaining()) {
                throw new Malformed("a global heap object runs past its collection");
            }
            if (objIndex == index) {
                if (length > objSize) {
                    throw new Malformed("a variable-length string longer than its heap object");
                }
                byte[] v = new byte[(int) length];
                c.get(v);
                return v;
            }
            skip(c, (int) (objSize + padding((int) objSize, 8)));
        }
        throw new Malformed("global heap object " + index + " not found");
    }
}
