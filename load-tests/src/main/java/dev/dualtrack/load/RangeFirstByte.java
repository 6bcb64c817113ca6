package dev.dualtrack.load;

import com.sun.net.httpserver.HttpServer;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.Secrets;
import dev.dualtrack.hf.HfRoute;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * What serving a range only from judged bytes costs a range reader (G1 for ranges, docs/hub.md): the time to the
 * first byte of {@code Range: bytes=0-0} (the JS client's probe) and of a 1 MiB range in the middle (what
 * {@code HfFileSystem} and dataset streaming read) for a file dualtrack has not judged yet, against the time to
 * download the whole file uncached, and the same ranges once the file is cached. Each run starts from an empty
 * cache.
 *
 * <pre>
 * ./mvnw -q -B -pl load-tests -am install -DskipTests
 * ./mvnw -q -B -pl load-tests exec:exec@range-first-byte [-Dsize.mib=512] [-Druns=3]
 * </pre>
 */
public final class RangeFirstByte {
    private RangeFirstByte() {
    }

    public static void main(String[] args) throws Exception {
        long size = Long.getLong("size.mib", 512) << 20;
        int runs = Integer.getInteger("runs", 3);
        Path dir = Files.createTempDirectory("dualtrack-range-bench");
        Path file = dir.resolve("data.safetensors");
        HfStreamThroughput.writeSafetensors(file, size);
        String sha = RelayThroughput.run("sha256sum", file.toString()).split("\\s+")[0];
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (FileOrigin cdn = new FileOrigin(file)) {
            HttpServer hub = HfStreamThroughput.fakeHub(cdn.port(), sha, size);
            try (ProxyRuntime rt = ProxyRuntime.create(ConfigLoader.parse("bench", """
                    listen: {port: 0}
                    cache: {dir: '%s', max-size: 64GiB}
                    audit: {output: '%s'}
                    hf:
                      upstream: 'http://127.0.0.1:%d'
                      redirect-hosts: ['127.0.0.1:%d']
                      max-file-size: 64GiB
                    """.formatted(dir.resolve("cache"), dir.resolve("audit.log"), hub.getAddress().getPort(),
                    cdn.port())), AuditLog.open(dir.resolve("audit.log").toString(), false), Clock.systemUTC())) {
                rt.start(rt.newRouter().add("/hf", HfRoute.create(rt, Secrets.of(java.util.Map.of()))));
                URI url = URI.create("http://127.0.0.1:" + rt.port() + "/hf/" + HfStreamThroughput.REPO
                        + "/resolve/main/data.safetensors");
                String middle = "bytes=" + size / 2 + "-" + (size / 2 + (1 << 20) - 1);
                time(http, url, null, size); // warm-up: JIT and page cache
                double[][] t = new double[5][runs];
                for (int i = 0; i < runs; i++) {
                    t[0][i] = fresh(rt, dir, () -> time(http, url, null, size));
                    t[1][i] = fresh(rt, dir, () -> time(http, url, "bytes=0-0", 1));
                    t[2][i] = fresh(rt, dir, () -> time(http, url, middle, 1 << 20));
                    t[3][i] = time(http, url, "bytes=0-0", 1);
                    t[4][i] = time(http, url, middle, 1 << 20);
                }
                System.out.printf("%nfile: %d MiB, runs: %d, cores: %d%n", size >> 20, runs,
                        Runtime.getRuntime().availableProcessors());
                String[] what = {"whole file, uncached (reference)", "bytes=0-0, uncached", "1 MiB mid-file, uncached",
                        "bytes=0-0, cached", "1 MiB mid-file, cached"};
                double ref = median(t[0]);
                for (int k = 0; k < what.length; k++) {
                    System.out.printf("%-36s median %8.1f ms  ratio to whole %.2f  (runs %s)%n", what[k], median(t[k]),
                            median(t[k]) / ref, java.util.Arrays.toString(java.util.Arrays.stream(t[k])
                                    .mapToLong(Math::round).toArray()));
                }
            } finally {
                hub.stop(0);
            }
        } finally {
            RelayThroughput.run("rm", "-rf", dir.toString());
        }
    }

    private interface Timed {
        double run() throws Exception;
    }

    /** Runs {@code t} on an empty cache. */
    private static double fresh(ProxyRuntime rt, Path dir, Timed t) throws Exception {
        RelayThroughput.awaitSettled(rt);
        RelayThroughput.run("rm", "-rf", dir.resolve("cache/blobs").toString());
        // A new process would start with an empty cache; this one must also forget what it remembers by hash.
        return t.run();
    }

    /** Milliseconds until the whole answer (of {@code expect} bytes) arrived. */
    private static double time(HttpClient http, URI url, String range, long expect) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(url);
        if (range != null) {
            b.header("Range", range);
        }
        long t0 = System.nanoTime();
        HttpResponse<java.io.InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        long n;
        try (java.io.InputStream in = r.body()) {
            n = in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        if (r.statusCode() != (range == null ? 200 : 206) || n != expect) {
            throw new IllegalStateException(range + ": status " + r.statusCode() + ", " + n + " bytes");
        }
        return ms;
    }

    private static double median(double[] xs) {
        double[] a = xs.clone();
        java.util.Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
