package dev.dualtrack.scanner;

import dev.dualtrack.scanner.numpy.NpyScanner;
import dev.dualtrack.scanner.pickle.ImportPolicy;
import dev.dualtrack.scanner.pickle.PickleStream;
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
    /** What the file is: the innermost format, and the label reports print ({@code gzip+pickle}). */
    private Format kind;
    private String format;
    private Body body;
    private long size;

    /** One format's scanner behind a common face. */
    interface Body {
        void feed(ByteBuffer b);

        void finish();

        default long holdFrom() {
            return Long.MAX_VALUE;
        }

        /** Releases what an abandoned scan holds (a decoder thread). */
        default void close() {
        }

        /** Whether {@link #finish} reads a spooled copy of the file from disk. */
        default boolean readsFiles() {
            return false;
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

    /**
     * Whether {@link #finish} reads files (a format judged from a spooled copy, such as HDF5), so a caller on an
     * event loop calls it elsewhere. Known once the first bytes were fed.
     */
    public boolean finishReadsFiles() {
        return body != null ? body.readsFiles() : headLen > 0 && FormatRegistry.sniff(head, headLen)
                .filter(e -> e.format() == Format.HDF5).isPresent();
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
        if (policy.enforceSafetensors() && kind.pickleBased) {
            findings.add(new Finding(ScanRules.ENFORCE_SAFETENSORS, Severity.UNKNOWN, "pickle-based weights ("
                    + format + ") are not accepted under enforce-safetensors; convert to safetensors" + where));
        }
        return new ScanReport(format, findings);
    }

    /** What the file turned out to be, once {@link #finish} ran. */
    Format kind() {
        return kind;
    }

    private void format(Format f) {
        kind = f;
        format = f.label;
    }

    private void start() {
        ByteBuffer sniffed = ByteBuffer.wrap(head, 0, headLen);
        body = choose();
        body.feed(sniffed);
    }

    /** The registered format that claims the first bytes, else a speculative pickle. */
    private Body choose() {
        java.util.Optional<FormatRegistry.Entry> e = FormatRegistry.sniff(head, headLen);
        if (e.isEmpty()) {
            return new SpeculativePickle();
        }
        format(e.get().format());
        return e.get().open().open(opening);
    }

    /** What the scanner gives every format it opens ({@link FormatRegistry}). */
    interface Opening {
        ScanPolicy policy();

        /** " in NAME" for findings' details, or "" when findings must not name the file. */
        String where();

        String shownName();

        /** Where findings go, in order. */
        List<Finding> findings();

        /** Says what the file is after all (a numpy file holding objects, a tar that is no torch save). */
        void format(Format f);

        Body zip();

        Body unsupported(Format f);

        Body compressed(Format f, Decompressor.Kind kind);

        Body pulled(Format f, PulledDecompressor.Opener opener);

        /** A format that needs random access: spooled to a temporary file, judged at the end by {@code judge}. */
        Body spooled(java.util.function.Consumer<java.nio.file.Path> judge);
    }

    private final Opening opening = new Opening() {
        @Override
        public ScanPolicy policy() {
            return policy;
        }

        @Override
        public String where() {
            return where;
        }

        @Override
        public String shownName() {
            return shownName;
        }

        @Override
        public List<Finding> findings() {
            return findings;
        }

        @Override
        public void format(Format f) {
            FileScanner.this.format(f);
        }

        @Override
        public Body zip() {
            return new ZipBody();
        }

        @Override
        public Body unsupported(Format f) {
            return FileScanner.this.unsupported(f);
        }

        @Override
        public Body compressed(Format f, Decompressor.Kind kind) {
            return decompressing(f, out -> new Decompressor(kind, out));
        }

        @Override
        public Body pulled(Format f, PulledDecompressor.Opener opener) {
            return decompressing(f, out -> new PulledDecompressor(opener, out));
        }

        @Override
        public Body spooled(java.util.function.Consumer<java.nio.file.Path> judge) {
            return new Spooled(judge);
        }
    };

    /**
     * A compressed file: its content is scanned as a file of its own, and reported as "gzip+pickle" etc. One
     * layer is opened; compression inside compression is refused.
     */
    private Body decompressing(Format what, java.util.function.Function<java.util.function.Consumer<ByteBuffer>,
            Decoder> decoderFor) {
        if (depth > 0) {
            return unsupported(what, what.label + " inside compressed data");
        }
        FileScanner inner = new FileScanner(policy, name, depth + 1, !shownName.isEmpty());
        Decoder d = decoderFor.apply(inner::feed);
        format(what);
        return new Body() {
            @Override
            public void feed(ByteBuffer b) {
                d.feed(b);
            }

            @Override
            public void finish() {
                d.finish();
                ScanReport r = inner.finish();
                kind = inner.kind();
                format = what.label + "+" + r.format();
                findings.addAll(r.findings());
                if (d.error() != null) {
                    findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, what.label + ": "
                            + d.error() + where));
                }
            }

            @Override
            public void close() {
                d.close();
            }

            @Override
            public boolean readsFiles() {
                return inner.finishReadsFiles();
            }
        };
    }


    /** Where spools are written: off the caller's thread (an event loop in the proxy), in order per spool. */
    private static final java.util.concurrent.ExecutorService SPOOLERS = java.util.concurrent.Executors
            .newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "dualtrack-spool");
                t.setDaemon(true);
                return t;
            });
    /** Bytes a spool may have queued for the disk before feed waits for it (a disk slower than the network). */
    private static final long MAX_SPOOL_PENDING = 32L << 20;

    /**
     * A format that needs random access (HDF5): the bytes are spooled to a temporary file as they stream and
     * judged at the end. The relay holds the tail until that verdict (G1), so a client never has the whole file
     * before it is judged. The spool lives only while the scan does; a file we cannot spool is refused.
     *
     * <p>The file is created and written on a spool thread, chunk after chunk in order, from copies: the caller
     * (an event loop in the proxy) never waits for a disk unless more than {@link #MAX_SPOOL_PENDING} bytes are
     * queued. {@link #finish} reads the file, so the relay calls it off the loop ({@link #readsFiles}).
     */
    private final class Spooled implements Body {
        private final java.util.function.Consumer<java.nio.file.Path> judge;
        private final java.util.concurrent.atomic.AtomicLong pending = new java.util.concurrent.atomic.AtomicLong();
        private java.util.concurrent.CompletableFuture<Void> written;
        /** Touched by the spool thread only, until {@link #settle} has waited for it. */
        private java.nio.file.Path file;
        private java.nio.channels.FileChannel out;
        private volatile String error;

        Spooled(java.util.function.Consumer<java.nio.file.Path> judge) {
            this.judge = judge;
            this.written = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    file = java.nio.file.Files.createTempFile(policy.spoolDir(), "dualtrack-scan-", ".spool");
                    out = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE);
                } catch (java.io.IOException | RuntimeException e) {
                    error = e.toString();
                }
            }, SPOOLERS);
        }

        @Override
        public void feed(ByteBuffer b) {
            if (error != null) {
                b.position(b.limit());
                return;
            }
            byte[] copy = new byte[b.remaining()];
            b.get(copy);
            pending.addAndGet(copy.length);
            written = written.thenRunAsync(() -> {
                try {
                    if (error == null) {
                        ByteBuffer w = ByteBuffer.wrap(copy);
                        while (w.hasRemaining()) {
                            out.write(w);
                        }
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    error = e.toString();
                } finally {
                    pending.addAndGet(-copy.length);
                }
            }, SPOOLERS);
            if (pending.get() > MAX_SPOOL_PENDING) {
                settle();
            }
        }

        /** Waits until every queued chunk is on disk (or failed). */
        private void settle() {
            try {
                written.join();
            } catch (RuntimeException e) {
                error = e.toString();
            }
        }

        @Override
        public boolean readsFiles() {
            return true;
        }

        @Override
        public void finish() {
            settle();
            try {
                if (error == null) {
                    out.close();
                    judge.accept(file);
                }
            } catch (java.io.IOException e) {
                error = e.toString();
            } finally {
                remove();
            }
            if (error != null) {
                findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, format + " needs the "
                        + "whole file to be read, and it could not be spooled (" + error + ")" + where));
            }
        }

        @Override
        public void close() {
            // An abandoned spool is removed once its queued writes are done, on the spool thread.
            written = written.handle((ok, e) -> null).thenRunAsync(this::remove, SPOOLERS);
        }

        private void remove() {
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

    private Body unsupported(Format f) {
        return unsupported(f, f.label);
    }

    private Body unsupported(Format f, String what) {
        format(f);
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
                format(stream.legacyTorch() ? Format.PYTORCH_LEGACY : stream.joblib() ? Format.JOBLIB : Format.PICKLE);
                publish();
                return;
            }
            java.util.Optional<String> pb = protobuf.finish(where, findings);
            if (pb.isPresent()) {
                format(Format.ofLabel(pb.get()));
                return;
            }
            format(Format.OTHER);
            String lower = name.toLowerCase(Locale.ROOT);
            if (ONNX_EXTERNAL_DATA.matcher(lower).matches()) {
                // Raw tensor bytes a sibling .onnx names in external_data.location: onnxruntime reads them as
                // numbers. They are neither a pickle nor any container (both were ruled out above).
                format(Format.ONNX_EXTERNAL_DATA);
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
                format(Format.TORCHSCRIPT);
                if (!policy.allowTorchScript()) {
                    findings.add(new Finding(ScanRules.TORCHSCRIPT, Severity.UNKNOWN, "TorchScript archive: it carries "
                            + "executable TorchScript code, and torch.load hands it to torch.jit.load (CVE-2025-32434)"
                            + where));
                }
            } else if (names.stream().anyMatch(n -> n.endsWith("data.pkl"))) {
                format(Format.PYTORCH_ZIP);
            } else if (!names.isEmpty() && names.stream().allMatch(n -> n.endsWith(".npy"))) {
                format(Format.NUMPY_ZIP);
            } else if (names.contains("config.json") && names.contains("metadata.json")) {
                format(Format.KERAS);
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
