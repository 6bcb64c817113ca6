package dev.dualtrack.scanner;

import dev.dualtrack.scanner.numpy.NpyScanner;
import dev.dualtrack.scanner.pickle.ImportPolicy;
import dev.dualtrack.scanner.pickle.PickleStream;
import dev.dualtrack.scanner.safetensors.SafetensorsScanner;
import dev.dualtrack.scanner.zip.EntrySink;
import dev.dualtrack.scanner.zip.ZipScanner;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/*
 * Design notes.
 *
 * The format is decided by content, never by name: the first 512 bytes are buffered (enough for tar's "ustar"
 * at 257) and matched against magic numbers. Content with no magic is scanned as a pickle speculatively, since
 * protocol 0 and 1 pickles have no magic (CVE-2025-10155's variant). The speculation settles at the end: a
 * stream that completed its pickles, that imported anything, or that began with PROTO is a pickle and its
 * findings stand (a broken pickle that imported os.system already ran it: nullifAI); anything else is not a
 * pickle (text, JSON, images) and passes, unless its name says it is model weights, which fails closed.
 *
 * The name is only ever used for that last decision, and for the report.
 */

/** Scans one file of any supported format, fed in chunks: the entry point for the proxy and the CLI. */
public final class FileScanner {
    private static final int SNIFF = 512;
    private static final Pattern WEIGHT_NAMES = Pattern.compile(
            ".*\\.(bin|pt|pth|ckpt|pkl|pickle|joblib|npy|npz|dat|data|model|mar|safetensors|h5|keras|gguf|pb)$");

    /** Names torch.onnx.export and Optimum give an ONNX model's external data. */
    private static final Pattern ONNX_EXTERNAL_DATA = Pattern.compile("(.*/)?[^/]*\\.onnx(\\.data|_data)(_\\d+)?$");

    private final ScanPolicy policy;
    private final String name;
    private final String where;
    /** The name the findings' details give the file: empty when they must not name it (the proxy's verdicts). */
    private final String shownName;
    private final List<Finding> findings;
    /** The read-only view {@link #findingsSoFar} hands out, made once (the relay asks after every chunk). */
    private final List<Finding> findingsView;
    private final byte[] head = new byte[SNIFF];
    private int headLen;
    private String format;
    private Body body;
    private long size;

    /** One format's scanner behind a common face. */
    private interface Body {
        void feed(ByteBuffer b);

        void finish();

        default long holdFrom() {
            return Long.MAX_VALUE;
        }

        /** Releases what an abandoned scan holds (a decoder thread). */
        default void close() {
        }

        static Body of(java.util.function.Consumer<ByteBuffer> feed, Runnable finish) {
            return new Body() {
                @Override
                public void feed(ByteBuffer b) {
                    feed.accept(b);
                }

                @Override
                public void finish() {
                    finish.run();
                }
            };
        }
    }

    /** Ends a scan that will not be finished (the download was abandoned). Idempotent. */
    public void close() {
        if (body != null) {
            body.close();
        }
    }

    /** How many compression layers this scanner is inside; one is opened, a second is refused. */
    private final int depth;

    public FileScanner(ScanPolicy policy, String name) {
        this(policy, name, 0, true);
    }

    /**
     * A scanner whose findings do not name the file: the proxy keeps a verdict under the hash of the bytes, and
     * the same bytes may be asked for under another name, in another repo. {@code name} still decides what only a
     * name can (whether content of no known format was meant to be model weights).
     */
    public static FileScanner unnamed(ScanPolicy policy, String name) {
        return new FileScanner(policy, name, 0, false);
    }

    private FileScanner(ScanPolicy policy, String name, int depth, boolean nameInDetails) {
        this(policy, name, depth, nameInDetails ? (name == null ? "" : name) : "");
    }

    /** @param shownName what the findings call the file ("" for none) */
    private FileScanner(ScanPolicy policy, String name, int depth, String shownName) {
        this.depth = depth;
        this.policy = policy;
        this.name = name == null ? "" : name;
        this.shownName = shownName;
        this.where = this.shownName.isEmpty() ? "" : " in " + this.shownName;
        this.findings = new FindingList(policy.limits().maxFindings());
        this.findingsView = java.util.Collections.unmodifiableList(findings);
    }

    /** Every finding so far, in order (a live, read-only view; the list only grows). */
    public List<Finding> findingsSoFar() {
        return findingsView;
    }

    /** Borrows {@code chunk}: reads it all during the call, keeps nothing. */
    public void feed(ByteBuffer chunk) {
        size += chunk.remaining();
        if (body == null) {
            int n = Math.min(SNIFF - headLen, chunk.remaining());
            chunk.get(head, headLen, n);
            headLen += n;
            if (headLen < SNIFF) {
                return;
            }
            start();
        }
        body.feed(chunk);
    }

    /** Bytes from this offset on must be held until the verdict (a zip's central directory). */
    public long holdFrom() {
        return body == null ? Long.MAX_VALUE : body.holdFrom();
    }

    /** True as soon as a finding that blocks exists: the proxy can refuse before the end. */
    public boolean blocking() {
        return findings.stream().anyMatch(ScanReport::blocksByDefault);
    }

    public ScanReport finish() {
        if (body == null) {
            start();
        }
        body.finish();
        if (policy.enforceSafetensors() && isPickleBased(format)) {
            findings.add(new Finding(ScanRules.ENFORCE_SAFETENSORS, Severity.UNKNOWN, "pickle-based weights ("
                    + format + ") are not accepted under enforce-safetensors; convert to safetensors" + where));
        }
        return new ScanReport(format, findings);
    }

    private static boolean isPickleBased(String format) {
        String inner = format.contains("+") ? format.substring(format.indexOf('+') + 1) : format;
        return switch (inner) {
            case "pickle", "pytorch-zip", "pytorch-legacy", "pytorch-legacy-tar", "torchscript", "numpy-object",
                    "joblib" -> true;
            default -> false;
        };
    }

    private void start() {
        ByteBuffer sniffed = ByteBuffer.wrap(head, 0, headLen);
        body = choose();
        body.feed(sniffed);
    }

    private boolean startsWith(int... magic) {
        if (headLen < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((head[i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private Body choose() {
        if (startsWith('P', 'K', 3, 4) || startsWith('P', 'K', 5, 6)) {
            format = "zip";
            return new ZipBody();
        }
        if (startsWith('7', 'z', 0xbc, 0xaf, 0x27, 0x1c)) {
            return unsupported("7z");
        }
        if (startsWith(0x1f, 0x8b)) {
            return compressed("gzip", Decompressor.Kind.GZIP);
        }
        if (startsWith('B', 'Z', 'h')) {
            return pulled("bzip2", in -> new org.apache.commons.compress.compressors.bzip2
                    .BZip2CompressorInputStream(in, true));
        }
        if (startsWith(0xfd, '7', 'z', 'X', 'Z', 0)) {
            return pulled("xz", in -> new org.apache.commons.compress.compressors.xz.XZCompressorInputStream(in, true));
        }
        if (startsWith(0x5d, 0, 0)) {
            // The "alone" .lzma format (props 0x5d, dictionary size): joblib's compress=('lzma', n).
            return pulled("lzma", in -> new org.apache.commons.compress.compressors.lzma.LZMACompressorInputStream(in));
        }
        if (dev.dualtrack.scanner.pickle.TorchTarScanner.looksLikeTorchTar(head, headLen)) {
            format = "pytorch-legacy-tar";
            var tar = new dev.dualtrack.scanner.pickle.TorchTarScanner(policy.imports(), policy.limits(), where,
                    findings);
            return Body.of(tar::feed, () -> {
                tar.finish();
                if (tar.notATorchSave()) {
                    format = "tar"; // not pickle-based weights: enforce-safetensors has nothing to say about it
                }
            });
        }
        if (headLen >= 262 && head[257] == 'u' && head[258] == 's' && head[259] == 't' && head[260] == 'a'
                && head[261] == 'r') {
            return unsupported("tar");
        }
        if (headLen >= 2 && (head[0] & 0xff) == 0x78 && ((head[1] & 0xff) == 0x01 || (head[1] & 0xff) == 0x5e
                || (head[1] & 0xff) == 0x9c || (head[1] & 0xff) == 0xda)) {
            // A zlib stream at one of the four standard levels: joblib's compress=N.
            return compressed("zlib", Decompressor.Kind.ZLIB);
        }
        if (NpyScanner.hasMagic(head, headLen)) {
            format = "numpy";
            NpyScanner npy = new NpyScanner(policy.imports(), policy.limits(), where, findings);
            return Body.of(npy::feed, () -> {
                npy.finish();
                if (npy.isPickle()) {
                    format = "numpy-object";
                }
            });
        }
        if (startsWith(0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n')) {
            format = "hdf5";
            return new Spooled(path -> dev.dualtrack.scanner.keras.Hdf5Models.check(path, shownName, where, findings));
        }
        if (startsWith('G', 'G', 'U', 'F')) {
            format = "gguf";
            dev.dualtrack.scanner.gguf.GgufScanner gguf = new dev.dualtrack.scanner.gguf.GgufScanner(where, findings);
            return Body.of(gguf::feed, gguf::finish);
        }
        if (looksLikeSafetensors()) {
            format = "safetensors";
            SafetensorsScanner st = new SafetensorsScanner(policy.maxSafetensorsHeader(), where, findings);
            return Body.of(st::feed, st::finish);
        }
        return new SpeculativePickle();
    }

    private boolean looksLikeSafetensors() {
        if (headLen < 9 || head[8] != '{') {
            return false;
        }
        long len = 0;
        for (int i = 7; i >= 0; i--) {
            len = (len << 8) | (head[i] & 0xff);
        }
        return len > 0 && len < (1L << 40);
    }

    /**
     * A compressed file: its content is scanned as a file of its own, and reported as "gzip+pickle" etc. One
     * layer is opened; compression inside compression is refused.
     */
    private Body decompressing(String what, java.util.function.Function<java.util.function.Consumer<ByteBuffer>,
            Decoder> decoderFor) {
        if (depth > 0) {
            return unsupported(what + " inside compressed data");
        }
        FileScanner inner = new FileScanner(policy, name, depth + 1, !shownName.isEmpty());
        Decoder d = decoderFor.apply(inner::feed);
        format = what;
        return new Body() {
            @Override
            public void feed(ByteBuffer b) {
                d.feed(b);
            }

            @Override
            public void finish() {
                d.finish();
                ScanReport r = inner.finish();
                format = what + "+" + r.format();
                findings.addAll(r.findings());
                if (d.error() != null) {
                    findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, what + ": "
                            + d.error() + where));
                }
            }

            @Override
            public void close() {
                d.close();
            }
        };
    }

    private Body compressed(String what, Decompressor.Kind kind) {
        return decompressing(what, out -> new Decompressor(kind, out));
    }

    /** For decoders that pull (bzip2, xz, lzma). */
    private Body pulled(String what, PulledDecompressor.Opener opener) {
        return decompressing(what, out -> new PulledDecompressor(opener, out));
    }

    /**
     * A format that needs random access (HDF5): the bytes are spooled to a temporary file as they stream and
     * judged at the end. The relay holds the tail until that verdict (G1), so a client never has the whole file
     * before it is judged. The spool lives only while the scan does; a file we cannot spool is refused.
     */
    private final class Spooled implements Body {
        private final java.util.function.Consumer<java.nio.file.Path> judge;
        private java.nio.file.Path file;
        private java.nio.channels.FileChannel out;
        private String error;

        Spooled(java.util.function.Consumer<java.nio.file.Path> judge) {
            this.judge = judge;
            try {
                file = java.nio.file.Files.createTempFile(policy.spoolDir(), "dualtrack-scan-", ".spool");
                out = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE);
            } catch (java.io.IOException | RuntimeException e) {
                error = e.toString();
            }
        }

        @Override
        public void feed(ByteBuffer b) {
            if (error != null) {
                b.position(b.limit());
                return;
            }
            try {
                while (b.hasRemaining()) {
                    out.write(b);
                }
            } catch (java.io.IOException e) {
                error = e.toString();
            }
        }

        @Override
        public void finish() {
            try {
                if (error == null) {
                    out.close();
                    judge.accept(file);
                }
            } catch (java.io.IOException e) {
                error = e.toString();
            } finally {
                close();
            }
            if (error != null) {
                findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, format + " needs the "
                        + "whole file to be read, and it could not be spooled (" + error + ")" + where));
            }
        }

        @Override
        public void close() {
            try {
                if (out != null) {
                    out.close();
                }
                if (file != null) {
                    java.nio.file.Files.deleteIfExists(file);
                }
            } catch (java.io.IOException e) {
                // A leftover spool file in the temp folder is all this can cost.
            }
        }
    }

    private Body unsupported(String what) {
        format = what;
        findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, what
                + " containers are not opened by dualtrack, so what is inside cannot be checked" + where));
        return skip();
    }

    private static Body skip() {
        return Body.of(b -> b.position(b.limit()), () -> { });
    }

    /**
     * Content without magic: a pickle if it behaves like one (see the design notes), else a protobuf model if one
     * of the known message types holds over every byte (ONNX, TF SavedModel or GraphDef, SentencePiece).
     */
    private final class SpeculativePickle implements Body {
        private final List<Finding> own = new ArrayList<>();
        private final PickleStream stream = new PickleStream(policy.imports(), policy.limits(), where, own);
        private final boolean proto = headLen >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 0 && head[1] <= 5;
        private final dev.dualtrack.scanner.protobuf.ProtobufScanner protobuf =
                new dev.dualtrack.scanner.protobuf.ProtobufScanner();

        @Override
        public void feed(ByteBuffer b) {
            if (protobuf.alive()) {
                protobuf.feed(b.duplicate());
            }
            stream.feed(b);
            if (stream.imports() > 0 || proto) {
                publish();
            }
        }

        private void publish() {
            for (Finding f : own) {
                if (!findings.contains(f)) {
                    findings.add(f);
                }
            }
        }

        @Override
        public void finish() {
            stream.finish();
            boolean pickle = proto || stream.imports() > 0 || (!stream.failed() && stream.completedPickles() > 0);
            if (pickle) {
                format = stream.legacyTorch() ? "pytorch-legacy" : stream.joblib() ? "joblib" : "pickle";
                publish();
                return;
            }
            java.util.Optional<String> pb = protobuf.finish(where, findings);
            if (pb.isPresent()) {
                format = pb.get();
                return;
            }
            format = "other";
            String lower = name.toLowerCase(Locale.ROOT);
            if (ONNX_EXTERNAL_DATA.matcher(lower).matches()) {
                // Raw tensor bytes a sibling .onnx names in external_data.location: onnxruntime reads them as
                // numbers. They are neither a pickle nor any container (both were ruled out above).
                format = "onnx-external-data";
                return;
            }
            if (WEIGHT_NAMES.matcher(lower).matches() && size > 0) {
                findings.add(new Finding(ScanRules.UNRECOGNIZED_WEIGHTS, Severity.MALFORMED, "named like model "
                        + "weights, but its content is no format dualtrack knows" + where));
            }
        }
    }

    /** A zip: PyTorch checkpoint, TorchScript archive, .npz, Keras v3, or any other. */
    private final class ZipBody implements Body {
        private final ZipScanner zip = new ZipScanner(this::sinkFor, where, findings);
        /** The root config.json, kept (bounded) in case this zip turns out to be a Keras v3 model. */
        private java.io.ByteArrayOutputStream kerasConfig;
        private boolean kerasConfigTooLarge;

        @Override
        public void feed(ByteBuffer b) {
            zip.feed(b);
        }

        @Override
        public long holdFrom() {
            return zip.holdFrom();
        }

        private EntrySink sinkFor(String entry) {
            String lower = entry.toLowerCase(Locale.ROOT);
            String inEntry = " in " + (shownName.isEmpty() ? "" : shownName + "!") + entry;
            if (entry.equals("config.json")) {
                kerasConfig = new java.io.ByteArrayOutputStream();
                return new EntrySink() {
                    @Override
                    public void feed(ByteBuffer data) {
                        if (kerasConfig.size() + data.remaining() > 16 << 20) {
                            kerasConfigTooLarge = true;
                            data.position(data.limit());
                            return;
                        }
                        byte[] b = new byte[data.remaining()];
                        data.get(b);
                        kerasConfig.writeBytes(b);
                    }

                    @Override
                    public void finish() {
                    }
                };
            }
            if (lower.endsWith(".pkl") || lower.endsWith(".pickle")) {
                PickleStream s = new PickleStream(policy.imports(), policy.limits(), inEntry, findings);
                return new EntrySink() {
                    @Override
                    public void feed(ByteBuffer data) {
                        s.feed(data);
                    }

                    @Override
                    public void finish() {
                        s.finish();
                    }
                };
            }
            return new SniffedEntry(entry, inEntry);
        }

        @Override
        public void finish() {
            zip.finish();
            List<String> names = zip.entryNames();
            boolean torchscript = names.stream().anyMatch(n -> n.endsWith("constants.pkl") || n.contains("/code/"));
            if (torchscript) {
                format = "torchscript";
                if (!policy.allowTorchScript()) {
                    findings.add(new Finding(ScanRules.TORCHSCRIPT, Severity.UNKNOWN, "TorchScript archive: it carries "
                            + "executable TorchScript code, and torch.load hands it to torch.jit.load (CVE-2025-32434)"
                            + where));
                }
            } else if (names.stream().anyMatch(n -> n.endsWith("data.pkl"))) {
                format = "pytorch-zip";
            } else if (!names.isEmpty() && names.stream().allMatch(n -> n.endsWith(".npy"))) {
                format = "numpy-zip";
            } else if (names.contains("config.json") && names.contains("metadata.json")) {
                format = "keras";
                if (kerasConfigTooLarge) {
                    findings.add(new Finding(ScanRules.KERAS_CODE, Severity.MALFORMED,
                            "Keras config.json is larger than 16 MiB" + where));
                } else if (kerasConfig != null) {
                    dev.dualtrack.scanner.keras.KerasConfigCheck.check(kerasConfig.toByteArray(),
                            " in " + (shownName.isEmpty() ? "" : shownName + "!") + "config.json", findings);
                }
            }
        }
    }

    /**
     * A zip entry whose name says nothing: .npy if its magic says so, a whole zip of its own (a torch.save
     * checkpoint stored as an entry of a torch.export .pt2 archive: torch.load opens it) scanned as a file, else a
     * pickle if it parses as one (binary or text, see {@link #decide}), else raw data.
     */
    private final class SniffedEntry implements EntrySink {
        private final String inEntry;
        private final String entry;
        private final byte[] first = new byte[6];
        private int firstLen;
        private PickleStream pickle;
        private final List<Finding> own = new ArrayList<>();
        private NpyScanner npy;
        private FileScanner nested;
        private boolean raw;

        SniffedEntry(String entry, String inEntry) {
            this.entry = entry;
            this.inEntry = inEntry;
        }

        @Override
        public void feed(ByteBuffer data) {
            if (raw) {
                return;
            }
            if (pickle == null && npy == null && nested == null) {
                int n = Math.min(first.length - firstLen, data.remaining());
                data.get(first, firstLen, n);
                firstLen += n;
                if (firstLen < first.length) {
                    return;
                }
                decide();
                if (raw) {
                    return;
                }
            }
            if (pickle != null) {
                pickle.feed(data);
            } else if (nested != null) {
                nested.feed(data);
            } else {
                npy.feed(data);
            }
        }

        private void decide() {
            if (firstLen >= 4 && first[0] == 'P' && first[1] == 'K' && first[2] == 3 && first[3] == 4) {
                if (depth > 0) {
                    findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, "a zip inside a zip "
                            + "inside another container is not opened by dualtrack, so what is inside cannot be "
                            + "checked" + inEntry));
                    raw = true;
                    return;
                }
                nested = new FileScanner(policy, entry, depth + 1, (shownName.isEmpty() ? "" : shownName + "!")
                        + entry);
                nested.feed(ByteBuffer.wrap(first, 0, firstLen));
            } else if (NpyScanner.hasMagic(first, firstLen)) {
                npy = new NpyScanner(policy.imports(), policy.limits(), inEntry, findings);
                npy.feed(ByteBuffer.wrap(first, 0, firstLen));
            } else if (firstLen > 0) {
                // A pickle whatever the entry's name: binary ones begin with PROTO, text ones (protocols 0 and 1)
                // have no magic at all. Tensor bytes fail to parse within a few opcodes and count for nothing.
                pickle = new PickleStream(policy.imports(), policy.limits(), inEntry, own);
                pickle.feed(ByteBuffer.wrap(first, 0, firstLen));
            } else {
                raw = true;
            }
        }

        @Override
        public void finish() {
            if (pickle == null && npy == null && nested == null && !raw) {
                decide();
            }
            if (nested != null) {
                ScanReport r = nested.finish();
                findings.addAll(r.findings());
            } else if (npy != null) {
                npy.finish();
            } else if (pickle != null) {
                pickle.finish();
                // Tensor bytes may begin like PROTO: only a stream that imports, or parses cleanly, is a pickle.
                if (pickle.imports() > 0 || (!pickle.failed() && pickle.completedPickles() > 0)) {
                    findings.addAll(own);
                }
            }
        }
    }

    /** The import policy in force (for reports). */
    public ImportPolicy imports() {
        return policy.imports();
    }
}
