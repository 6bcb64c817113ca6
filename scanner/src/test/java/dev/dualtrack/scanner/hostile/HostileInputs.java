package dev.dualtrack.scanner.hostile;

import dev.dualtrack.scanner.FileScanner;
import dev.dualtrack.scanner.ScanPolicy;
import dev.dualtrack.scanner.ScanReport;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The worst case of each format for the scanner's memory, generated as a stream (never held whole) and fed to a
 * {@link FileScanner} in 64 KiB chunks. Run in its own JVM with a small heap by {@link HostileInputsTest}: it
 * prints one line per case, {@code case rule peakHeapMiB millis bytes}, or dies with an OutOfMemoryError.
 *
 * <pre>java -Xmx256m -cp ... dev.dualtrack.scanner.hostile.HostileInputs graphdef-1m zip-entries ...</pre>
 */
public final class HostileInputs {
    private HostileInputs() {
    }

    /** A generator writes the file, in order, to a sink of chunks. */
    interface Generator {
        void write(Consumer<byte[]> out);
    }

    static final Map<String, Generator> CASES = new java.util.LinkedHashMap<>();

    static {
        // A frozen GraphDef of a million nodes whose op names are 1 KiB each, then one PyFunc: about 1 GB.
        CASES.put("graphdef-1m", out -> {
            byte[] longOp = "O".repeat(1024).getBytes(StandardCharsets.US_ASCII);
            Chunker c = new Chunker(out);
            for (int i = 0; i < 1_000_000; i++) {
                c.write(field(1, node("n" + i, longOp)));
            }
            c.write(field(1, node("last", "PyFunc".getBytes(StandardCharsets.US_ASCII))));
            c.flush();
        });
        // A zip of 200,000 stored one-byte entries with 100-byte names.
        CASES.put("zip-entries", out -> {
            Chunker c = new Chunker(out);
            String pad = "p".repeat(90);
            for (int i = 0; i < 200_000; i++) {
                c.write(localStored(String.format("e%09d", i) + pad, new byte[] {1}));
            }
            c.flush();
        });
        // A zip whose entries have 60 KiB names.
        CASES.put("zip-long-names", out -> {
            Chunker c = new Chunker(out);
            for (int i = 0; i < 400; i++) {
                c.write(localStored(String.format("%05d", i) + "n".repeat(60_000), new byte[] {1}));
            }
            c.flush();
        });
        // A pickle that memoizes five million fresh empty lists.
        CASES.put("pickle-memo", out -> {
            Chunker c = new Chunker(out);
            c.write(new byte[] {(byte) 0x80, 4});
            byte[] one = {']', (byte) 0x94, '0'}; // EMPTY_LIST, MEMOIZE, POP
            for (int i = 0; i < 5_000_000; i++) {
                c.write(one);
            }
            c.write(new byte[] {'N', '.'});
            c.flush();
        });
        // A pickle that pushes a million items without ever popping them.
        CASES.put("pickle-stack", out -> {
            Chunker c = new Chunker(out);
            c.write(new byte[] {(byte) 0x80, 4});
            for (int i = 0; i < 1_000_000; i++) {
                c.write(new byte[] {']'});
            }
            c.write(new byte[] {'.'});
            c.flush();
        });
        // A pickle of a million nested MARKs.
        CASES.put("pickle-marks", out -> {
            Chunker c = new Chunker(out);
            c.write(new byte[] {(byte) 0x80, 4});
            for (int i = 0; i < 1_000_000; i++) {
                c.write(new byte[] {'('});
            }
            c.write(new byte[] {'.'});
            c.flush();
        });
        // A pickle whose strs are all distinct 200-character names, three million of them.
        CASES.put("pickle-names", out -> {
            Chunker c = new Chunker(out);
            c.write(new byte[] {(byte) 0x80, 4});
            String base = "m".repeat(190);
            for (int i = 0; i < 3_000_000; i++) {
                byte[] s = (base + String.format("%010d", i)).getBytes(StandardCharsets.US_ASCII);
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.write(0x8c); // SHORT_BINUNICODE
                b.write(s.length);
                b.writeBytes(s);
                b.write(0x94); // MEMOIZE
                b.write('0');
                c.write(b.toByteArray());
            }
            c.write(new byte[] {'N', '.'});
            c.flush();
        });
        // A GGUF file with ten million metadata strings under 64 KiB keys.
        CASES.put("gguf-metadata", out -> {
            Chunker c = new Chunker(out);
            long n = 200_000;
            ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            h.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(0).putLong(n);
            c.write(h.array());
            byte[] key = "k".repeat(4096).getBytes(StandardCharsets.US_ASCII);
            byte[] value = "v".repeat(4096).getBytes(StandardCharsets.US_ASCII);
            for (long i = 0; i < n; i++) {
                ByteBuffer kv = ByteBuffer.allocate(8 + key.length + 4 + 8 + value.length).order(ByteOrder.LITTLE_ENDIAN);
                kv.putLong(key.length).put(key).putInt(8).putLong(value.length).put(value);
                c.write(kv.array());
            }
            c.flush();
        });
        // A safetensors header of 16 MiB describing as many tiny tensors as fit.
        CASES.put("safetensors-header", out -> {
            StringBuilder json = new StringBuilder("{");
            int i = 0;
            while (json.length() < (16 << 20) - 200) {
                if (i > 0) {
                    json.append(',');
                }
                json.append("\"t").append(i).append("\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[")
                        .append(i).append(',').append(i + 1).append("]}");
                i++;
            }
            json.append('}');
            byte[] header = json.toString().getBytes(StandardCharsets.US_ASCII);
            Chunker c = new Chunker(out);
            c.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            c.write(header);
            c.write(new byte[i]);
            c.flush();
        });
    }

    public static void main(String[] args) {
        for (String name : args.length == 0 ? CASES.keySet().toArray(new String[0]) : args) {
            System.gc();
            ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
            long t0 = System.nanoTime();
            FileScanner scanner = new FileScanner(ScanPolicy.defaults(), name.startsWith("gguf") ? "model.gguf"
                    : name.startsWith("graphdef") ? "model.pb" : name.startsWith("zip") ? "model.zip"
                    : name.startsWith("safetensors") ? "model.safetensors" : "model.pkl");
            long[] bytes = {0};
            CASES.get(name).write(chunk -> {
                bytes[0] += chunk.length;
                scanner.feed(ByteBuffer.wrap(chunk));
            });
            ScanReport r = scanner.finish();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            System.out.printf("%s %s %d %d %d%n", name, r.blocked() ? r.verdict().rule() : "allow", peak >> 20, ms,
                    bytes[0]);
            System.out.flush();
        }
    }

    /** Collects small writes into 64 KiB chunks, as the network would deliver them. */
    static final class Chunker {
        private final Consumer<byte[]> out;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 16);

        Chunker(Consumer<byte[]> out) {
            this.out = out;
        }

        void write(byte[] b) {
            buf.writeBytes(b);
            if (buf.size() >= 1 << 16) {
                flush();
            }
        }

        void flush() {
            if (buf.size() > 0) {
                out.accept(buf.toByteArray());
                buf.reset();
            }
        }
    }

    static byte[] varint(long v) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while ((v & ~0x7fL) != 0) {
            b.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        b.write((int) v);
        return b.toByteArray();
    }

    static byte[] field(int number, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(varint(((long) number << 3) | 2));
        b.writeBytes(varint(payload.length));
        b.writeBytes(payload);
        return b.toByteArray();
    }

    static byte[] node(String name, byte[] op) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(field(1, name.getBytes(StandardCharsets.US_ASCII)));
        b.writeBytes(field(2, op));
        return b.toByteArray();
    }

    static byte[] localStored(String name, byte[] data) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(data);
        ByteBuffer b = ByteBuffer.allocate(30 + n.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putInt((int) crc.getValue()).putInt(data.length).putInt(data.length)
                .putShort((short) n.length).putShort((short) 0).put(n).put(data);
        return b.array();
    }
}
