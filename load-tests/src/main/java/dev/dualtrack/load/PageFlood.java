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
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A crowd of first requests for one large project page (hardening issue, item 7): {@code clients} concurrent
 * requests for a page nobody has fetched yet, in PEP 691 JSON and in HTML, each from a fresh dualtrack. Reports the
 * upstream fetches it cost and the heap it needed: the largest heap left after a collection during the flood
 * (sampled every 10 ms), which is the live set, not garbage. Run it with a small heap to show the bound holds: with
 * {@code -Xmx256m} (the G6 budget) every request must still be answered.
 *
 * <pre>
 * ./mvnw -q -B -pl load-tests -am install -DskipTests
 * java -Xmx768m -cp "load-tests/target/classes:$(cat load-tests/target/classpath.txt)" dev.dualtrack.load.PageFlood
 * </pre>
 */
public final class PageFlood {
    private PageFlood() {
    }

    public static void main(String[] args) throws Exception {
        int clients = Integer.getInteger("clients", 100);
        int mib = Integer.getInteger("page.mib", 20);
        int status = 0;
        try {
            for (boolean html : new boolean[] {false, true}) {
                byte[] page = html ? htmlPage("floodproject", mib << 20) : jsonPage("floodproject", mib << 20);
                run(page, html, clients);
            }
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        }
        System.exit(status); // the HTTP client's threads would keep the JVM alive
    }

    private static void run(byte[] page, boolean html, int clients) throws Exception {
        Path dir = Files.createTempDirectory("dualtrack-flood");
        AtomicInteger fetches = new AtomicInteger();
        HttpServer upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        upstream.createContext("/simple/floodproject/", ex -> {
            fetches.incrementAndGet();
            ex.getResponseHeaders().set("Content-Type", html ? "text/html" : "application/vnd.pypi.simple.v1+json");
            ex.sendResponseHeaders(200, page.length);
            ex.getResponseBody().write(page);
            ex.close();
        });
        upstream.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        upstream.start();
        DualtrackConfig config = ConfigLoader.parse("flood", "listen: {port: 0}\ncache: {dir: '" + dir.resolve("cache")
                + "'}\npypi:\n  upstreams:\n    - {name: pypi, url: 'http://127.0.0.1:"
                + upstream.getAddress().getPort() + "/simple/'}\n  typosquat: {action: off}\n");
        try (ProxyRuntime rt = ProxyRuntime.create(config, AuditLog.open(dir.resolve("audit.log").toString(), false),
                Clock.systemUTC())) {
            ProjectResolver resolver = new ProjectResolver(new OriginRules(config.pypi()), rt.upstream(),
                    Secrets.environment(), rt.caches().metadata("pypi-pages", ProjectResolver::weigh));
            Router router = rt.newRouter().add("/pypi", new PypiRoute(resolver, rt.fetcher(), rt.recorder(),
                    PackagePolicy.fromConfig(config.pypi(), Clock.systemUTC())));
            rt.start(router);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI url = URI.create("http://127.0.0.1:" + rt.port() + "/pypi/simple/floodproject/");
            System.gc();
            List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                    .filter(p -> p.getType() == MemoryType.HEAP).toList();
            long before = heap.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
            java.util.concurrent.atomic.AtomicLong live = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.ScheduledExecutorService sampler =
                    java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            sampler.scheduleAtFixedRate(() -> live.accumulateAndGet(heap.stream()
                    .mapToLong(p -> p.getCollectionUsage() == null ? 0 : p.getCollectionUsage().getUsed()).sum(),
                    Math::max), 0, 10, java.util.concurrent.TimeUnit.MILLISECONDS);
            long t0 = System.nanoTime();
            List<CompletableFuture<HttpResponse<Void>>> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                all.add(http.sendAsync(HttpRequest.newBuilder(url).header("Accept",
                        "application/vnd.pypi.simple.v1+json").build(), HttpResponse.BodyHandlers.discarding()));
            }
            int ok = 0;
            for (CompletableFuture<HttpResponse<Void>> f : all) {
                ok += f.get().statusCode() == 200 ? 1 : 0;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            sampler.shutdownNow();
            System.out.printf("%s page of %,d bytes: %d concurrent first requests, %d answered 200 in %.1f s; "
                    + "upstream fetches: %d; heap before %d MiB, largest live heap after a GC %d MiB (-Xmx %d MiB)%n",
                    html ? "HTML" : "JSON", page.length, clients, ok, seconds, fetches.get(), before >> 20,
                    live.get() >> 20, Runtime.getRuntime().maxMemory() >> 20);
        } finally {
            upstream.stop(0);
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** A PEP 691 page of about {@code bytes}: IndexPageLoad's page with as many files as fit. */
    static byte[] jsonPage(String project, int bytes) {
        int perFile = IndexPageLoad.page(project, 2).length - IndexPageLoad.page(project, 1).length;
        return IndexPageLoad.page(project, bytes / perFile);
    }

    /** A PEP 503 page of about {@code bytes}. */
    static byte[] htmlPage(String project, int bytes) {
        StringBuilder sb = new StringBuilder(bytes + 1024).append("<!DOCTYPE html><html><head><meta name=\""
                + "pypi:repository-version\" content=\"1.0\"></head><body>\n");
        for (int i = 0; sb.length() < bytes; i++) {
            String fn = project + "-1." + i + "-py3-none-any.whl";
            sb.append("<a href=\"https://files.pythonhosted.org/packages/ab/cd/").append(fn).append("#sha256=")
                    .append(String.format("%064x", i)).append("\" data-requires-python=\"&gt;=3.8\">").append(fn)
                    .append("</a><br />\n");
        }
        return sb.append("</body></html>").toString().getBytes(StandardCharsets.UTF_8);
    }
}
