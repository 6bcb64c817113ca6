package dev.dualtrack.load;

import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.relay.FetchSpec;
import dev.dualtrack.proxy.server.Router;
import dev.dualtrack.proxy.upstream.UpstreamRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * G6 throughput: one large body streamed through the relay (hashed, inspected by a no-op inspector, verified
 * against its expected sha256, tail held), reported as a ratio to references measured in the same run on the
 * same bytes: {@code sha256sum} of the file, and the same download straight from the origin.
 *
 * <pre>
 * ./mvnw -q -B -pl load-tests -am install -DskipTests
 * ./mvnw -q -B -pl load-tests exec:exec@relay-throughput [-Dsize.mib=2048] [-Druns=3]
 * </pre>
 *
 * The proxy runs in this JVM (started with -Xmx256m by the exec configuration); the origin serves the file with
 * sendfile; the client is curl in its own process. Needs sha256sum and curl on the PATH.
 */
public final class RelayThroughput {
    private RelayThroughput() {
    }

    public static void main(String[] args) throws Exception {
        long size = Long.getLong("size.mib", 2048) << 20;
        int runs = Integer.getInteger("runs", 3);
        Path dir = Files.createTempDirectory("dualtrack-bench");
        Path file = dir.resolve("body.bin");
        System.out.printf("writing %d MiB of random bytes to %s%n", size >> 20, file);
        writeRandom(file, size);

        List<Double> sha256sum = new ArrayList<>();
        String sha = "";
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            String out = run("sha256sum", file.toString());
            sha256sum.add(mbps(size, System.nanoTime() - t0));
            sha = out.split("\\s+")[0];
        }

        try (FileOrigin origin = new FileOrigin(file)) {
            String direct = "http://127.0.0.1:" + origin.port() + "/body.bin";
            List<Double> directRuns = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                directRuns.add(curl(direct, size));
            }
            List<Double> uncached = relay(dir.resolve("uncached"), "1GiB", direct, sha, size, runs);
            List<Double> caching = relay(dir.resolve("caching"), "64GiB", direct, sha, size, runs);

            System.out.println();
            System.out.printf("body: %d MiB, runs: %d, cores: %d%n", size >> 20, runs,
                    Runtime.getRuntime().availableProcessors());
            report("sha256sum (reference)", sha256sum, median(sha256sum));
            report("origin -> curl, no proxy", directRuns, median(sha256sum));
            report("dualtrack relay, no cache write", uncached, median(sha256sum));
            report("dualtrack relay, writing the cache", caching, median(sha256sum));
        } finally {
            run("rm", "-rf", dir.toString());
        }
    }

    private static List<Double> relay(Path data, String cacheMax, String upstream, String sha, long size, int runs)
            throws Exception {
        DualtrackConfig config = ConfigLoader.parse("bench", "listen: {port: 0}\ncache: {dir: '" + data
                + "', max-size: " + cacheMax + "}\n");
        List<Double> speeds = new ArrayList<>();
        try (ProxyRuntime rt = ProxyRuntime.create(config, AuditLog.inMemory(false, l -> { }), Clock.systemUTC())) {
            Router router = rt.newRouter().add("/files", ex -> rt.fetcher().serve(ex, FetchSpec.builder(
                    new Subject(ex.clientAddress(), "bench", "body", "body.bin", ""),
                    UpstreamRequest.get(java.net.URI.create(upstream))).expectedSha256(sha).build()));
            rt.start(router);
            for (int i = 0; i < runs; i++) {
                // A fresh cache each run: this measures the uncached path, not serving from disk. The previous
                // run's commit finishes after its client has the last byte: wait for it before deleting.
                awaitSettled(rt);
                run("rm", "-rf", data.resolve("blobs").toString());
                speeds.add(curl("http://127.0.0.1:" + rt.port() + "/files/body.bin?run=" + i, size));
            }
        }
        return speeds;
    }

    /** Waits until no fetch is in flight, so every cache commit has landed. */
    static void awaitSettled(ProxyRuntime rt) throws InterruptedException {
        for (int i = 0; i < 600 && rt.fetcher().inFlight() > 0; i++) {
            Thread.sleep(50);
        }
        if (rt.fetcher().inFlight() > 0) {
            throw new IllegalStateException("a fetch is still in flight after 30 s");
        }
    }

    static double curl(String url, long size) throws Exception {
        String out = run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}", url);
        String[] f = out.trim().split(" ");
        if (!f[0].equals("200") || Long.parseLong(f[1]) != size) {
            throw new IllegalStateException("download failed: " + out);
        }
        return size / Double.parseDouble(f[2]) / 1e6;
    }

    private static void report(String what, List<Double> runs, double reference) {
        double m = median(runs);
        System.out.printf("%-38s median %7.0f MB/s  (runs %s)  ratio to sha256sum %.2f%n", what, m,
                Arrays.toString(runs.stream().mapToLong(Math::round).toArray()), m / reference);
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static double mbps(long bytes, long nanos) {
        return bytes / (nanos / 1e9) / 1e6;
    }

    private static void writeRandom(Path file, long size) throws IOException {
        SplittableRandom r = new SplittableRandom(2026);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long done = 0; done < size; done += block.length) {
                r.nextBytes(block);
                out.write(block, 0, (int) Math.min(block.length, size - done));
            }
        }
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
