package dev.dualtrack.scanner.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.dualtrack.scanner.FileScanner;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanLimits;
import dev.dualtrack.scanner.ScanPolicy;
import dev.dualtrack.scanner.ScanReport;
import dev.dualtrack.scanner.Severity;
import dev.dualtrack.scanner.gguf.GgufScanner;
import dev.dualtrack.scanner.numpy.NpyScanner;
import dev.dualtrack.scanner.pickle.ImportPolicy;
import dev.dualtrack.scanner.pickle.PickleStream;
import dev.dualtrack.scanner.safetensors.SafetensorsScanner;
import dev.dualtrack.scanner.zip.EntrySink;
import dev.dualtrack.scanner.zip.ZipScanner;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiConsumer;

/**
 * One fuzz target per parser. Each asserts that no exception escapes (G3: a parser fails into a finding, never
 * a throw) and that the findings do not depend on how the input was split. In a normal build these run in
 * regression mode over the committed inputs (src/test/resources/.../ScannerFuzzTestInputs/); with
 * {@code JAZZER_FUZZ=1} Jazzer fuzzes one target:
 *
 * <pre>JAZZER_FUZZ=1 ./mvnw -pl scanner test -Dtest='ScannerFuzzTest#pickle'</pre>
 */
class ScannerFuzzTest {
    private static final ScanLimits SMALL = new ScanLimits(10_000, 10_000, 1_000, 64 * 1024, 256, 50, 1_000);

    /** Feeds {@code input} whole and split at random points; both runs must report the same findings. */
    private static void sameFindingsInTwoChunkings(byte[] input, long seed,
            BiConsumer<List<ByteBuffer>, List<Finding>> parser) {
        List<Finding> whole = new ArrayList<>();
        parser.accept(List.of(ByteBuffer.wrap(input)), whole);
        List<ByteBuffer> pieces = new ArrayList<>();
        Random r = new Random(seed);
        int pos = 0;
        while (pos < input.length) {
            int n = Math.min(input.length - pos, 1 + r.nextInt(17));
            pieces.add(ByteBuffer.wrap(input, pos, n).slice());
            pos += n;
        }
        List<Finding> split = new ArrayList<>();
        parser.accept(pieces, split);
        assertThat(split).isEqualTo(whole);
    }

    @FuzzTest(maxDuration = "2m")
    void pickle(FuzzedDataProvider data) {
        long seed = data.consumeLong();
        sameFindingsInTwoChunkings(data.consumeRemainingAsBytes(), seed, (pieces, findings) -> {
            PickleStream s = new PickleStream(ImportPolicy.weightsOnly(), SMALL, "", findings);
            pieces.forEach(s::feed);
            s.finish();
        });
    }

    @FuzzTest(maxDuration = "2m")
    void zip(FuzzedDataProvider data) {
        long seed = data.consumeLong();
        sameFindingsInTwoChunkings(data.consumeRemainingAsBytes(), seed, (pieces, findings) -> {
            ZipScanner z = new ZipScanner(name -> EntrySink.IGNORE, "", findings);
            pieces.forEach(z::feed);
            z.finish();
        });
    }

    @FuzzTest(maxDuration = "2m")
    void safetensors(FuzzedDataProvider data) {
        long seed = data.consumeLong();
        sameFindingsInTwoChunkings(data.consumeRemainingAsBytes(), seed, (pieces, findings) -> {
            SafetensorsScanner s = new SafetensorsScanner(1 << 20, "", findings);
            pieces.forEach(s::feed);
            s.finish();
        });
    }

    @FuzzTest(maxDuration = "2m")
    void numpy(FuzzedDataProvider data) {
        long seed = data.consumeLong();
        sameFindingsInTwoChunkings(data.consumeRemainingAsBytes(), seed, (pieces, findings) -> {
            NpyScanner s = new NpyScanner(ImportPolicy.weightsOnly(), SMALL, "", findings);
            pieces.forEach(s::feed);
            s.finish();
        });
    }

    @FuzzTest(maxDuration = "2m")
    void gguf(FuzzedDataProvider data) {
        long seed = data.consumeLong();
        sameFindingsInTwoChunkings(data.consumeRemainingAsBytes(), seed, (pieces, findings) -> {
            GgufScanner s = new GgufScanner("", findings);
            pieces.forEach(s::feed);
            s.finish();
        });
    }

    @FuzzTest(maxDuration = "2m")
    void anyFile(FuzzedDataProvider data) {
        long seed = data.consumeLong();
        boolean enforce = data.consumeBoolean();
        byte[] input = data.consumeRemainingAsBytes();
        ScanPolicy policy = ScanPolicy.defaults().withEnforceSafetensors(enforce);
        sameFindingsInTwoChunkings(input, seed, (pieces, findings) -> {
            FileScanner s = new FileScanner(policy, "fuzz.bin");
            pieces.forEach(s::feed);
            ScanReport r = s.finish();
            findings.addAll(r.findings());
        });
    }

    @FuzzTest(maxDuration = "2m")
    void protobuf(FuzzedDataProvider data) {
        long seed = data.consumeLong();
        sameFindingsInTwoChunkings(data.consumeRemainingAsBytes(), seed, (pieces, findings) -> {
            dev.dualtrack.scanner.protobuf.ProtobufScanner s = new dev.dualtrack.scanner.protobuf.ProtobufScanner();
            pieces.forEach(s::feed);
            s.finish("", findings).ifPresent(format -> findings.add(new Finding("format", Severity.INFO, format)));
        });
    }

    /** HDF5 through the spool and the HDF5 reader: whatever the bytes, a finding or nothing, never a throw. */
    @FuzzTest(maxDuration = "2m")
    void hdf5(FuzzedDataProvider data) {
        byte[] body = data.consumeRemainingAsBytes();
        byte[] input = new byte[8 + body.length];
        System.arraycopy(new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'}, 0, input, 0, 8);
        System.arraycopy(body, 0, input, 8, body.length);
        FileScanner s = new FileScanner(ScanPolicy.defaults(), "fuzz.h5");
        s.feed(ByteBuffer.wrap(input));
        assertThat(s.finish().format()).isEqualTo("hdf5");
    }

    /** LFS pointers and git config: a malformed pointer is an IllegalArgumentException with a reason, nothing else. */
    @FuzzTest(maxDuration = "1m")
    void lfs(FuzzedDataProvider data) {
        String config = data.consumeString(400);
        byte[] pointer = data.consumeRemainingAsBytes();
        dev.dualtrack.scanner.lfs.GitConfig.parse(config).last("lfs.url");
        dev.dualtrack.scanner.lfs.LfsAudit.gitattributes(config);
        new dev.dualtrack.scanner.lfs.LfsAudit(java.util.Optional.empty()).lfsconfig(config);
        try {
            dev.dualtrack.scanner.lfs.LfsPointer p = dev.dualtrack.scanner.lfs.LfsPointer.parse(pointer);
            assertThat(p.sha256()).hasSize(64);
            assertThat(p.size()).isNotNegative();
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
