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
import dev.dualtrack.store.s3.S3ProxyProcess;
import dev.dualtrack.store.s3.S3SharedStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Fleet mode's read path: a large blob another replica verified, served from the shared store through the relay
 * (hashed, verified, tail held, written to the local cache), as a ratio to a direct GET of the same object from
 * the same S3 server in the same run, and to a direct GET whose client checks the sha256 as it reads (Python's
 * hashlib). S3Proxy runs as a process with its filesystem backend; this JVM (the proxy) runs with -Xmx256m, and
 * the peak heap after each run is reported.
 *
 * <pre>
 * ./mvnw -q -B -pl load-tests -am install -DskipTests
 * ./mvnw -q -B -pl load-tests exec:exec@shared-store [-Dsize.mib=2048] [-Druns=3] [-Dwarmup.runs=1]
 * </pre>
 * Needs sha256sum, python3 and curl on the PATH.
 */
public final class SharedStoreThroughput {
    private SharedStoreThroughput() {
    }

    public static void main(String[] args) throws Exception {
        long size = Long.getLong("size.mib", 2048) << 20;
        int runs = Integer.getInteger("runs", 3);
        Path dir = Files.createTempDirectory("dualtrack-shared-bench");
        Path file = dir.resolve("body.bin");
        System.out.printf("writing %d MiB of random bytes to %s%n", size >> 20, file);
        RelayThroughput.run("dd", "if=/dev/urandom", "of=" + file, "bs=1M", "count=" + (size >> 20), "status=none");
        String sha = RelayThroughput.run("sha256sum", file.toString()).split("\\s+")[0];
        try (S3ProxyProcess s3 = S3ProxyProcess.start(Files.createDirectories(dir.resolve("s3")), true)) {
            s3.createBucket("fleet");
            String key = "blobs/sha256/" + sha.substring(0, 2) + "/" + sha;
            long t0 = System.nanoTime();
            try (S3SharedStore store = new S3SharedStore(s3.endpoint(), "fleet", "us-east-1", "bench/", true, "id",
                    "secret", Duration.ofSeconds(60))) {
                store.putFile(key, file);
            }
            double upload = size / ((System.nanoTime() - t0) / 1e9) / 1e6;
            String direct = s3.endpoint() + "/fleet/bench/" + key;
            List<Double> directRuns = new ArrayList<>();
            List<Double> verifiedRuns = new ArrayList<>();
            List<Double> proxied = new ArrayList<>();
            List<Long> peaks = new ArrayList<>();
            List<Double> directS3Cpu = new ArrayList<>();
            List<Double> proxiedS3Cpu = new ArrayList<>();
            List<Double> proxiedCpu = new ArrayList<>();
            double gib = size / (double) (1L << 30);
            DualtrackConfig config = ConfigLoader.parse("bench", "listen: {port: 0}\ncache: {dir: '" + dir.resolve(
                    "data") + "', max-size: 64GiB, shared: {s3: {endpoint: '" + s3.endpoint() + "', bucket: fleet, "
                    + "prefix: 'bench/', access-key-env: K, secret-key-env: S, timeout: 60s}}}\n");
            try (ProxyRuntime rt = ProxyRuntime.create(config, AuditLog.inMemory(false, l -> { }), Clock.systemUTC(),
                    java.util.Optional.of(new S3SharedStore(s3.endpoint(), "fleet", "us-east-1", "bench/", true, "id",
                            "secret", Duration.ofSeconds(60))))) {
                // The upstream is a closed port: every byte must come from the shared store.
                Router router = rt.newRouter().add("/files", ex -> rt.fetcher().serve(ex, FetchSpec.builder(
                        new Subject(ex.clientAddress(), "bench", "body", "body.bin", ""),
                        UpstreamRequest.get(java.net.URI.create("http://127.0.0.1:9/never"))).expectedSha256(sha)
                        .build()));
                rt.start(router);
                // One unmeasured pass through dualtrack first: without it the JIT compiles the relay during the
                // first measured runs, on the same two cores (perf put the C2 threads at a fifth of the JVM's
                // samples), and the figure would be the warm-up's, not the steady state an operator pays for.
                for (int i = 0; i < Integer.getInteger("warmup.runs", 1); i++) {
                    RelayThroughput.curl("http://127.0.0.1:" + rt.port() + "/files/body.bin?warmup=" + i, size);
                    RelayThroughput.awaitSettled(rt);
                    RelayThroughput.run("rm", "-rf", dir.resolve("data").resolve("blobs").toString());
                }
                for (int i = 0; i < runs; i++) {
                    double s0 = Nginx.procCpuSeconds(s3.pid());
                    directRuns.add(RelayThroughput.curl(direct, size));
                    directS3Cpu.add((Nginx.procCpuSeconds(s3.pid()) - s0) / gib);
                    verifiedRuns.add(verifiedGet(direct, size, sha));
                    RelayThroughput.awaitSettled(rt);
                    RelayThroughput.run("rm", "-rf", dir.resolve("data").resolve("blobs").toString());
                    resetPeaks();
                    s0 = Nginx.procCpuSeconds(s3.pid());
                    System.out.printf("run %d: through dualtrack%n", i);
                    System.out.flush();
                    double j0 = HfStreamThroughput.processCpuSeconds();
                    proxied.add(RelayThroughput.curl("http://127.0.0.1:" + rt.port() + "/files/body.bin?run=" + i,
                            size));
                    RelayThroughput.awaitSettled(rt);
                    proxiedCpu.add((HfStreamThroughput.processCpuSeconds() - j0) / gib);
                    proxiedS3Cpu.add((Nginx.procCpuSeconds(s3.pid()) - s0) / gib);
                    peaks.add(peakHeap());
                }
            }
            System.out.println();
            System.out.printf("blob: %d MiB, runs: %d, cores: %d, max heap %d MiB%n", size >> 20, runs,
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
            System.out.printf("upload (multipart, 64 MiB parts)       %7.0f MB/s%n", upload);
            double ref = median(directRuns);
            System.out.printf("S3Proxy -> curl, direct (reference)    median %7.0f MB/s  runs %s%n", ref, directRuns);
            System.out.printf("S3Proxy -> python, sha256 checked      median %7.0f MB/s  runs %s%n",
                    median(verifiedRuns), verifiedRuns);
            System.out.printf("shared store -> dualtrack -> curl      median %7.0f MB/s  runs %s  ratio %.2f "
                    + "(%.2f of the GET that verifies)%n", median(proxied), proxied, median(proxied) / ref,
                    median(proxied) / median(verifiedRuns));
            System.out.printf("CPU per GiB (/proc): S3Proxy direct %.2f s, S3Proxy under dualtrack %.2f s, "
                    + "dualtrack %.2f s%n", median(directS3Cpu), median(proxiedS3Cpu), median(proxiedCpu));
            System.out.printf("peak heap during the served runs: %s MiB%n", peaks);
        } finally {
            RelayThroughput.run("rm", "-rf", dir.toString());
        }
    }

    /**
     * The second reference: a direct GET whose client checks the sha256, as every byte through dualtrack is
     * checked (G1: a tampered bucket is never served). It is what the fleet read would cost anyone who verifies,
     * so the gap to it is dualtrack's own; the gap between the two references is the price of the hash.
     */
    private static double verifiedGet(String url, long size, String sha) throws Exception {
        // Python's hashlib is OpenSSL's SHA-256, fed 1 MiB reads from the socket. (curl piped into `openssl dgst`
        // is not a fair reference here: openssl reads a pipe 8 KiB at a time, and the pipe cost more system time
        // than the hash.)
        String client = "import hashlib,sys,urllib.request\n"
                + "h=hashlib.sha256()\n"
                + "with urllib.request.urlopen(sys.argv[1]) as r:\n"
                + "    while True:\n"
                + "        b=r.read(1<<20)\n"
                + "        if not b: break\n"
                + "        h.update(b)\n"
                + "print(h.hexdigest())\n";
        long t0 = System.nanoTime();
        String out = RelayThroughput.run("python3", "-c", client, url);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!out.startsWith(sha)) {
            throw new IllegalStateException("the direct GET did not verify: " + out);
        }
        return size / seconds / 1e6;
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum >> 20;
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
