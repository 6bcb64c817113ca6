package dev.dualtrack.scanner.pickle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.scanner.Chunkings;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanLimits;
import dev.dualtrack.scanner.ScanRules;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PickleScannerTest {

    /** Scans {@code input} in every chunking and asserts they all agree; returns the findings' rule ids. */
    static List<String> rules(byte[] input) {
        return rules(input, ImportPolicy.weightsOnly());
    }

    static List<String> rules(byte[] input, ImportPolicy policy) {
        List<List<Finding>> all = new ArrayList<>();
        Chunkings.of(input).forEach(chunking -> {
            List<Finding> findings = new ArrayList<>();
            PickleStream s = new PickleStream(policy, ScanLimits.DEFAULT, " in test.pkl", findings);
            chunking.deliver(input, s::feed);
            s.finish();
            all.add(findings);
        });
        for (List<Finding> f : all) {
            assertThat(f).as("findings must not depend on chunking").isEqualTo(all.get(0));
        }
        return all.get(0).stream().map(Finding::rule).collect(Collectors.toList());
    }

    static String details(byte[] input) {
        List<Finding> findings = new ArrayList<>();
        PickleStream s = new PickleStream(ImportPolicy.weightsOnly(), ScanLimits.DEFAULT, "", findings);
        s.feed(java.nio.ByteBuffer.wrap(input));
        s.finish();
        return findings.toString();
    }

    /** A protocol 2 state dict as torch.save writes it: OrderedDict + _rebuild_tensor_v2 + FloatStorage. */
    static byte[] torchStateDict() {
        return PickleBytes.proto(2)
                .global("collections", "OrderedDict").op(')').op('R').binput(0)
                .op('(')
                .unicode("layer.weight")
                .global("torch._utils", "_rebuild_tensor_v2").binput(1)
                .op('(')
                .op('(').unicode("storage").global("torch", "FloatStorage").unicode("0").unicode("cpu")
                .binint1(6).op('t').op('Q')
                .binint1(0).binint1(2).binint1(3).op(0x86).binint1(3).binint1(1).op(0x86).op(0x89)
                .global("collections", "OrderedDict").op(')').op('R')
                .op('t').op('R')
                .op('u').stop().bytes();
    }

    @Test
    void anOrdinaryTorchStateDictHasNoFindings() {
        assertThat(rules(torchStateDict())).isEmpty();
    }

    @Test
    void globalOsSystemIsDangerous() {
        byte[] p = PickleBytes.text().call("os", "system", "id").stop().bytes();
        assertThat(rules(p)).containsExactly(ScanRules.PICKLE_DANGEROUS_IMPORT);
        assertThat(details(p)).contains("imports os.system", "GLOBAL at offset 0");
    }

    @Test
    void unknownImportsAreFindingsToo() {
        byte[] p = PickleBytes.proto(2).call("mypkg.models", "Net", "x").stop().bytes();
        assertThat(rules(p)).containsExactly(ScanRules.PICKLE_UNKNOWN_IMPORT);
    }

    @Test
    void stackGlobalResolvesOperandsThroughTheMemoNotTheLastStringsSeen() {
        // picklescan issue #22: the real names are memoised, decoys pushed, then the memo read back.
        byte[] p = PickleBytes.proto(4)
                .unicode("os").binput(0).unicode("system").binput(1)
                .unicode("torch").unicode("LongStorage").op('0').op('0')
                .binget(0).binget(1).op(0x93)
                .op('(').unicode("id").op('t').op('R').stop().bytes();
        assertThat(rules(p)).containsExactly(ScanRules.PICKLE_DANGEROUS_IMPORT);
        assertThat(details(p)).contains("os.system");
    }

    @Test
    void stackGlobalWithNonStringOperandsIsMalformed() {
        byte[] p = PickleBytes.proto(4).binint1(42).unicode("system").op(0x93).stop().bytes();
        assertThat(rules(p)).containsExactly(ScanRules.PICKLE_MALFORMED);
        byte[] bytesOperand = PickleBytes.proto(4).op('C').raw(2).raw('o', 's').unicode("system").op(0x93).stop().bytes();
        assertThat(rules(bytesOperand)).containsExactly(ScanRules.PICKLE_MALFORMED);
    }

    @Test
    void readingANeverWrittenMemoSlotIsMalformed() {
        byte[] p = PickleBytes.proto(4).binget(7).unicode("system").op(0x93).stop().bytes();
        assertThat(rules(p)).containsExactly(ScanRules.PICKLE_MALFORMED);
        assertThat(details(p)).contains("memo slot 7 read before it was written");
    }

    @Test
    void aTruncatedPickleIsMalformedEvenAfterItsPayloadRan() {
        // nullifAI: the REDUCE runs at load time before the loader notices the stream is broken.
        byte[] p = PickleBytes.proto(2).call("builtins", "exec", "print(1)").bytes();
        assertThat(rules(p)).containsExactly(ScanRules.PICKLE_DANGEROUS_IMPORT, ScanRules.PICKLE_MALFORMED);
    }

    @Test
    void unknownOpcodesAndJunkAfterStopAreMalformed() {
        assertThat(rules(new byte[] {(byte) 0x80, 2, (byte) 0xff})).containsExactly(ScanRules.PICKLE_MALFORMED);
        byte[] junk = PickleBytes.proto(2).op('N').stop().raw('\n').bytes();
        assertThat(rules(junk)).containsExactly(ScanRules.PICKLE_MALFORMED);
    }

    @Test
    void everyPickleInAStreamIsScanned() {
        byte[] first = PickleBytes.proto(2).op('N').stop().bytes();
        byte[] second = PickleBytes.proto(2).call("posix", "system", "id").stop().bytes();
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        assertThat(rules(both)).containsExactly(ScanRules.PICKLE_DANGEROUS_IMPORT);
    }

    @Test
    void dupIsNeverWrittenByAPicklerAndIsRefused() {
        byte[] p = PickleBytes.proto(4).op(']').op('2').op('2').op('0').op('0').stop().bytes();
        assertThat(rules(p)).containsExactly(ScanRules.PICKLE_DANGEROUS_OPCODE);
    }

    @Test
    void extensionRegistryCallsAreDangerous() {
        byte[] p = PickleBytes.proto(2).op(0x82).raw(1).op(')').op('R').stop().bytes();
        assertThat(rules(p)).containsExactly(ScanRules.PICKLE_DANGEROUS_OPCODE);
    }

    @Test
    void buildOnAClassOrModuleObjectIsDangerous() {
        byte[] p = PickleBytes.proto(2).global("collections", "OrderedDict").op('}').op('b').stop().bytes();
        assertThat(rules(p)).containsExactly(ScanRules.PICKLE_DANGEROUS_OPCODE);
    }

    @Test
    void dottedAndDunderNamesAreNeverAllowed() {
        byte[] dotted = PickleBytes.proto(4).unicode("pathlib").unicode("os.system").op(0x93).stop().bytes();
        assertThat(rules(dotted)).containsExactly(ScanRules.PICKLE_DANGEROUS_IMPORT);
        byte[] dunder = PickleBytes.proto(4).unicode("numpy").unicode("__builtins__").op(0x93).stop().bytes();
        assertThat(rules(dunder)).containsExactly(ScanRules.PICKLE_UNKNOWN_IMPORT);
        ImportPolicy lax = ImportPolicy.of(List.of(), List.of("collections.OrderedDict.fromkeys"));
        byte[] allowedButDotted = PickleBytes.proto(4).unicode("collections").unicode("OrderedDict.fromkeys")
                .op(0x93).stop().bytes();
        assertThat(rules(allowedButDotted, lax)).containsExactly(ScanRules.PICKLE_UNKNOWN_IMPORT);
    }

    @Test
    void python2NamesMapAsCPythonMapsThemBelowProtocol3() {
        byte[] p2 = PickleBytes.proto(2).global("__builtin__", "set").op(')').op('R').stop().bytes();
        assertThat(rules(p2)).isEmpty();
        byte[] p3 = PickleBytes.proto(3).global("__builtin__", "set").op(')').op('R').stop().bytes();
        assertThat(rules(p3)).containsExactly(ScanRules.PICKLE_UNKNOWN_IMPORT);
        byte[] evil = PickleBytes.proto(2).call("__builtin__", "eval", "1").stop().bytes();
        assertThat(rules(evil)).containsExactly(ScanRules.PICKLE_DANGEROUS_IMPORT);
    }

    @Test
    void wellFormedFramesPassAndAStraddlingArgumentIsMalformed() {
        PickleBytes body = PickleBytes.proto(4);
        byte[] inner = PickleBytes.text().unicode("abc").op('0').op('N').stop().bytes();
        byte[] ok = body.frame(inner.length).raw(inner).bytes();
        assertThat(rules(ok)).isEmpty();
        // CPython issue 154848: a FRAME that ends inside the next opcode's argument.
        byte[] straddle = PickleBytes.proto(5).frame(2).op('B').le(7, 4).raw(new byte[7]).op('0')
                .op('N').stop().bytes();
        assertThat(rules(straddle)).containsExactly(ScanRules.PICKLE_MALFORMED);
        assertThat(details(straddle)).contains("past the end of its FRAME");
        byte[] nested = PickleBytes.proto(4).frame(20).op('N').frame(1).op('0').stop().bytes();
        assertThat(rules(nested)).containsExactly(ScanRules.PICKLE_MALFORMED);
        byte[] beyondEnd = PickleBytes.proto(4).frame(100).op('N').stop().bytes();
        assertThat(rules(beyondEnd)).containsExactly(ScanRules.PICKLE_MALFORMED);
    }

    @Test
    void protocolZeroTextOpcodesAreReadLikeCPython() {
        byte[] p = "(S'os'\nS'system'\ni__builtin__\nobject\np0\n.".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(rules(p)).containsExactly(ScanRules.PICKLE_UNKNOWN_IMPORT);
        byte[] ints = "(I01\nI0x1f\nL12L\nF1.5e3\nV\\u0041b\np1\ng1\nt.".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(rules(ints)).isEmpty();
        byte[] badInt = "I1z\n.".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(rules(badInt)).containsExactly(ScanRules.PICKLE_MALFORMED);
        byte[] unquoted = "Sos\n.".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(rules(unquoted)).containsExactly(ScanRules.PICKLE_MALFORMED);
    }

    @Test
    void stackUnderflowBelowAMarkIsMalformedAsInCPython() {
        byte[] p = PickleBytes.proto(2).op('N').op('(').op(0x85).stop().bytes();
        assertThat(rules(p)).containsExactly(ScanRules.PICKLE_MALFORMED);
        // POP on an empty mark frame pops the mark.
        byte[] popMark = PickleBytes.proto(2).op('N').op('(').op('0').stop().bytes();
        assertThat(rules(popMark)).isEmpty();
    }

    @Test
    void limitsAreFindingsNotCrashes() {
        ScanLimits tiny = new ScanLimits(4, 4, 2, 16, 8, 10, 10);
        byte[] deep = PickleBytes.proto(2).op('N').op('N').op('N').op('N').op('N').stop().bytes();
        List<Finding> f = new ArrayList<>();
        PickleStream s = new PickleStream(ImportPolicy.weightsOnly(), tiny, "", f);
        s.feed(java.nio.ByteBuffer.wrap(deep));
        s.finish();
        assertThat(f).extracting(Finding::detail).anySatisfy(d -> assertThat(d).contains("stack deeper than 4"));
    }
}
