package dev.dualtrack.load;

import com.sun.net.httpserver.HttpServer;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.config.Secrets;
import dev.dualtrack.hf.HfRoute;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The Hub track's streaming cost: one 2 GiB safetensors file downloaded through dualtrack's {@code /hf} route
 * (revision pinned, HEAD contract from a fake Hub, the 302 to a CDN followed, every byte hashed against the
 * announced LFS sha256 and inspected by the safetensors validator, tail held), reported as a ratio to nginx
 * reverse-proxying the same file from the same origin in the same run. Then the cached re-download, served from
 * dualtrack's verified blob cache, against nginx serving the file from disk.
 *
 * <pre>
 * apt-get install -y nginx curl
 * ./mvnw -q -B -pl load-tests -am install -DskipTests
 * ./mvnw -q -B -pl load-tests exec:exec@hf-stream [-Dsize.mib=2048] [-Druns=3] [-Dcache.write=false]
 * </pre>
 *
 * With {@code -Dcache.write=false} the cache is smaller than the file, so nothing is written to disk: the
 * difference from the default run is what writing the cache costs (the cached re-download is then skipped).
 *
 * The JVM runs with -Xmx256m (the exec configuration); the peak heap after each phase is reported from the heap
 * pools' peak usage. Client: curl in its own process; origin: sendfile; nginx: one worker.
 *
 * <p>CPU per GiB: nginx's processes from {@code /proc/PID/stat} over a {@code proxy_cache} miss (a key of its own
 * each run, 64 KiB buffers, the cache file written in place), plus openssl's SHA-256 of the same file (user +
 * system); against this JVM's CPU over an uncached dualtrack download and its commit. The origin (sendfile) runs in
 * a process of its own, so neither side's figure includes it. The ratio is the goal (≤ 1.0).
 */
public final class HfStreamThroughput {
    static final String REPO = "bench/big-model";
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    private HfStreamThroughput() {
    }

    public static void main(String[] args) throws Exception {
        long size = Long.getLong("size.mib", 2048) << 20;
        int runs = Integer.getInteger("runs", 3);
        boolean cacheWrite = Boolean.parseBoolean(System.getProperty("cache.write", "true"));
        Path dir = Files.createTempDirectory("dualtrack-hf-bench");
        Path www = Files.createDirectories(dir.resolve("www"));
        Path file = www.resolve("model.safetensors");
        System.out.printf("writing a %d MiB safetensors file to %s%n", size >> 20, file);
        writeSafetensors(file, size);
        String sha = RelayThroughput.run("sha256sum", file.toString()).split("\\s+")[0];
        openForNginx(dir, www, file);

        try (FileOrigin.Separate cdn = FileOrigin.separate(file)) {
            HttpServer hub = fakeHub(cdn.port(), sha, size);
            int nginxPort = Nginx.freePort();
            String servers = """
                      server {
                        listen 127.0.0.1:%d;
                        root %s;
                        location /proxy-streaming/ { proxy_pass http://127.0.0.1:%d/; proxy_buffering off; }
                        location /proxy-buffered/ { proxy_pass http://127.0.0.1:%d/; }
                        location /proxy-cache/ {
                          proxy_pass http://127.0.0.1:%d/;
                          proxy_cache bench;
                          proxy_cache_key $request_uri;
                          proxy_cache_valid 200 1h;
                          proxy_buffer_size 64k;
                          proxy_buffers 64 64k;
                        }
                      }
                      proxy_cache_path %s levels=1:2 keys_zone=bench:10m max_size=64g inactive=1h use_temp_path=off;
                    """.formatted(nginxPort, www, cdn.port(), cdn.port(), cdn.port(), dir.resolve("nginx-cache"));
            DualtrackConfig config = ConfigLoader.parse("bench", """
                    listen: {port: 0}
                    cache: {dir: '%s', max-size: %s}
                    audit: {output: '%s'}
                    hf:
                      upstream: 'http://127.0.0.1:%d'
                      redirect-hosts: ['127.0.0.1:%d']
                      max-file-size: 64GiB
                    """.formatted(dir.resolve("cache"), cacheWrite ? "64GiB" : (size >> 21) + "MiB",
                    dir.resolve("audit.log"), hub.getAddress().getPort(),
                    cdn.port()));
            try (Nginx nginx = Nginx.start(dir.resolve("nginx"), servers);
                    ProxyRuntime rt = ProxyRuntime.create(config,
                            AuditLog.open(dir.resolve("audit.log").toString(), false), Clock.systemUTC())) {
                rt.start(rt.newRouter().add("/hf", HfRoute.create(rt, Secrets.of(java.util.Map.of()))));
                String ours = "http://127.0.0.1:" + rt.port() + "/hf/" + REPO + "/resolve/main/model.safetensors";
                String base = "http://127.0.0.1:" + nginxPort;
                List<Double> nginxStreaming = new ArrayList<>();
                List<Double> nginxCacheMiss = new ArrayList<>();
                List<Double> nginxCacheMissCpu = new ArrayList<>();
                List<Double> originCpu = new ArrayList<>();
                List<Double> uncachedCpu = new ArrayList<>();
                List<Double> nginxBuffered = new ArrayList<>();
                List<Double> uncached = new ArrayList<>();
                List<Double> nginxDisk = new ArrayList<>();
                List<Double> cached = new ArrayList<>();
                // One unmeasured pass of each path first: the JIT, the page cache and nginx's temp files warm up.
                RelayThroughput.curl(base + "/proxy-streaming/model.safetensors", size);
                RelayThroughput.curl(base + "/proxy-buffered/model.safetensors", size);
                RelayThroughput.curl(ours, size);
                resetPeaks();
                double gib = size / (double) (1L << 30);
                for (int i = 0; i < runs; i++) {
                    // nginx's proxy_cache, each run a miss (its own key): it fetches, writes its cache file and serves.
                    // This JVM's CPU in that run is the origin's (sendfile): subtracted from dualtrack's runs below.
                    double n0 = nginx.cpuSeconds();
                    double o0 = Nginx.procCpuSeconds(cdn.pid());
                    nginxCacheMiss.add(RelayThroughput.curl(base + "/proxy-cache/model.safetensors?run=" + i, size));
                    nginxCacheMissCpu.add((nginx.cpuSeconds() - n0) / gib);
                    originCpu.add((Nginx.procCpuSeconds(cdn.pid()) - o0) / gib);
                    nginxStreaming.add(RelayThroughput.curl(base + "/proxy-streaming/model.safetensors", size));
                    nginxBuffered.add(RelayThroughput.curl(base + "/proxy-buffered/model.safetensors", size));
                    // A fresh blob cache each run: the bytes come from the CDN, hashed and inspected on the way.
                    RelayThroughput.awaitSettled(rt);
                    RelayThroughput.run("rm", "-rf", dir.resolve("cache/blobs").toString());
                    double u0 = processCpuSeconds();
                    System.out.printf("run %d: uncached through dualtrack%n", i); // a marker to attach a profiler to
                    System.out.flush();
                    uncached.add(RelayThroughput.curl(ours, size));
                    RelayThroughput.awaitSettled(rt); // the commit (fsync, rename) is part of the cost
                    uncachedCpu.add((processCpuSeconds() - u0) / gib);
                }
                long uncachedPeak = heapPeak();
                if (cacheWrite) {
                    RelayThroughput.curl(ours, size); // fills the cache
                    RelayThroughput.awaitSettled(rt);
                }
                resetPeaks();
                List<Double> nginxDiskCpu = new ArrayList<>();
                List<Double> cachedCpu = new ArrayList<>();
                for (int i = 0; i < runs && cacheWrite; i++) {
                    double n0 = nginx.cpuSeconds();
                    nginxDisk.add(RelayThroughput.curl(base + "/model.safetensors", size));
                    nginxDiskCpu.add((nginx.cpuSeconds() - n0) / gib);
                    double c0 = processCpuSeconds();
                    cached.add(RelayThroughput.curl(ours, size));
                    cachedCpu.add((processCpuSeconds() - c0) / gib);
                }
                long cachedPeak = heapPeak();
                String audit = Files.readString(dir.resolve("audit.log"));
                if (audit.contains("\"decision\":\"block\"")) {
                    throw new IllegalStateException("the benchmark file was blocked: " + audit);
                }

                System.out.printf("%nfile: %d MiB safetensors, runs: %d, cores: %d, max heap %d MiB%n", size >> 20,
                        runs, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
                double ref = median(nginxStreaming);
                double sha256Cpu = opensslSha256CpuSeconds(file) / gib;
                double anchor = median(nginxCacheMissCpu) + sha256Cpu;
                double dualtrackCpu = median(uncachedCpu);
                System.out.printf("CPU per GiB (server processes, /proc): nginx proxy_cache miss %.2f s + SHA-256 by "
                        + "openssl %.2f s = %.2f s; dualtrack uncached %.2f s (the origin, a process of its own, "
                        + "%.2f s in either): ratio %.2f%n", median(nginxCacheMissCpu), sha256Cpu, anchor, dualtrackCpu,
                        median(originCpu), dualtrackCpu / anchor);
                report("nginx proxy_cache miss", nginxCacheMiss, ref);
                report("nginx proxy, proxy_buffering off (ref)", nginxStreaming, ref);
                report("nginx proxy, proxy_buffering on", nginxBuffered, ref);
                report("dualtrack /hf uncached, hashed+scanned" + (cacheWrite ? "" : ", no cache write"), uncached,
                        ref);
                System.out.printf("  peak heap during uncached runs: %d MiB%n", uncachedPeak >> 20);
                if (cacheWrite) {
                    double disk = median(nginxDisk);
                    report("nginx static file (ref for cached)", nginxDisk, disk);
                    report("dualtrack /hf cached re-download", cached, disk);
                    // This JVM's CPU in a cached run includes the fake Hub's HEAD answer: a few milliseconds.
                    System.out.printf("  CPU per GiB, cached: nginx static %.2f s, dualtrack %.2f s: ratio %.2f%n",
                            median(nginxDiskCpu), median(cachedCpu), median(cachedCpu) / median(nginxDiskCpu));
                    System.out.printf("  peak heap during cached runs: %d MiB%n", cachedPeak >> 20);
                }
            } finally {
                hub.stop(0);
            }
        } finally {
            RelayThroughput.run("rm", "-rf", dir.toString());
        }
    }

    /**
     * The Hub's side: the revision, and the resolve answer with its HEAD contract, a 302 to the CDN (HEAD and
     * GET alike, as huggingface.co answers).
     */
    static HttpServer fakeHub(int cdnPort, String sha, long size) throws java.io.IOException {
        HttpServer hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        byte[] revision = ("{\"id\":\"" + REPO + "\",\"sha\":\"" + COMMIT + "\"}").getBytes(StandardCharsets.UTF_8);
        hub.createContext("/api/models/" + REPO + "/revision/", ex -> {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, revision.length);
            ex.getResponseBody().write(revision);
            ex.close();
        });
        hub.createContext("/" + REPO + "/resolve/", ex -> {
            var h = ex.getResponseHeaders();
            h.set("Location", "http://127.0.0.1:" + cdnPort + "/repos/ab/cd/" + sha + "?X-Amz-Signature=bench");
            h.set("X-Repo-Commit", COMMIT);
            h.set("X-Linked-Etag", "\"" + sha + "\"");
            h.set("X-Linked-Size", Long.toString(size));
            h.set("ETag", "W/\"391-bench\"");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        hub.start();
        return hub;
    }

    /** One U8 tensor filling the file: a valid safetensors file of exactly {@code size} bytes. */
    static void writeSafetensors(Path file, long size) throws java.io.IOException {
        String header = "";
        for (int pad = 0; pad < 64; pad++) {
            long data = size - 8 - (64 + pad);
            String h = "{\"weight\":{\"dtype\":\"U8\",\"shape\":[" + data + "],\"data_offsets\":[0," + data + "]}}";
            if (h.length() <= 64 + pad) {
                header = h + " ".repeat(64 + pad - h.length());
                break;
            }
        }
        byte[] head = header.getBytes(StandardCharsets.US_ASCII);
        SplittableRandom r = new SplittableRandom(2026);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(head.length).array());
            out.write(head);
            for (long done = 8 + head.length; done < size; done += block.length) {
                r.nextBytes(block);
                out.write(block, 0, (int) Math.min(block.length, size - done));
            }
        }
    }

    /** nginx's worker runs unprivileged: it must be able to read the file. */
    private static void openForNginx(Path dir, Path www, Path file) throws java.io.IOException {
        var open = java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x");
        Files.setPosixFilePermissions(dir, open);
        Files.setPosixFilePermissions(www, open);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** CPU seconds this JVM has used (every thread: dualtrack, the origin, the harness). */
    static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** CPU seconds (user + system) openssl takes to hash {@code file} once, after one warm-up pass. */
    static double opensslSha256CpuSeconds(Path file) throws Exception {
        String script = "openssl dgst -sha256 '" + file + "' > /dev/null; TIMEFORMAT='%U %S'; "
                + "{ time openssl dgst -sha256 '" + file + "' > /dev/null ; } 2>&1";
        String[] out = RelayThroughput.run("bash", "-c", script).strip().split("\\s+");
        return Double.parseDouble(out[0]) + Double.parseDouble(out[1]);
    }

    private static void resetPeaks() {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long heapPeak() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    private static void report(String what, List<Double> runs, double reference) {
        System.out.printf("%-42s median %6.0f MB/s  (runs %s)  ratio %.2f%n", what, median(runs),
                Arrays.toString(runs.stream().mapToLong(Math::round).toArray()), median(runs) / reference);
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
