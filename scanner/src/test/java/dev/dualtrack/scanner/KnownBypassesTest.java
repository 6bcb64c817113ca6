package dev.dualtrack.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Regression cases named after the advisory or report they come from (docs/scanning.md lists the formats; each test names its advisory), each on the
 * peer's own sample in the shared corpus, each in every chunking.
 */
class KnownBypassesTest {

    static ScanReport scan(String path) {
        return FileScannerTest.scan(dev.dualtrack.scanner.fixtures.RealFileFixtures.of(path), path);
    }

    static String rule(String path) {
        return scan(path).verdict().rule();
    }

    @Test
    void cve_2025_1716_pipMainIsNotAllowList() {
        assertThat(rule("picklescan/data/malicious16.pkl")).startsWith("hf.pickle.");
    }

    @Test
    void cve_2025_1889_pickleUnderANonPickleNameInAZip() {
        assertThat(scan("picklescan/data/malicious1_wrong_ext.zip").findings()).extracting(Finding::rule)
                .contains(ScanRules.PICKLE_DANGEROUS_IMPORT);
    }

    @Test
    void cve_2025_1944_localAndCentralNamesDiffer() {
        assertThat(scan("picklescan/data/malicious1_central_directory.zip").findings()).extracting(Finding::rule)
                .contains(ScanRules.ZIP_INCONSISTENT);
    }

    @Test
    void cve_2025_1945_encryptionAndPatchFlagsOnPlaintextEntries() {
        for (String flag : new String[] {"0x1", "0x20", "0x40"}) {
            assertThat(scan("picklescan/data/malicious1_" + flag + ".zip").findings()).extracting(Finding::rule)
                    .as(flag).contains(ScanRules.ZIP_INCONSISTENT);
        }
    }

    @Test
    void cve_2025_10155_plainPickleSavedAsBin() {
        assertThat(scan("picklescan/data2/GHSA-jgw4-cr84-mqxg.bin").format()).isEqualTo("pickle");
        assertThat(scan("picklescan/data2/GHSA-jgw4-cr84-mqxg.bin").blocked()).isTrue();
    }

    @Test
    void cve_2025_10156_wrongCrcOnAMember() {
        assertThat(scan("picklescan/data2/malicious1_crc.zip").findings()).extracting(Finding::rule)
                .contains(ScanRules.ZIP_INCONSISTENT);
    }

    @Test
    void cve_2025_10157_submoduleOfADangerousModule() {
        assertThat(rule("picklescan/data2/GHSA-q77w-mwjj-7mqx.pkl")).isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
    }

    @Test
    void nullifai_sevenZipAndBrokenPickles() {
        assertThat(rule("picklescan/data/malicious1.7z")).isEqualTo(ScanRules.UNSUPPORTED_FORMAT);
        assertThat(rule("picklescan/data/broken_model.pkl")).isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
        assertThat(scan("picklescan/data/malicious-invalid-bytes.pkl").blocked()).isTrue();
    }

    @Test
    void ghsa_9gvj_pp9x_gcfr_stringOperandsWithoutProto() {
        assertThat(scan("picklescan/data2/malicious23.pkl").blocked()).isTrue();
    }

    @Test
    void picklescanIssue22_memoisedNamesBehindDecoys() {
        assertThat(scan("picklescan/data/malicious11.pkl").verdict().reason()).contains("system");
    }

    @Test
    void modelscan338_keyErrorAndTypeConfusionOperands() {
        assertThat(scan("picklescan/data2/keyerror-exploit.pkl").findings()).extracting(Finding::detail)
                .anySatisfy(d -> assertThat(d).contains("memo slot 3 read before it was written"));
        assertThat(scan("picklescan/data2/type-confusion-exploit.pkl").blocked()).isTrue();
    }

    @Test
    void shadowPickle_moduleAttributeOverwrite() {
        assertThat(scan("picklescan/data/sys_module_override_sploit.pkl").blocked()).isTrue();
    }

    @Test
    void ghsa_5j3x_jp52_966f_dottedNameThroughAStdlibModule() {
        assertThat(rule("fickling/test_bypasses/TestBypasses.test_dotted_attr_via_stdlib_module__1.pkl"))
                .isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
    }

    @Test
    void cpython154848_frameBoundaryDivergence() {
        assertThat(rule("fickling/test_bypasses/TestBypasses.test_frame_boundary_divergence__1.pkl"))
                .isEqualTo(ScanRules.PICKLE_MALFORMED);
        for (int i = 1; i <= 7; i++) {
            assertThat(scan("fickling/test_bypasses/TestBypasses.test_frame_boundary_straddle_variants__" + i + ".pkl")
                    .blocked()).as("variant " + i).isTrue();
        }
        for (int i = 1; i <= 15; i++) {
            assertThat(scan("fickling/test_bypasses/TestBypasses.test_well_formed_frames_are_not_flagged__" + i
                    + ".pkl").blocked()).as("well-formed " + i).isFalse();
        }
    }

    @Test
    void ghsa_97f8_7cmv_76j2_legacyMagicNumberComputedByEval() {
        assertThat(rule("picklescan/data/pytorch_magic_bypass.pt")).isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
    }

    @Test
    void ghsa_mxhj_88fx_4pcv_objPopInvisibility() {
        assertThat(scan("fickling/test_bypasses/TestBypasses.test_obj_pop_call_invisibility__1.pkl").blocked()).isTrue();
    }

    @Test
    void cve_2025_32434_torchScriptUnderWeightsOnly() {
        assertThat(rule("real/torchscript_model.pt")).isEqualTo(ScanRules.TORCHSCRIPT);
    }
}
