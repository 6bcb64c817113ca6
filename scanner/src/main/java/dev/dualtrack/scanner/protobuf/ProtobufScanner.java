package dev.dualtrack.scanner.protobuf;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import dev.dualtrack.scanner.protobuf.ProtoWalker.Schema;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Protobuf model files, judged as what they are. Protobuf has no magic number, so each known message type is a
 * hypothesis checked by its own {@link ProtoWalker} as the bytes stream; at the end the file is the first type
 * whose hypothesis held over every byte:
 *
 * <ul>
 *   <li>{@code onnx}: an ONNX ModelProto (a graph of tensor operators; external data is raw bytes). Passes.</li>
 *   <li>{@code tf-savedmodel} / {@code tf-graphdef}: a TensorFlow SavedModel or a frozen GraphDef. Every node's
 *       op, in the graph and in its function library, is checked: ops that run Python or touch files or the
 *       network are {@code hf.tf.unsafe-op}.</li>
 *   <li>{@code sentencepiece}: a SentencePiece ModelProto ({@code tokenizer.model}, {@code spiece.model}):
 *       pieces, scores and normalization rules; nothing in it executes. Passes.</li>
 * </ul>
 * Field numbers are those of the formats' published .proto files (onnx.proto3; tensorflow's saved_model.proto,
 * meta_graph.proto, graph.proto, function.proto, node_def.proto; sentencepiece_model.proto).
 */
public final class ProtobufScanner {
    /**
     * TF ops that run Python, read or write files, or talk to the network when the graph runs: what peers flag
     * (ReadFile/WriteFile) and the rest of the same kinds. Checkpoint save/restore ops (SaveV2, RestoreV2) are in
     * every SavedModel's saver graph and read only the model's own variables folder, so they are not here.
     */
    public static final Set<String> UNSAFE_OPS = Set.of("PyFunc", "PyFuncStateless", "EagerPyFunc", "ReadFile",
            "WriteFile", "MatchingFiles", "ImmutableConst", "DebugIdentity", "DebugIdentityV2", "DebugIdentityV3",
            "DebugNanCount", "DebugNumericSummary", "DebugNumericSummaryV2", "TFRecordDataset", "TFRecordDatasetV2",
            "TextLineDataset", "FixedLengthRecordDataset", "FixedLengthRecordDatasetV2", "CSVDataset",
            "CSVDatasetV2", "ExperimentalCSVDataset", "SqlDataset", "ExperimentalSqlDataset", "LMDBDataset",
            "ExperimentalLMDBDataset", "WholeFileReader", "WholeFileReaderV2", "TextLineReader", "TextLineReaderV2",
            "TFRecordReader", "TFRecordReaderV2", "FixedLengthRecordReader", "FixedLengthRecordReaderV2",
            "LoadDataset", "SaveDataset", "SaveDatasetV2", "DatasetToTFRecord", "ExperimentalDatasetToTFRecord",
            "WriteSummary", "CreateSummaryFileWriter", "CreateSummaryDbWriter", "WriteAudioSummary",
            "WriteGraphSummary", "WriteHistogramSummary", "WriteImageSummary", "WriteRawProtoSummary",
            "WriteScalarSummary", "ImportEvent");

    private static final int V = ProtoWalker.VARINT;
    private static final int L = ProtoWalker.LEN;
    private static final int F32 = ProtoWalker.I32;

    private static final Schema NODE = new Schema("NodeDef", Map.of(1, L, 2, L, 3, L, 4, L, 5, L, 6, L, 7, L),
            Map.of(), Set.of(2));
    private static final Schema FUNCTION = new Schema("FunctionDef", Map.of(1, L, 3, L, 4, L, 5, L, 6, L, 7, L),
            Map.of(3, NODE), Set.of());
    private static final Schema LIBRARY = new Schema("FunctionDefLibrary", Map.of(1, L, 2, L, 3, L),
            Map.of(1, FUNCTION), Set.of());
    private static final Schema GRAPH = new Schema("GraphDef", Map.of(1, L, 2, L, 3, V, 4, L, 5, L),
            Map.of(1, NODE, 2, LIBRARY), Set.of());
    private static final Schema META_GRAPH = new Schema("MetaGraphDef", Map.of(1, L, 2, L, 3, L, 4, L, 5, L, 6, L,
            7, L), Map.of(2, GRAPH), Set.of());
    private static final Schema SAVED_MODEL = new Schema("SavedModel", Map.of(1, V, 2, L), Map.of(2, META_GRAPH),
            Set.of());
    private static final Schema PIECE = new Schema("SentencePiece", Map.of(1, L, 2, F32, 3, V), Map.of(), Set.of());
    private static final Schema SENTENCEPIECE = new Schema("ModelProto(sentencepiece)", Map.of(1, L, 2, L, 3, L,
            4, L, 5, L), Map.of(1, PIECE), Set.of());
    private static final Schema ONNX = new Schema("ModelProto(onnx)", onnxFields(), Map.of(), Set.of());

    private static Map<Integer, Integer> onnxFields() {
        return Map.ofEntries(Map.entry(1, V), Map.entry(2, L), Map.entry(3, L), Map.entry(4, L), Map.entry(5, V),
                Map.entry(6, L), Map.entry(7, L), Map.entry(8, L), Map.entry(14, L), Map.entry(20, L),
                Map.entry(25, L), Map.entry(26, L));
    }

    private final ProtoWalker onnx = new ProtoWalker(ONNX);
    private final ProtoWalker savedModel = new ProtoWalker(SAVED_MODEL, UNSAFE_OPS);
    private final ProtoWalker graph = new ProtoWalker(GRAPH, UNSAFE_OPS);
    private final ProtoWalker sentencepiece = new ProtoWalker(SENTENCEPIECE);
    private final List<ProtoWalker> all = List.of(onnx, savedModel, graph, sentencepiece);
    private long size;

    /** Whether some hypothesis still holds: when none does, the caller can stop feeding. */
    public boolean alive() {
        for (ProtoWalker w : all) {
            if (w.alive()) {
                return true;
            }
        }
        return false;
    }

    public void feed(ByteBuffer b) {
        size += b.remaining();
        for (ProtoWalker w : all) {
            if (w.alive()) {
                w.feed(b.duplicate());
            }
        }
    }

    /**
     * The format, if the whole input was one of the known messages, with its findings added to {@code out}.
     * Empty when no hypothesis held.
     */
    public Optional<String> finish(String where, List<Finding> out) {
        if (size == 0) {
            return Optional.empty();
        }
        for (ProtoWalker w : all) {
            w.finish();
        }
        if (onnx.alive() && onnx.rootFields().contains(7) && onnx.rootFields().contains(1)) {
            return Optional.of("onnx");
        }
        if (savedModel.alive() && savedModel.rootFields().contains(2)) {
            unsafeOps(savedModel, "SavedModel", where, out);
            return Optional.of("tf-savedmodel");
        }
        if (sentencepiece.alive() && sentencepiece.rootFields().contains(1)) {
            return Optional.of("sentencepiece");
        }
        if (graph.alive() && (graph.rootFields().contains(1) || graph.rootFields().contains(2))) {
            unsafeOps(graph, "GraphDef", where, out);
            return Optional.of("tf-graphdef");
        }
        return Optional.empty();
    }

    private static void unsafeOps(ProtoWalker w, String what, String where, List<Finding> out) {
        // Every node's op was read, whatever the graph's size: the walker keeps only the unsafe ones it saw.
        for (String op : w.found()) {
            out.add(new Finding(ScanRules.TF_UNSAFE_OP, Severity.DANGEROUS, "the " + what + " runs the op " + op
                    + ", which " + (op.contains("Py") ? "calls Python" : "reads or writes files or the network")
                    + " when the graph runs" + where));
        }
    }
}
