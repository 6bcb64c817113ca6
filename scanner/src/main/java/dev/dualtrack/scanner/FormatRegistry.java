package dev.dualtrack.scanner;

import dev.dualtrack.scanner.gguf.GgufScanner;
import dev.dualtrack.scanner.keras.Hdf5Models;
import dev.dualtrack.scanner.numpy.NpyScanner;
import dev.dualtrack.scanner.pickle.TorchTarScanner;
import dev.dualtrack.scanner.safetensors.SafetensorsScanner;
import java.util.List;

/**
 * Every format {@link FileScanner} recognises by its first bytes, in the order they are tried: how each is
 * sniffed, and the scanner that reads it. Content that none of them claims is read as a speculative pickle (see
 * FileScanner's design notes). To add a format: its scanner in its own package, and one entry here.
 */
final class FormatRegistry {
    private FormatRegistry() {
    }

    /** Whether the first bytes ({@code length} of {@code head}, at most 512) are this format's. */
    @FunctionalInterface
    interface Sniff {
        boolean matches(byte[] head, int length);

        default Sniff or(Sniff other) {
            return (h, n) -> matches(h, n) || other.matches(h, n);
        }
    }

    /** Starts reading a file of this format, with what the scanner gives every format. */
    @FunctionalInterface
    interface Open {
        FileScanner.Body open(FileScanner.Opening scan);
    }

    record Entry(Format format, Sniff sniff, Open open) {
    }

    static final List<Entry> ENTRIES = List.of(
            new Entry(Format.ZIP, magic('P', 'K', 3, 4).or(magic('P', 'K', 5, 6)), FileScanner.Opening::zip),
            new Entry(Format.SEVEN_Z, magic('7', 'z', 0xbc, 0xaf, 0x27, 0x1c), s -> s.unsupported(Format.SEVEN_Z)),
            new Entry(Format.GZIP, magic(0x1f, 0x8b), s -> s.compressed(Format.GZIP, Decompressor.Kind.GZIP)),
            new Entry(Format.BZIP2, magic('B', 'Z', 'h'), s -> s.pulled(Format.BZIP2, in -> new org.apache.commons
                    .compress.compressors.bzip2.BZip2CompressorInputStream(in, true))),
            new Entry(Format.XZ, magic(0xfd, '7', 'z', 'X', 'Z', 0), s -> s.pulled(Format.XZ, in -> new org.apache
                    .commons.compress.compressors.xz.XZCompressorInputStream(in, true))),
            // The "alone" .lzma format (props 0x5d, dictionary size): joblib's compress=('lzma', n).
            new Entry(Format.LZMA, magic(0x5d, 0, 0), s -> s.pulled(Format.LZMA, in -> new org.apache.commons
                    .compress.compressors.lzma.LZMACompressorInputStream(in))),
            new Entry(Format.PYTORCH_LEGACY_TAR, TorchTarScanner::looksLikeTorchTar, s -> {
                TorchTarScanner tar = new TorchTarScanner(s.policy().imports(), s.policy().limits(), s.where(),
                        s.findings());
                return FileScanner.Body.of(tar::feed, () -> {
                    tar.finish();
                    if (tar.notATorchSave()) {
                        s.format(Format.TAR); // not pickle-based weights: enforce-safetensors has nothing to say
                    }
                });
            }),
            new Entry(Format.TAR, (h, n) -> n >= 262 && h[257] == 'u' && h[258] == 's' && h[259] == 't'
                    && h[260] == 'a' && h[261] == 'r', s -> s.unsupported(Format.TAR)),
            // A zlib stream at one of the four standard levels: joblib's compress=N.
            new Entry(Format.ZLIB, (h, n) -> n >= 2 && (h[0] & 0xff) == 0x78 && ((h[1] & 0xff) == 0x01
                    || (h[1] & 0xff) == 0x5e || (h[1] & 0xff) == 0x9c || (h[1] & 0xff) == 0xda),
                    s -> s.compressed(Format.ZLIB, Decompressor.Kind.ZLIB)),
            new Entry(Format.NUMPY, NpyScanner::hasMagic, s -> {
                NpyScanner npy = new NpyScanner(s.policy().imports(), s.policy().limits(), s.where(), s.findings());
                return FileScanner.Body.of(npy::feed, () -> {
                    npy.finish();
                    if (npy.isPickle()) {
                        s.format(Format.NUMPY_OBJECT);
                    }
                });
            }),
            new Entry(Format.HDF5, magic(0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'), s -> s.spooled(path ->
                    Hdf5Models.check(path, s.shownName(), s.where(), s.findings()))),
            new Entry(Format.GGUF, magic('G', 'G', 'U', 'F'), s -> {
                GgufScanner gguf = new GgufScanner(s.where(), s.findings());
                return FileScanner.Body.of(gguf::feed, gguf::finish);
            }),
            new Entry(Format.SAFETENSORS, FormatRegistry::looksLikeSafetensors, s -> {
                SafetensorsScanner st = new SafetensorsScanner(s.policy().maxSafetensorsHeader(), s.where(),
                        s.findings());
                return FileScanner.Body.of(st::feed, st::finish);
            }));

    /** The first entry that claims {@code head}, if any. */
    static java.util.Optional<Entry> sniff(byte[] head, int length) {
        for (Entry e : ENTRIES) {
            if (e.sniff().matches(head, length)) {
                return java.util.Optional.of(e);
            }
        }
        return java.util.Optional.empty();
    }

    private static Sniff magic(int... magic) {
        return (head, length) -> {
            if (length < magic.length) {
                return false;
            }
            for (int i = 0; i < magic.length; i++) {
                if ((head[i] & 0xff) != magic[i]) {
                    return false;
                }
            }
            return true;
        };
    }

    /** An 8-byte little-endian header length, then the header's opening brace. */
    private static boolean looksLikeSafetensors(byte[] head, int length) {
        if (length < 9 || head[8] != '{') {
            return false;
        }
        long len = 0;
        for (int i = 7; i >= 0; i--) {
            len = (len << 8) | (head[i] & 0xff);
        }
        return len > 0 && len < (1L << 40);
    }
}
