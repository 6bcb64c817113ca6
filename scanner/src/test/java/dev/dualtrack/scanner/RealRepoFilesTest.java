package dev.dualtrack.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.scanner.fixtures.ModelFixtures;
import dev.dualtrack.scanner.fixtures.PickleWriter;
import dev.dualtrack.scanner.pickle.ImportPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Files that real Hugging Face repositories ship beside the weights, and that the default policy must pass
 * (each was an outage: snapshot_download of a Llama, T5 or Trainer-made repo failed), and the misses that
 * came with them. Every input goes through every chunking (Scans).
 */
class RealRepoFilesTest {
    static ScanReport scan(byte[] b, String name) {
        return Scans.scan(b, name);
    }

    static List<String> rules(ScanReport r) {
        return r.findings().stream().filter(ScanReport::blocksByDefault).map(Finding::rule).distinct().toList();
    }

    @Test
    void sentencePieceTokenizersAreProtobufAndPass() {
        ScanReport r = scan(ModelFixtures.sentencePiece(), "tokenizer.model");
        assertThat(r.format()).isEqualTo("sentencepiece");
        assertThat(r.blocked()).as(r.findings().toString()).isFalse();
        assertThat(scan(ModelFixtures.sentencePiece(), "spiece.model").blocked()).isFalse();
    }

    @Test
    void onnxModelsAndTheirExternalDataPass() {
        ScanReport model = scan(ModelFixtures.onnxModel(), "model.onnx");
        assertThat(model.format()).isEqualTo("onnx");
        assertThat(model.blocked()).isFalse();
        for (String name : List.of("model.onnx_data", "onnx/decoder_model.onnx.data", "model.onnx.data_1")) {
            ScanReport data = scan(ModelFixtures.onnxExternalData(), name);
            assertThat(data.format()).as(name).isEqualTo("onnx-external-data");
            assertThat(data.blocked()).as(name).isFalse();
        }
        // The same raw bytes under a weights name that no format explains still fail closed.
        assertThat(rules(scan(ModelFixtures.onnxExternalData(), "pytorch_model.bin")))
                .containsExactly(ScanRules.UNRECOGNIZED_WEIGHTS);
    }

    @Test
    void aTrainersTrainingArgumentsPass() {
        ScanReport bin = scan(ModelFixtures.trainingArgsBin(), "training_args.bin");
        assertThat(bin.format()).isEqualTo("pytorch-zip");
        assertThat(bin.blocked()).as(bin.findings().toString()).isFalse();
        assertThat(scan(ModelFixtures.trainingArgsPickle(), "training_args.bin").blocked()).isFalse();
    }

    @Test
    void callingTrainingArgumentsRunsItsInitializerAndIsRefused() {
        ScanReport r = scan(ModelFixtures.trainingArgsCalled(), "training_args.bin");
        assertThat(rules(r)).containsExactly(ScanRules.PICKLE_DANGEROUS_OPCODE);
        assertThat(r.findings().get(0).detail()).contains("runs its initializer");
        byte[] namespaceCalled = PickleWriter.proto(2).global("argparse", "Namespace").emptyTuple().reduce().stop()
                .bytes();
        assertThat(rules(scan(namespaceCalled, "x.pth"))).containsExactly(ScanRules.PICKLE_DANGEROUS_OPCODE);
    }

    @Test
    void theRngStateATrainerSavesPasses() {
        ScanReport r = scan(ModelFixtures.rngState(), "rng_state.pth");
        assertThat(r.blocked()).as(r.findings().toString()).isFalse();
    }

    @Test
    void timmCheckpointsWithTheirTrainingNamespacePass() {
        ScanReport r = scan(ModelFixtures.timmCheckpoint(), "model_best.pth.tar");
        assertThat(r.blocked()).as(r.findings().toString()).isFalse();
    }

    @Test
    void tensorflowGraphsPassUnlessAnOpRunsPythonOrTouchesFiles() {
        ScanReport clean = scan(ModelFixtures.savedModel(false), "saved_model.pb");
        assertThat(clean.format()).isEqualTo("tf-savedmodel");
        assertThat(clean.blocked()).as(clean.findings().toString()).isFalse();
        ScanReport evil = scan(ModelFixtures.savedModel(true), "saved_model.pb");
        assertThat(rules(evil)).containsExactly(ScanRules.TF_UNSAFE_OP);
        assertThat(evil.findings()).extracting(Finding::detail).anyMatch(d -> d.contains("the op PyFunc"))
                .anyMatch(d -> d.contains("the op EagerPyFunc"));
        ScanReport frozen = scan(ModelFixtures.graphDef(false), "frozen_graph.pb");
        assertThat(frozen.format()).isEqualTo("tf-graphdef");
        assertThat(frozen.blocked()).isFalse();
        assertThat(rules(scan(ModelFixtures.graphDef(true), "frozen_graph.pb"))).containsExactly(ScanRules.TF_UNSAFE_OP);
    }

    @Test
    void aTextPickleInAZipIsFoundWhateverItsName() {
        ScanReport r = scan(ModelFixtures.protocol0PickleInZip(), "model.pt");
        assertThat(rules(r)).contains(ScanRules.PICKLE_DANGEROUS_IMPORT);
        assertThat(r.findings()).extracting(Finding::detail).anyMatch(d -> d.contains("posix.system")
                && d.contains("archive/data.txt"));
    }

    @Test
    void pickleBombsAreRefusedAndOrdinaryNestingIsNot() {
        ScanReport bomb = scan(ModelFixtures.memoBomb(30, 10), "bomb.pkl");
        assertThat(rules(bomb)).containsExactly(ScanRules.PICKLE_RESOURCE);
        assertThat(bomb.findings().get(0).detail()).contains("expands to more than 100000000 objects");
        assertThat(scan(ModelFixtures.memoBomb(4, 10), "nested.pkl").blocked()).isFalse();
        assertThat(rules(scan(ModelFixtures.allocationBomb(), "b.pkl"))).containsExactly(ScanRules.PICKLE_RESOURCE);
        // The bound is configurable (hf.pickle.max-objects).
        ScanPolicy tight = ScanPolicy.defaults().withLimits(ScanLimits.DEFAULT.withMaxPickleObjects(500));
        assertThat(Scans.scan(ModelFixtures.memoBomb(4, 10), "nested.pkl", tight).blocked()).isTrue();
    }

    @Test
    void profileGapsAreClosedWithoutOpeningNumpyWholesale() {
        ScanPolicy sklearn = ScanPolicy.defaults().withImports(ImportPolicy.of(List.of("sklearn"), List.of()));
        byte[] ufunc = PickleWriter.proto(2).global("numpy", "log1p").stop().bytes();
        assertThat(Scans.scan(ufunc, "f.pkl", sklearn).blocked()).isFalse();
        byte[] load = PickleWriter.proto(2).global("numpy", "load").stop().bytes();
        assertThat(Scans.scan(load, "f.pkl", sklearn).blocked()).isTrue();
        ScanPolicy numpy = ScanPolicy.defaults().withImports(ImportPolicy.of(List.of("numpy-object"), List.of()));
        byte[] randomState = PickleWriter.proto(2).global("numpy.random._pickle", "__randomstate_ctor")
                .str("MT19937").global("numpy.random._pickle", "__bit_generator_ctor").tuple2().reduce().stop().bytes();
        assertThat(Scans.scan(randomState, "r.pkl", numpy).blocked()).isFalse();
        assertThat(Scans.scan(randomState, "r.pkl").blocked()).isTrue();
        byte[] wrapper = PickleWriter.proto(2).global("joblib.numpy_pickle", "NumpyArrayWrapper").stop().bytes();
        assertThat(Scans.scan(wrapper, "a.joblib", numpy).blocked()).isFalse();
    }

    @Test
    void kerasHdf5ModelsAreCheckedLikeKerasArchives() {
        ScanReport jhdf = scan(ModelFixtures.kerasH5Jhdf(true, true), "model.h5");
        assertThat(rules(jhdf)).containsExactly(ScanRules.KERAS_CODE);
        assertThat(scan(ModelFixtures.kerasH5Jhdf(true, false), "model.h5").findings()).isEmpty();
        assertThat(scan(ModelFixtures.kerasH5Jhdf(false, false), "tf_model.h5").findings()).isEmpty();
        ScanReport lambda = scan(ModelFixtures.kerasH5(true, true), "model.h5");
        assertThat(lambda.format()).isEqualTo("hdf5");
        assertThat(rules(lambda)).containsExactly(ScanRules.KERAS_CODE);
        assertThat(lambda.findings()).hasSize(1);
        assertThat(lambda.findings().get(0).detail()).contains("Lambda", "model.h5!model_config");
        ScanReport plain = scan(ModelFixtures.kerasH5(true, false), "model.h5");
        assertThat(plain.blocked()).as(plain.findings().toString()).isFalse();
        assertThat(plain.findings()).isEmpty();
        assertThat(scan(ModelFixtures.kerasH5(false, false), "tf_model.h5").blocked()).isFalse();
        assertThat(scan(ModelFixtures.kerasH5(false, false), "model.weights.h5").blocked()).isFalse();
    }

    @Test
    void anHdf5FileThatCannotBeReadIsRefused() {
        byte[] h5 = ModelFixtures.kerasH5Jhdf(true, false);
        byte[] cut = java.util.Arrays.copyOf(h5, 600);
        ScanReport r = scan(cut, "model.h5");
        assertThat(rules(r)).containsExactly(ScanRules.UNSUPPORTED_FORMAT);
    }

    @Test
    void theLayoutH5pyWritesByDefaultIsReadToo() {
        // Superblock 0, object header 1, attribute messages 1: fixed-length bytes as Keras writes model_config,
        // and a variable-length str in the global heap as h5py writes a str.
        byte[] lambda = new dev.dualtrack.scanner.fixtures.Hdf5Writer()
                .fixedString("model_config", ModelFixtures.kerasModelConfig(true))
                .variableString("keras_version", "2.15.0").bytes();
        assertThat(rules(scan(lambda, "model.h5"))).containsExactly(ScanRules.KERAS_CODE);
        byte[] plain = new dev.dualtrack.scanner.fixtures.Hdf5Writer()
                .fixedString("model_config", ModelFixtures.kerasModelConfig(false))
                .variableString("backend", "tensorflow").bytes();
        assertThat(scan(plain, "model.h5").findings()).isEmpty();
        byte[] vlenConfig = new dev.dualtrack.scanner.fixtures.Hdf5Writer()
                .variableString("model_config", ModelFixtures.kerasModelConfig(true)).bytes();
        assertThat(rules(scan(vlenConfig, "model.h5"))).containsExactly(ScanRules.KERAS_CODE);
    }

    @Test
    void anAttributeNamedTwiceIsRefusedRatherThanJudgedOnOneCopy() {
        byte[] twice = new dev.dualtrack.scanner.fixtures.Hdf5Writer()
                .fixedString("model_config", ModelFixtures.kerasModelConfig(false))
                .fixedString("model_config", ModelFixtures.kerasModelConfig(true)).bytes();
        ScanReport r = scan(twice, "model.h5");
        assertThat(rules(r)).containsExactly(ScanRules.UNSUPPORTED_FORMAT);
        assertThat(r.findings().get(0).detail()).contains("appears twice");
    }
}
