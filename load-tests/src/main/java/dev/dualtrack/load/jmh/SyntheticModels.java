package dev.dualtrack.load.jmh;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * Benign model files of a chosen size, built in memory for benchmarks: a protocol 4 pickle of named float
 * arrays (what {@code pickle.dump} of a dict of numpy arrays looks like to the scanner: few opcodes, large
 * BINBYTES8 payloads), and a PyTorch zip checkpoint laid out exactly as {@code torch.save} writes it (stored
 * entries, sizes in data descriptors, a {@code data.pkl} of {@code _rebuild_tensor_v2} calls).
 */
public final class SyntheticModels {
    private SyntheticModels() {
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i += 8) {
            long v = r.nextLong();
            for (int j = 0; j < 8 && i + j < n; j++) {
                b[i + j] = (byte) (v >>> (8 * j));
            }
        }
        return b;
    }

    private static void unicode(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(0x8c);
        out.write(b.length);
        out.writeBytes(b);
    }

    /** {@code arrays} entries of {@code arrayBytes} each: about arrays × arrayBytes bytes in all. */
    public static byte[] picklePayload(int arrays, int arrayBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(arrays * (arrayBytes + 64) + 64);
        out.write(0x80);
        out.write(4);
        unicode(out, "collections");
        unicode(out, "OrderedDict");
        out.write(0x93);
        out.write(')');
        out.write('R');
        out.write('(');
        byte[] data = random(arrayBytes, 7);
        for (int i = 0; i < arrays; i++) {
            unicode(out, "layer." + i + ".weight");
            out.write(0x8e);
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(arrayBytes).array());
            out.writeBytes(data);
        }
        out.write('u');
        out.write('.');
        return out.toByteArray();
    }

    /**
     * An opcode-dense pickle as {@code pickle.dumps([(i, float(i), 'item%d' % i) for i in range(n)], protocol=4)}
     * writes it: about 28 bytes and 6 opcodes per item, memoised, in 64 KiB frames.
     */
    public static byte[] densePickle(int items) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(items * 32);
        ByteArrayOutputStream out = new ByteArrayOutputStream(items * 32 + 1024);
        out.write(0x80);
        out.write(4);
        body.write(']');
        body.write(0x94);
        int memo = 1;
        for (int i = 0; i < items; i++) {
            if (i % 1000 == 0) {
                body.write('(');
            }
            body.write('J');
            body.writeBytes(le32(i));
            body.write('G');
            body.writeBytes(ByteBuffer.allocate(8).putDouble(i).array());
            unicode(body, "item" + i);
            body.write(0x94);
            body.write(0x87);
            body.write(0x94);
            memo += 2;
            if (i % 1000 == 999 || i == items - 1) {
                body.write('e');
            }
            if (body.size() >= 64 * 1024) {
                frame(out, body);
            }
        }
        body.write('.');
        frame(out, body);
        return out.toByteArray();
    }

    private static void frame(ByteArrayOutputStream out, ByteArrayOutputStream body) {
        out.write(0x95);
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(body.size()).array());
        out.writeBytes(body.toByteArray());
        body.reset();
    }

    /** A torch.save-style zip of {@code tensors} float storages of {@code tensorBytes} each. */
    public static byte[] torchZip(int tensors, int tensorBytes) {
        ByteArrayOutputStream pkl = new ByteArrayOutputStream();
        pkl.write(0x80);
        pkl.write(2);
        pkl.writeBytes("ccollections\nOrderedDict\nq\u0000)Rq\u0001(".getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < tensors; i++) {
            String key = "layer." + i + ".weight";
            pkl.write('X');
            pkl.writeBytes(le32(key.length()));
            pkl.writeBytes(key.getBytes(StandardCharsets.UTF_8));
            pkl.writeBytes("ctorch._utils\n_rebuild_tensor_v2\n((X\u0007\u0000\u0000\u0000storagectorch\nFloatStorage\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            String sk = Integer.toString(i);
            pkl.write('X');
            pkl.writeBytes(le32(sk.length()));
            pkl.writeBytes(sk.getBytes(StandardCharsets.ISO_8859_1));
            pkl.writeBytes("X\u0003\u0000\u0000\u0000cpuJ".getBytes(StandardCharsets.ISO_8859_1));
            pkl.writeBytes(le32(tensorBytes / 4));
            pkl.writeBytes("tQK\u0000J".getBytes(StandardCharsets.ISO_8859_1));
            pkl.writeBytes(le32(tensorBytes / 4));
            pkl.writeBytes("\u0085K\u0001\u0085\u0089ccollections\nOrderedDict\n)RtR".getBytes(StandardCharsets.ISO_8859_1));
        }
        pkl.writeBytes("u.".getBytes(StandardCharsets.ISO_8859_1));

        ZipBuilder zip = new ZipBuilder();
        zip.entry("model/data.pkl", pkl.toByteArray());
        byte[] data = random(tensorBytes, 11);
        for (int i = 0; i < tensors; i++) {
            zip.entry("model/data/" + i, data);
        }
        zip.entry("model/version", "3\n".getBytes(StandardCharsets.ISO_8859_1));
        return zip.finish();
    }

    static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    /** Stored entries with flags 0x808, zero sizes in the local header and a signed data descriptor. */
    static final class ZipBuilder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream central = new ByteArrayOutputStream();
        private int count;

        void entry(String name, byte[] content) {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            CRC32 crc = new CRC32();
            crc.update(content);
            int offset = out.size();
            ByteBuffer h = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0x04034b50).putShort((short) 20).putShort((short) 0x808).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0).putInt(0).putInt(0)
                    .putShort((short) n.length).putShort((short) 0);
            out.writeBytes(h.array());
            out.writeBytes(n);
            out.writeBytes(content);
            ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            d.putInt(0x08074b50).putInt((int) crc.getValue()).putInt(content.length).putInt(content.length);
            out.writeBytes(d.array());
            ByteBuffer c = ByteBuffer.allocate(46).order(ByteOrder.LITTLE_ENDIAN);
            c.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0x808).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt((int) crc.getValue()).putInt(content.length)
                    .putInt(content.length).putShort((short) n.length).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0).putInt(offset);
            central.writeBytes(c.array());
            central.writeBytes(n);
            count++;
        }

        byte[] finish() {
            int cdOffset = out.size();
            out.writeBytes(central.toByteArray());
            ByteBuffer e = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
            e.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) count)
                    .putShort((short) count).putInt(central.size()).putInt(cdOffset).putShort((short) 0);
            out.writeBytes(e.array());
            return out.toByteArray();
        }
    }
}
