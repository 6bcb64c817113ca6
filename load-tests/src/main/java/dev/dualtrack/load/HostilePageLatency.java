package dev.dualtrack.load;

import com.sun.net.httpserver.HttpServer;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.config.Secrets;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.ops.AuditLog;
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

/**
 * A hostile index page and everyone else (issue 23, item 2): while the first request for a page of 4.5 MB of
 * nested {@code <table><tr><td>} (or 10 MB of nested {@code <div>}) is answered, a client keeps asking for an
 * unrelated, cached page every 10 ms. Reports how long the hostile page took to answer and the unrelated page's
 * latency percentiles during that time. A tree-building parser on the event loop answered nothing for minutes and
 * starved the other requests of its loop.
 *
 * <pre>
 * ./mvnw -q -B -pl load-tests -am install -DskipTests
 * java -Xmx768m -cp "load-tests/target/classes:$(cat load-tests/target/classpath.txt)" dev.dualtrack.load.HostilePageLatency
 * </pre>
 */
public final class HostilePageLatency {
    private HostilePageLatency() {
    }

    public static void main(String[] args) throws Exception {
        for (String open : List.of("<table><tr><td>", "<div>")) {
            run(open, open.startsWith("<table") ? 4_500_000 : 10_000_000);
        }
        System.exit(0);
    }

    private static void run(String open, int bytes) throws Exception {
        StringBuilder b = new StringBuilder("<html><body>");
        while (b.length() < bytes) {
            b.append(open);
        }
        byte[] hostile = b.append("<a href=\"/f/nested-1.0.tar.gz#sha256=").append("0".repeat(64))
                .append("\">nested-1.0.tar.gz</a>").toString().getBytes(StandardCharsets.US_ASCII);
        byte[] small = ("<html><body><a href=\"/f/small-1.0.tar.gz#sha256=" + "1".repeat(64)
                + "\">small-1.0.tar.gz</a></body></html>").getBytes(StandardCharsets.US_ASCII);
        Path dir = Files.createTempDirectory("dualtrack-hostile-page");
        HttpServer upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        upstream.createContext("/simple/", ex -> {
            byte[] page = ex.getRequestURI().getPath().contains("nested") ? hostile : small;
            ex.getResponseHeaders().set("Content-Type", "text/html");
            ex.sendResponseHeaders(200, page.length);
            ex.getResponseBody().write(page);
            ex.close();
        });
        upstream.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        upstream.start();
        DualtrackConfig config = ConfigLoader.parse("hostile", "listen: {port: 0, io-threads: 1}\ncache: {dir: '"
                + dir.resolve("cache") + "'}\npypi:\n  upstreams:\n    - {name: pypi, url: 'http://127.0.0.1:"
                + upstream.getAddress().getPort() + "/simple/'}\n  typosquat: {action: off}\n");
        try (ProxyRuntime rt = ProxyRuntime.create(config, AuditLog.open(dir.resolve("audit.log").toString(), false),
                Clock.systemUTC())) {
            ProjectResolver resolver = new ProjectResolver(new OriginRules(config.pypi()), rt.upstream(),
                    Secrets.environment(), rt.caches().metadata("pypi-pages", ProjectResolver::weigh));
            rt.start(rt.newRouter().add("/pypi", new PypiRoute(resolver, rt.fetcher(), rt.recorder(),
                    PackagePolicy.fromConfig(config.pypi(), Clock.systemUTC()))));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI smallUrl = URI.create("http://127.0.0.1:" + rt.port() + "/pypi/simple/small/");
            URI hostileUrl = URI.create("http://127.0.0.1:" + rt.port() + "/pypi/simple/nested/");
            for (int i = 0; i < 200; i++) {
                http.send(HttpRequest.newBuilder(smallUrl).build(), HttpResponse.BodyHandlers.discarding());
            }
            long t0 = System.nanoTime();
            var hostileAnswer = http.sendAsync(HttpRequest.newBuilder(hostileUrl).build(),
                    HttpResponse.BodyHandlers.ofString());
            List<Double> latencies = new ArrayList<>();
            while (!hostileAnswer.isDone() && System.nanoTime() - t0 < 120_000_000_000L) {
                long s = System.nanoTime();
                http.send(HttpRequest.newBuilder(smallUrl).build(), HttpResponse.BodyHandlers.discarding());
                latencies.add((System.nanoTime() - s) / 1e6);
                Thread.sleep(10);
            }
            double hostileSeconds = (System.nanoTime() - t0) / 1e9;
            HttpResponse<String> h = hostileAnswer.getNow(null);
            latencies.sort(Double::compare);
            System.out.printf("%s x %,d bytes: answered %s in %.2f s; meanwhile %d requests for a cached page: "
                    + "p50 %.1f ms, p99 %.1f ms, max %.1f ms (one I/O thread)%n", open, hostile.length,
                    h == null ? "nothing" : Integer.toString(h.statusCode()), hostileSeconds, latencies.size(),
                    pct(latencies, 0.50), pct(latencies, 0.99), latencies.isEmpty() ? 0 : latencies.get(
                            latencies.size() - 1));
        } finally {
            upstream.stop(0);
        }
    }

    private static double pct(List<Double> sorted, double p) {
        return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }
}
