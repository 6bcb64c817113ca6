package dev.dualtrack.load;

import com.sun.net.httpserver.HttpServer;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.config.Secrets;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
import dev.dualtrack.proxy.server.Router;
import dev.dualtrack.pypi.OriginRules;
import dev.dualtrack.pypi.ProjectResolver;
import dev.dualtrack.pypi.PypiRoute;
import dev.dualtrack.pypi.policy.PackagePolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Index page throughput: wrk (64, then 1,000 connections; 2 threads) against dualtrack serving a cached
 * {@code /pypi/simple/<project>/} page (PEP 691 JSON of 60 files, or with {@code -Dformat=html -Dfiles=203} the
 * PEP 503 HTML page the issue measured), and against nginx serving the same bytes as a static file, in the
 * same run, alternating. Reports requests/s and p99 latency as ratios to nginx. wrk, nginx and dualtrack
 * share the machine's cores, as on the machines the figures in docs/CONTRIBUTING.md were taken.
 *
 * <pre>
 * apt-get install -y nginx wrk
 * ./mvnw -q -B -pl load-tests -am install -DskipTests
 * java -Xmx512m -cp "load-tests/target/classes:$(cat load-tests/target/classpath.txt)" dev.dualtrack.load.IndexPageLoad
 * # servers on core 0, wrk on core 1:
 * taskset -c 0 java -Xmx512m -Dio.threads=1 -Dwrk.cpus=1 -cp ... dev.dualtrack.load.IndexPageLoad
 * </pre>
 */
public final class IndexPageLoad {
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");
    private static final Pattern P99 = Pattern.compile("99%\\s+([0-9.]+)(us|ms|s)");
    private static final Pattern P50 = Pattern.compile("50%\\s+([0-9.]+)(us|ms|s)");

    private IndexPageLoad() {
    }

    public static void main(String[] args) throws Exception {
        int runs = Integer.getInteger("runs", 3);
        String seconds = System.getProperty("duration", "10s");
        Path dir = Files.createTempDirectory("dualtrack-index-bench");
        // The page a client asks for: PEP 691 JSON (what pip asks for first) or the PEP 503 HTML the issue's
        // figures were taken with (203 links there). The upstream answers JSON either way; dualtrack renders
        // HTML from it for a client that asks for HTML.
        boolean html = System.getProperty("format", "json").equals("html");
        int files = Integer.getInteger("files", 60);
        String accept = html ? "text/html" : "application/vnd.pypi.simple.v1+json";
        byte[] upstreamPage = page("benchproject", files);
        HttpServer upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        upstream.createContext("/simple/benchproject/", ex -> {
            ex.getResponseHeaders().set("Content-Type", "application/vnd.pypi.simple.v1+json");
            ex.sendResponseHeaders(200, upstreamPage.length);
            ex.getResponseBody().write(upstreamPage);
            ex.close();
        });
        upstream.start();
        DualtrackConfig config = ConfigLoader.parse("bench", "listen: {port: 0, io-threads: "
                + Integer.getInteger("io.threads", 0) + "}\ncache: {dir: '" + dir.resolve("cache")
                + "'}\naudit: {output: '" + dir.resolve("audit.log") + "'}\npypi:\n  upstreams:\n    - {name: pypi, url: 'http://127.0.0.1:"
                + upstream.getAddress().getPort() + "/simple/'}\n");
        try (ProxyRuntime rt = ProxyRuntime.create(config, AuditLog.open(dir.resolve("audit.log").toString(), false),
                Clock.systemUTC())) {
            ProjectResolver resolver = new ProjectResolver(new OriginRules(config.pypi()), rt.upstream(),
                    Secrets.environment(), rt.caches().metadata("pypi-pages", ProjectResolver::weigh));
            Router router = rt.newRouter().add("/pypi", new PypiRoute(resolver, rt.fetcher(), rt.recorder(),
                    PackagePolicy.fromConfig(config.pypi(), Clock.systemUTC())));
            rt.start(router);
            String proxyUrl = "http://127.0.0.1:" + rt.port() + "/pypi/simple/benchproject/";
            byte[] served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(proxyUrl))
                    .header("Accept", accept).build(),
                    HttpResponse.BodyHandlers.ofByteArray()).body();
            Path www = Files.createDirectories(dir.resolve("www"));
            String pageFile = html ? "page.html" : "page.json";
            Files.write(www.resolve(pageFile), served);
            // nginx's workers run unprivileged: let them read the page.
            java.util.Set<java.nio.file.attribute.PosixFilePermission> open =
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x");
            Files.setPosixFilePermissions(dir, open);
            Files.setPosixFilePermissions(www, open);
            Files.setPosixFilePermissions(www.resolve(pageFile),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            int nginxPort = Nginx.freePort();
            // The listen backlog dualtrack's server socket has (1,024; nginx's default is 511, and 1,000 connections
            // opened at once would otherwise wait out SYN retries in nginx's tail and not in ours).
            try (Nginx nginx = Nginx.start(dir, "  server { listen 127.0.0.1:" + nginxPort + " backlog=1024; root "
                    + www + "; }")) {
                String nginxUrl = "http://127.0.0.1:" + nginxPort + "/" + pageFile;
                // The same concurrency for both, each level in turn: 64 connections (a CI fleet) and 1,000
                // (a cluster's worth of pip clients at once).
                for (String c : System.getProperty("connections", "64,1000").split(",")) {
                    int connections = Integer.parseInt(c.trim());
                    List<double[]> ours = new ArrayList<>();
                    List<double[]> theirs = new ArrayList<>();
                    List<Double> allocated = new ArrayList<>();
                    // Warm-up: the JIT compiles the request path first (on a pinned core it takes that core from
                    // the event loop for seconds); the runs measure the steady state, as nginx has no warm-up.
                    wrk(proxyUrl, System.getProperty("warmup", "10s"), connections, accept);
                    wrk(nginxUrl, "2s", connections, accept);
                    for (int i = 0; i < runs; i++) {
                        theirs.add(wrk(nginxUrl, seconds, connections, accept));
                        long before = allocatedBytes();
                        double[] run = wrk(proxyUrl, seconds, connections, accept);
                        allocated.add((allocatedBytes() - before) / run[2]);
                        ours.add(run);
                    }
                    System.out.printf("%npage: %,d bytes of %s (%d files), wrk -t2 -c%d -d%s, %d runs "
                            + "each, load average %s%n", served.length, html ? "PEP 503 HTML" : "PEP 691 JSON",
                            files, connections, seconds, runs, loadAverage());
                    report("nginx static file (reference)", theirs, theirs);
                    report("dualtrack /pypi/simple/ (cached)", ours, theirs);
                    System.out.printf("  heap allocated by this JVM per dualtrack request: median %.1f KB (runs %s)%n",
                            median(allocated.stream().map(a -> new double[] {a / 1000}).toList(), 0),
                            allocated.stream().map(a -> String.format("%.1f", a / 1000)).toList());
                }
            }
        } finally {
            upstream.stop(0);
        }
    }

    static byte[] page(String project, int files) {
        StringBuilder sb = new StringBuilder("{\"meta\":{\"api-version\":\"1.1\"},\"name\":\"" + project
                + "\",\"versions\":[],\"files\":[");
        for (int i = 0; i < files; i++) {
            if (i > 0) {
                sb.append(',');
            }
            String fn = project + "-1." + i + "-py3-none-any.whl";
            sb.append("{\"filename\":\"").append(fn).append("\",\"url\":\"https://files.example/packages/ab/cd/")
                    .append(fn).append("\",\"hashes\":{\"sha256\":\"").append(String.format("%064x", i))
                    .append("\"},\"requires-python\":\">=3.8\",\"size\":").append(1000 + i)
                    .append(",\"upload-time\":\"2024-01-01T00:00:00.000000Z\",\"yanked\":false}");
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {requests/s, p99 ms, requests, p50 ms}. */
    private static double[] wrk(String url, String duration, int connections, String accept) throws Exception {
        List<String> cmd = new ArrayList<>();
        String cpus = System.getProperty("wrk.cpus", "");
        if (!cpus.isEmpty()) {
            // wrk on cores of its own (start this JVM under taskset on the others), so the servers are compared
            // and not the scheduler's choices between a server and its load generator.
            cmd.addAll(List.of("taskset", "-c", cpus));
        }
        cmd.addAll(List.of("wrk", "-t2", "-c" + connections, "-d" + duration, "--latency",
                "-H", "Accept: " + accept, url));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        if (Boolean.getBoolean("wrk.verbose")) {
            System.out.println(url + "\n" + out);
        }
        Matcher r = RPS.matcher(out);
        Matcher l = P99.matcher(out);
        if (!r.find() || !l.find() || out.contains("Non-2xx")) {
            throw new IllegalStateException("wrk output not understood or errors:\n" + out);
        }
        Matcher m = P50.matcher(out);
        Matcher n = REQUESTS.matcher(out);
        return new double[] {Double.parseDouble(r.group(1)), millis(l), n.find() ? Double.parseDouble(n.group(1))
                : Double.NaN, m.find() ? millis(m) : Double.NaN};
    }

    private static double millis(Matcher m) {
        return Double.parseDouble(m.group(1)) * switch (m.group(2)) {
            case "us" -> 0.001;
            case "s" -> 1000;
            default -> 1;
        };
    }

    /**
     * Every byte of heap this JVM's live threads have allocated so far (HotSpot's per-thread counters): over a wrk
     * run against dualtrack, that is the proxy's allocation (the upstream is idle, wrk and nginx are processes).
     */
    private static long allocatedBytes() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    static String loadAverage() throws java.io.IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    private static double median(List<double[]> runs, int i) {
        double[] v = runs.stream().mapToDouble(x -> x[i]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void report(String what, List<double[]> runs, List<double[]> reference) {
        double rps = median(runs, 0);
        double p99 = median(runs, 1);
        double p50 = median(runs, 3);
        System.out.printf("%-36s %,9.0f req/s (x%.2f of nginx)   p50 %6.2f ms (x%.2f)   p99 %6.2f ms (x%.2f of nginx)"
                + "   p99 per run %s%n", what, rps, rps / median(reference, 0), p50, p50 / median(reference, 3), p99,
                p99 / median(reference, 1), runs.stream().map(r -> String.format("%.2f", r[1])).toList());
    }
}
