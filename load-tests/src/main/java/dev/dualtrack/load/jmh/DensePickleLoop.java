package dev.dualtrack.load.jmh;

import dev.dualtrack.scanner.FileScanner;
import dev.dualtrack.scanner.ScanPolicy;
import dev.dualtrack.scanner.ScanReport;
import java.nio.ByteBuffer;

/**
 * The dense-pickle scan of {@link ScannerThroughput} in a plain loop, printing milliseconds per scan, so the
 * garbage collector's share can be compared by running it under different JVM flags (JMH forks one setting):
 *
 * <pre>
 * java -Xmx2g -Xms2g [-XX:+UseParallelGC] -cp "$(cat load-tests/target/classpath.txt):load-tests/target/classes" \
 *     dev.dualtrack.load.jmh.DensePickleLoop 14
 * </pre>
 */
public final class DensePickleLoop {
    private DensePickleLoop() {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 14;
        byte[] b = SyntheticModels.densePickle(1_000_000);
        for (int r = 0; r < runs; r++) {
            long t = System.nanoTime();
            FileScanner s = new FileScanner(ScanPolicy.defaults(), "dense.pkl");
            for (int i = 0; i < b.length; i += 64 * 1024) {
                s.feed(ByteBuffer.wrap(b, i, Math.min(64 * 1024, b.length - i)));
            }
            ScanReport report = s.finish();
            if (report.blocked()) {
                throw new IllegalStateException("the synthetic pickle must be clean: " + report.findings());
            }
            System.out.printf("%d ms%n", (System.nanoTime() - t) / 1_000_000);
        }
    }
}
