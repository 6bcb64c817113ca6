package dev.dualtrack.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.scanner.fixtures.ModelFixtures;
import dev.dualtrack.scanner.fixtures.PickleWriter;
import dev.dualtrack.scanner.fixtures.ZipWriter;
import dev.dualtrack.scanner.pickle.ImportPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bypass families a held-out set found (issue 23), on fixtures of our own: a torch.save zip stored inside a
 * .pt2 archive, a joblib record array with an object field, and a construct-only class called through
 * {@code _rebuild_from_type_v2}. (The GGUF template families are in {@link KerasAndGgufTest}.) Every one is
 * scanned in every chunking.
 */
class HeldOutFamiliesTest {
    static byte[] resource(String name) throws IOException {
        try (InputStream in = HeldOutFamiliesTest.class.getResourceAsStream("heldout/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aTorchSaveZipInsideAPt2ArchiveIsOpened() {
        byte[] inner = ModelFixtures.torchZip("evil", ModelFixtures.systemCallPickle("id"));
        byte[] pt2 = new ZipWriter().with("model/archive_format", "pt2")
                .with("model/models/model.json", "{}")
                .with("model/data/weights/weight_0", inner)
                .with("model/data/constants/c0", ModelFixtures.floats(8)).bytes();
        ScanReport r = FileScannerTest.scan(pt2, "model.pt2");
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
        assertThat(r.verdict().reason()).contains("model/data/weights/weight_0");
        // The same with a clean checkpoint inside passes.
        byte[] clean = new ZipWriter().with("model/archive_format", "pt2")
                .with("model/data/weights/weight_0", ModelFixtures.torchStateDict()).bytes();
        assertThat(FileScannerTest.scan(clean, "model.pt2").blocked()).isFalse();
        // One level is opened; a zip in a zip in a zip is refused, not skipped.
        byte[] deeper = new ZipWriter().with("w", new ZipWriter().with("x", inner).bytes()).bytes();
        assertThat(FileScannerTest.scan(deeper, "model.pt2").findings()).extracting(Finding::rule)
                .contains(ScanRules.UNSUPPORTED_FORMAT);
    }

    @Test
    void aJoblibRecordArrayWithAnObjectFieldIsReadAsTheNestedPickleItIs() throws IOException {
        ScanPolicy numpy = ScanPolicy.defaults().withImports(ImportPolicy.of(List.of("numpy-object"), List.of()));
        ScanPolicy sklearn = ScanPolicy.defaults().withImports(ImportPolicy.of(List.of("sklearn"), List.of()));
        for (ScanPolicy p : List.of(numpy, sklearn)) {
            ScanReport benign = FileScannerTest.scan(resource("records.joblib"), "r.joblib", p);
            assertThat(benign.blocked()).as(benign.findings().toString()).isFalse();
            ScanReport evil = FileScannerTest.scan(resource("evil_records.joblib"), "r.joblib", p);
            assertThat(evil.verdict().rule()).as(evil.findings().toString())
                    .isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
            ScanReport plain = FileScannerTest.scan(resource("plain_records.joblib"), "r.joblib", p);
            assertThat(plain.blocked()).as(plain.findings().toString()).isFalse();
        }
    }

    @Test
    void aConstructOnlyClassCalledThroughRebuildFromTypeV2IsRefused() {
        byte[] p = PickleWriter.proto(2).global("torch._tensor", "_rebuild_from_type_v2").mark()
                .global("argparse", "Namespace").global("torch", "Tensor").emptyTuple().emptyDict().tuple()
                .reduce().stop().bytes();
        ScanReport r = FileScannerTest.scan(p, "m.pt");
        assertThat(r.verdict().rule()).as(r.findings().toString()).isEqualTo(ScanRules.PICKLE_DANGEROUS_OPCODE);
        assertThat(r.verdict().reason()).contains("argparse.Namespace");
    }
}
