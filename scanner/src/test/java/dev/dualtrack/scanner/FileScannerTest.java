package dev.dualtrack.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.scanner.pickle.ImportPolicy;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Whole files through the file scanner, in every chunking: format by content, and the same verdict always. */
class FileScannerTest {

    static ScanReport scan(byte[] input, String name, ScanPolicy policy) {
        return Scans.scan(input, name, policy);
    }

    static ScanReport scan(byte[] input, String name) {
        return Scans.scan(input, name);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "real/torch2_state_dict.pt, pytorch-zip, allow",
        "real/torch113_zip.pt, pytorch-zip, allow",
        "real/torch2_state_dict_legacy.pt, pytorch-legacy, allow",
        "real/torch113_legacy.pt, pytorch-legacy, allow",
        "real/torch2_quantized.pt, pytorch-zip, allow",
        "real/torch2_dtypes_sparse.pt, pytorch-zip, allow",
        "real/hf_tiny_bert_bin/pytorch_model.bin, pytorch-zip, allow",
        "real/model.safetensors, safetensors, allow",
        "real/array_f32.npy, numpy, allow",
        "real/arrays.npz, numpy-zip, allow",
        "real/plain_data_p0.pkl, pickle, allow",
        "real/plain_data_p5.pkl, pickle, allow",
        "real/hf_tiny_bert_st/config.json, other, allow",
        "real/torchscript_model.pt, torchscript, block",
        "real/torch2_full_model.pt, pytorch-zip, block",
        // An object array of plain values: numpy's rebuild and dtype are default now (a Trainer's rng_state.pth).
        "real/array_object.npy, numpy-object, allow",
        "picklescan/data/malicious1_central_directory.zip, zip, block",
        "picklescan/data/malicious1_0x1.zip, zip, block",
        "picklescan/data2/malicious1_crc.zip, zip, block",
        "picklescan/data/malicious1_wrong_ext.zip, zip, block",
        "picklescan/data/malicious1.7z, 7z, block",
        "picklescan/data2/malicious23.pkl, pickle, block",
        "picklescan/data/malicious11.pkl, pickle, block",
        "picklescan/data/broken_model.pkl, pickle, block",
        "picklescan/data2/GHSA-jgw4-cr84-mqxg.bin, pickle, block",
    })
    void realFilesGetTheirFormatAndVerdictInEveryChunking(String path, String format, String verdict) {
        ScanReport r = scan(dev.dualtrack.scanner.fixtures.RealFileFixtures.of(path), path);
        assertThat(r.format()).isEqualTo(format);
        assertThat(r.blocked()).as(r.findings().toString()).isEqualTo(verdict.equals("block"));
    }

    @Test
    void aFloodOfOneRuleNeverPushesAnotherRulesFindingOut() {
        // More unknown imports than findings are kept, then os.system: a waiver for unknown imports must still see
        // the dangerous one (policy judges rules, so one finding per rule survives the bound).
        dev.dualtrack.scanner.fixtures.PickleWriter w = dev.dualtrack.scanner.fixtures.PickleWriter.proto(2);
        for (int i = 0; i < ScanLimits.DEFAULT.maxFindings() + 50; i++) {
            w.global("acme" + i, "Thing").op('0');
        }
        byte[] flood = w.global("posix", "system").str("id").tuple1().reduce().stop().bytes();
        for (ScanReport r : java.util.List.of(scan(flood, "m.pkl"))) { // every chunking, by scan()
            assertThat(r.findings()).extracting(Finding::rule).contains(ScanRules.PICKLE_DANGEROUS_IMPORT);
            assertThat(r.findings()).hasSizeLessThanOrEqualTo(ScanLimits.DEFAULT.maxFindings() + 1);
            assertThat(r.verdict().rule()).isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
        }
    }

    @Test
    void anUnnamedScannerKeepsTheFileNameOutOfItsFindings() {
        byte[] evil = dev.dualtrack.scanner.fixtures.PickleWriter.proto(2).global("posix", "system").str("id")
                .tuple1().reduce().stop().bytes();
        FileScanner named = new FileScanner(ScanPolicy.defaults(), "secret-project.pkl");
        FileScanner unnamed = FileScanner.unnamed(ScanPolicy.defaults(), "secret-project.pkl");
        named.feed(java.nio.ByteBuffer.wrap(evil));
        unnamed.feed(java.nio.ByteBuffer.wrap(evil));
        assertThat(named.finish().verdict().reason()).contains("secret-project");
        ScanReport r = unnamed.finish();
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
        assertThat(r.findings()).allSatisfy(f -> assertThat(f.detail()).doesNotContain("secret-project"));
    }

    @Test
    void torchScriptIsRefusedUnderItsOwnRule() {
        ScanReport r = scan(dev.dualtrack.scanner.fixtures.RealFileFixtures.of("real/torchscript_model.pt"), "m.pt");
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.TORCHSCRIPT);
    }

    @Test
    void zipCentralDirectoryNameMismatchIsInconsistent() {
        ScanReport r = scan(dev.dualtrack.scanner.fixtures.RealFileFixtures.of("picklescan/data/malicious1_central_directory.zip"), "x.zip");
        assertThat(r.findings()).extracting(Finding::rule).contains(ScanRules.ZIP_INCONSISTENT);
    }

    @Test
    void enforceSafetensorsFlagsEvenACleanCheckpoint() {
        ScanReport r = scan(dev.dualtrack.scanner.fixtures.RealFileFixtures.of("real/torch2_state_dict.pt"), "m.pt",
                ScanPolicy.defaults().withEnforceSafetensors(true));
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.ENFORCE_SAFETENSORS);
        assertThat(scan(dev.dualtrack.scanner.fixtures.RealFileFixtures.of("real/model.safetensors"), "m.safetensors",
                ScanPolicy.defaults().withEnforceSafetensors(true)).blocked()).isFalse();
    }

    @Test
    void profilesOpenExactlyWhatTheyName() {
        ScanPolicy numpy = ScanPolicy.defaults().withImports(ImportPolicy.of(List.of("numpy-object"), List.of()));
        assertThat(scan(dev.dualtrack.scanner.fixtures.RealFileFixtures.of("real/array_object.npy"), "a.npy", numpy).blocked()).isFalse();
        ScanPolicy sk = ScanPolicy.defaults().withImports(ImportPolicy.of(List.of("sklearn"), List.of()));
        assertThat(scan(dev.dualtrack.scanner.fixtures.RealFileFixtures.of("real/sklearn_pipeline.pkl"), "p.pkl", sk).blocked()).isFalse();
    }

    @Test
    void joblibInlineArraysAreSkippedByTheirExactLengthPlainOrCompressed() {
        ScanPolicy sk = ScanPolicy.defaults().withImports(ImportPolicy.of(List.of("sklearn"), List.of()));
        ScanReport plain = scan(dev.dualtrack.scanner.fixtures.RealFileFixtures.of("real/sklearn_pipeline.joblib"), "p.joblib", sk);
        assertThat(plain.format()).isEqualTo("joblib");
        assertThat(plain.blocked()).as(plain.findings().toString()).isFalse();
        ScanReport zlib = scan(dev.dualtrack.scanner.fixtures.RealFileFixtures.of("real/sklearn_pipeline_zlib.joblib"), "p.joblib", sk);
        assertThat(zlib.format()).isEqualTo("zlib+joblib");
        assertThat(zlib.blocked()).as(zlib.findings().toString()).isFalse();
        // Without the profile, the same file is a policy block, not a parse error.
        assertThat(scan(dev.dualtrack.scanner.fixtures.RealFileFixtures.of("real/sklearn_pipeline.joblib"), "p.joblib").findings())
                .extracting(Finding::rule).containsOnly(ScanRules.PICKLE_UNKNOWN_IMPORT);
    }

    @Test
    void bzip2XzAndLzmaWrappedPicklesAreOpened() throws Exception {
        byte[] evil = "cos\nsystem\n(S'id'\ntR.".getBytes(StandardCharsets.US_ASCII);
        byte[] clean = {(byte) 0x80, 2, 'N', '.'};
        for (String kind : new String[] {"bzip2", "xz", "lzma"}) {
            for (boolean bad : new boolean[] {true, false}) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (java.io.OutputStream c = switch (kind) {
                    case "bzip2" -> new org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream(out);
                    case "xz" -> new org.apache.commons.compress.compressors.xz.XZCompressorOutputStream(out);
                    default -> new org.apache.commons.compress.compressors.lzma.LZMACompressorOutputStream(out);
                }) {
                    c.write(bad ? evil : clean);
                }
                ScanReport r = scan(out.toByteArray(), "m.joblib");
                assertThat(r.format()).isEqualTo(kind + "+pickle");
                assertThat(r.blocked()).as(kind + " " + r.findings()).isEqualTo(bad);
                if (kind.equals("bzip2") && !bad) {
                    byte[] truncated = java.util.Arrays.copyOf(out.toByteArray(), out.size() - 6);
                    assertThat(scan(truncated, "m.joblib").blocked()).isTrue();
                }
            }
        }
    }

    @Test
    void gzipWrappedPicklesAreOpenedAndCorruptOnesRefused() throws Exception {
        byte[] evil = "cos\nsystem\n(S'id'\ntR.".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream g = new java.util.zip.GZIPOutputStream(gz)) {
            g.write(evil);
        }
        ScanReport r = scan(gz.toByteArray(), "w.pkl.gz");
        assertThat(r.format()).isEqualTo("gzip+pickle");
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
        byte[] truncated = java.util.Arrays.copyOf(gz.toByteArray(), gz.size() - 4);
        assertThat(scan(truncated, "w.pkl.gz").findings()).extracting(Finding::rule)
                .contains(ScanRules.UNSUPPORTED_FORMAT);
    }

    @Test
    void unrecognisedContentPassesUnlessNamedLikeWeights() {
        byte[] text = "just some text, not a model\n".getBytes(StandardCharsets.UTF_8);
        assertThat(scan(text, "notes.txt").blocked()).isFalse();
        ScanReport weights = scan(text, "pytorch_model.bin");
        assertThat(weights.verdict().rule()).isEqualTo(ScanRules.UNRECOGNIZED_WEIGHTS);
        assertThat(scan(new byte[0], "empty.json").blocked()).isFalse();
    }

    @Test
    void hdf5IsReadWholeAndAMagicNumberAloneIsRefused() {
        // HDF5 is read at the end, from the spooled file (RealRepoFilesTest has real Keras models); a magic number
        // followed by nothing an HDF5 reader understands cannot be judged, so it is refused.
        byte[] h5 = new byte[600];
        byte[] magic = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
        System.arraycopy(magic, 0, h5, 0, magic.length);
        ScanReport r = scan(h5, "tf_model.h5");
        assertThat(r.format()).isEqualTo("hdf5");
        assertThat(r.findings()).extracting(Finding::rule).containsExactly(ScanRules.UNSUPPORTED_FORMAT);
    }

    static byte[] zip(boolean deflate, String... namesAndContents) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                byte[] content = namesAndContents[i + 1].getBytes(StandardCharsets.ISO_8859_1);
                ZipEntry e = new ZipEntry(namesAndContents[i]);
                if (!deflate) {
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(content.length);
                    CRC32 crc = new CRC32();
                    crc.update(content);
                    e.setCrc(crc.getValue());
                }
                z.putNextEntry(e);
                z.write(content);
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void picklesInsideZipsAreFoundByContentWhateverTheirName() throws Exception {
        String evil = "\u0080\u0002cposix\nsystem\n(X\u0002\u0000\u0000\u0000idtR.";
        for (boolean deflate : new boolean[] {true, false}) {
            ScanReport r = scan(zip(deflate, "archive/data.txt", evil, "archive/version", "3\n"), "m.zip");
            assertThat(r.findings()).extracting(Finding::rule).contains(ScanRules.PICKLE_DANGEROUS_IMPORT);
        }
    }

    @Test
    void bytesAfterTheEndRecordOrBeforeTheFirstEntryAreInconsistent() throws Exception {
        byte[] z = zip(true, "a.txt", "hello");
        byte[] trailing = java.util.Arrays.copyOf(z, z.length + 3);
        assertThat(scan(trailing, "t.zip").findings()).extracting(Finding::rule).contains(ScanRules.ZIP_INCONSISTENT);
    }

    @Test
    void duplicateEntryNamesAreInconsistent() throws Exception {
        // Two entries, then the second's name patched to equal the first's in both headers.
        byte[] z = zip(false, "aaaa", "one", "bbbb", "two");
        String s = new String(z, StandardCharsets.ISO_8859_1).replace("bbbb", "aaaa");
        ScanReport r = scan(s.getBytes(StandardCharsets.ISO_8859_1), "d.zip");
        assertThat(r.findings()).extracting(Finding::detail).anySatisfy(d -> assertThat(d).contains("appears twice"));
    }

    @Test
    void safetensorsHeadersAreValidatedCompletely() {
        assertThat(scan(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "m.safetensors")
                .blocked()).isFalse();
        String[] bad = {
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}",
            "{\"a\":{\"dtype\":\"F99\",\"shape\":[2],\"data_offsets\":[0,8]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{}}",
            "{\"__metadata__\":{\"k\":1},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}",
        };
        for (String h : bad) {
            assertThat(scan(safetensors(h, 8), "m.safetensors").verdict().rule()).as(h)
                    .isEqualTo(ScanRules.SAFETENSORS_INVALID);
        }
        // Not a JSON object: not sniffed as safetensors at all, and refused as unrecognised weights.
        assertThat(scan(safetensors("[1,2]", 8), "m.safetensors").verdict().rule())
                .isEqualTo(ScanRules.UNRECOGNIZED_WEIGHTS);
        assertThat(scan(safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 9),
                "m.safetensors").verdict().rule()).isEqualTo(ScanRules.SAFETENSORS_INVALID);
    }

    static byte[] safetensors(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }
}
