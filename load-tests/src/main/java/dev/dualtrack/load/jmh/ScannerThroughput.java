package dev.dualtrack.load.jmh;

import dev.dualtrack.scanner.FileScanner;
import dev.dualtrack.scanner.ScanPolicy;
import dev.dualtrack.scanner.ScanReport;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scanner throughput next to raw SHA-256 on the same bytes, in the same run, fed in 64 KiB chunks as the relay
 * feeds them. MB/s = size / (ms per op) / 1000.
 *
 * <pre>
 * ./mvnw -q -B -pl load-tests -am install -DskipTests
 * java -Xmx4g -cp "$(cat load-tests/target/classpath.txt)" org.openjdk.jmh.Main ScannerThroughput
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@State(Scope.Benchmark)
public class ScannerThroughput {
    private static final int CHUNK = 64 * 1024;

    /**
     * pickle: 50 arrays of 4 MiB (~210 MB, payload-heavy); dense-pickle: 1M small tuples (~30 MB, 6M opcodes);
     * torch-zip: 256 storages of 4 MiB (~1.07 GB).
     */
    @Param({"pickle", "dense-pickle", "torch-zip"})
    public String kind;

    private byte[] bytes;

    @Setup(Level.Trial)
    public void setUp() {
        bytes = switch (kind) {
            case "pickle" -> SyntheticModels.picklePayload(50, 4 << 20);
            case "dense-pickle" -> SyntheticModels.densePickle(1_000_000);
            default -> SyntheticModels.torchZip(256, 4 << 20);
        };
        ScanReport r = scanOnce();
        if (r.blocked()) {
            throw new IllegalStateException("the synthetic " + kind + " must be clean: " + r.findings());
        }
        System.out.printf("%n%s: %,d bytes, format %s%n", kind, bytes.length, r.format());
    }

    private ScanReport scanOnce() {
        FileScanner s = new FileScanner(ScanPolicy.defaults(), "bench");
        for (int off = 0; off < bytes.length; off += CHUNK) {
            s.feed(ByteBuffer.wrap(bytes, off, Math.min(CHUNK, bytes.length - off)));
        }
        return s.finish();
    }

    @Benchmark
    public ScanReport scan() {
        return scanOnce();
    }

    @Benchmark
    public byte[] sha256() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (int off = 0; off < bytes.length; off += CHUNK) {
            md.update(bytes, off, Math.min(CHUNK, bytes.length - off));
        }
        return md.digest();
    }
}
