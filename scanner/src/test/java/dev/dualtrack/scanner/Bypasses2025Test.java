package dev.dualtrack.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.scanner.fixtures.ModelFixtures;
import dev.dualtrack.scanner.fixtures.PickleWriter;
import dev.dualtrack.scanner.fixtures.ZipWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The 2025–26 scanner bypasses, one test each, named after the CVE or advisory where it has one. Most hold by
 * the allow-list's construction; these prove it, on files built byte by byte the way each write-up describes.
 */
class Bypasses2025Test {
    /** A pickle that runs {@code posix.system('id')} when loaded. */
    static byte[] evil() {
        return PickleWriter.proto(2).global("posix", "system").str("id").tuple1().reduce().stop().bytes();
    }

    static byte[] benign() {
        return PickleWriter.proto(2).emptyDict().mark().str("epoch").integer(1).setitems().stop().bytes();
    }

    static ScanReport scan(byte[] b, String name) {
        return Scans.scan(b, name);
    }

    // ---- container and parser tricks --------------------------------------------------------------------------

    @Test
    void aMemberNamedDataPklInCapitalsIsStillReadAsAPickle() {
        byte[] zip = new ZipWriter().with("archive/DATA.PKL", evil()).with("archive/version", "3\n").bytes();
        assertThat(scan(zip, "model.pt").verdict().rule()).isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
    }

    @Test
    void duplicateMemberNamesAreRefused() {
        ZipWriter z = new ZipWriter();
        z.add("archive/data.pkl", benign());
        z.add("archive/data.pkl", evil());
        assertThat(scan(z.bytes(), "model.pt").blocked()).isTrue();
    }

    @Test
    void cve2025_1944LocalAndCentralNamesThatDisagreeAreRefused() {
        ZipWriter z = new ZipWriter();
        z.add("archive/data.pkl", benign()).centralName("archive/data.pkl");
        z.add("archive/other.bin", evil()).centralName("archive/data.pkl");
        ScanReport r = scan(z.bytes(), "model.pt");
        assertThat(r.blocked()).isTrue();
        assertThat(r.findings()).extracting(Finding::rule).contains(ScanRules.ZIP_INCONSISTENT);
    }

    @Test
    void aCentralDirectoryPointingAtAnotherLocalHeaderIsRefused() {
        ZipWriter z = new ZipWriter();
        z.add("archive/data.pkl", benign());
        z.add("archive/data/0", evil()).centralOffsetOf(0);
        ScanReport r = scan(z.bytes(), "model.pt");
        assertThat(r.findings()).extracting(Finding::rule).contains(ScanRules.ZIP_INCONSISTENT);
    }

    @Test
    void cve2025_1945FlippedFlagBitsAreRefused() {
        ZipWriter z = new ZipWriter();
        z.add("archive/data.pkl", evil()).flags(0x1);
        assertThat(scan(z.bytes(), "model.pt").blocked()).isTrue();
        ZipWriter benign = new ZipWriter();
        benign.add("archive/data.pkl", benign()).flags(0x1);
        assertThat(scan(benign.bytes(), "model.pt").findings()).extracting(Finding::rule)
                .contains(ScanRules.ZIP_INCONSISTENT);
    }

    @Test
    void cve2025_10156ABadCrcDoesNotHideTheMember() {
        ZipWriter z = new ZipWriter();
        z.add("archive/data.pkl", evil()).crc(0xdeadbeefL);
        ScanReport r = scan(z.bytes(), "model.pt");
        assertThat(r.findings()).extracting(Finding::rule).contains(ScanRules.PICKLE_DANGEROUS_IMPORT);
    }

    @Test
    void cve2025_10155PlainPicklesNamedPtOrBinAreJudgedByContent() {
        for (String name : new String[] {"model.pt", "pytorch_model.bin", "weights.pth", "x.ckpt"}) {
            assertThat(scan(evil(), name).verdict().rule()).as(name).isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
        }
        byte[] text = PickleWriter.text().global("posix", "system").mark().textString("id").tuple().reduce().stop()
                .bytes();
        assertThat(scan(text, "model.bin").verdict().rule()).isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
    }

    @Test
    void nullifAiA7zWithABrokenStreamIsRefused() {
        byte[] sevenZip = new byte[64];
        System.arraycopy(new byte[] {'7', 'z', (byte) 0xbc, (byte) 0xaf, 0x27, 0x1c, 0, 4}, 0, sevenZip, 0, 8);
        Arrays.fill(sevenZip, 32, 64, (byte) 0x5a);
        ScanReport r = scan(sevenZip, "model.pt");
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.UNSUPPORTED_FORMAT);
    }

    @Test
    void aJoblibPayloadAfterTheFirstRawArrayBlockIsFound() {
        PickleWriter p = PickleWriter.proto(2).beginObject("joblib.numpy_pickle", "NumpyArrayWrapper")
                .str("subclass").global("numpy", "ndarray")
                .str("shape").integer(4).tuple1()
                .str("order").str("C")
                .str("dtype").global("numpy", "dtype").str("f8").bool(false).bool(true).tuple3().reduce()
                .mark().integer(3).str("<").none().none().none().integer(-1).integer(-1).integer(0).tuple().build()
                .str("allow_mmap").bool(true)
                .str("numpy_array_alignment_bytes").integer(16)
                .endObject();
        int pad = 16 - (p.bytes().length + 1) % 16;
        p.raw(pad);
        for (int i = 0; i < pad; i++) {
            p.raw(0xff);
        }
        p.raw(new byte[32]); // four float64 zeros: the array's bytes, which joblib reads itself
        p.global("posix", "system").str("id").tuple1().reduce().stop();
        ScanReport r = scan(p.bytes(), "model.joblib");
        assertThat(r.findings()).extracting(Finding::rule).contains(ScanRules.PICKLE_DANGEROUS_IMPORT);
    }

    @Test
    void aModuleNameThatIsNoPythonIdentifierIsStillJudged() {
        // importlib loads a file named foo-bar.py under "foo-bar": such a GLOBAL is an import like any other.
        byte[] hyphen = PickleWriter.text().global("site-tools", "run").mark().textString("id").tuple().reduce()
                .stop().bytes();
        for (String name : new String[] {"notes.txt", "model.bin"}) {
            assertThat(scan(hyphen, name).verdict().rule()).as(name).isEqualTo(ScanRules.PICKLE_UNKNOWN_IMPORT);
        }
        byte[] zipped = new ZipWriter().with("archive/data.pkl", benign()).with("archive/extra", hyphen).bytes();
        assertThat(scan(zipped, "model.pt").findings()).extracting(Finding::rule)
                .contains(ScanRules.PICKLE_UNKNOWN_IMPORT);
    }

    @Test
    void aTextPickleStoredAsArchiveDataTxtIsFound() {
        assertThat(scan(ModelFixtures.protocol0PickleInZip(), "model.pt").findings()).extracting(Finding::rule)
                .contains(ScanRules.PICKLE_DANGEROUS_IMPORT);
    }

    // ---- import chains: each is refused as dangerous, whatever profile is on ------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "CVE-2025-10157, asyncio.unix_events, _UnixSubprocessTransport._start",
        "CVE-2026-3490, pkgutil, resolve_name",
        "pip.main, pip, main",
        "timeit.timeit, timeit, timeit",
        "numpy.testing runstring, numpy.testing._private.utils, runstring",
        "torch._dynamo GuardBuilder.get, torch._dynamo.guards, GuardBuilder.get",
        "code.InteractiveInterpreter.runcode, code, InteractiveInterpreter.runcode",
        "idlelib pyshell, idlelib.pyshell, ModifiedInterpreter.runcode",
        "idlelib run, idlelib.run, exec",
        "trace.Trace.runctx, trace, Trace.runctx",
        "cProfile.runctx, cProfile, runctx",
        "ensurepip._run_pip, ensurepip, _run_pip",
        "pydoc.locate, pydoc, locate",
        "operator.methodcaller, operator, methodcaller",
        "pty.spawn, pty, spawn",
        "numpy.f2py myeval, numpy.f2py.crackfortran, myeval",
        "logging.FileHandler, logging, FileHandler",
        "importlib.import_module, importlib, import_module",
        "inspect.getattr_static, inspect, getattr_static",
        "marshal.loads, marshal, loads",
        "types.FunctionType, types, FunctionType",
        "codecs.open, codecs, open",
        "_posixsubprocess.fork_exec, _posixsubprocess, fork_exec",
    })
    void importChainsAreDangerous(String id, String module, String name) {
        byte[] pickle = PickleWriter.proto(4).stackGlobal(module, name).str("x").tuple1().reduce().stop().bytes();
        for (String profile : new String[] {"weights-only", "sklearn", "numpy-object", "torch-modules"}) {
            ScanPolicy p = ScanPolicy.defaults().withImports(dev.dualtrack.scanner.pickle.ImportPolicy.of(
                    profile.equals("weights-only") ? java.util.List.of() : java.util.List.of(profile),
                    java.util.List.of()));
            ScanReport r = Scans.scan(pickle, "m.pkl", p);
            assertThat(r.verdict().rule()).as(id + " under " + profile).isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
        }
        assertThat(new String(pickle, StandardCharsets.UTF_8)).contains(module);
    }
}
