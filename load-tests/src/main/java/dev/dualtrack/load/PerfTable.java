package dev.dualtrack.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The in-flight path's whole table in one run, every figure beside its anchor measured in the same run: the
 * uncached and cached {@code /hf} download against nginx ({@code proxy_cache} miss plus openssl's SHA-256 of the
 * same bytes, and static), the fleet read against a direct S3 GET (and one whose client checks the sha256), and a
 * cached simple page (HTML and JSON) against nginx static at 64 and 1,000 connections. Each benchmark runs in a
 * JVM of its own (the proxy's heap as deployed: 256 MiB for streams), one after the other, with the machine's
 * load average before and after it.
 *
 * <pre>
 * ./mvnw -q -B -pl load-tests exec:exec@perf-table
 * </pre>
 * Needs nginx, wrk, openssl, curl, python3 and sha256sum on the PATH (Debian: {@code apt-get install -y nginx wrk}).
 */
public final class PerfTable {
    private PerfTable() {
    }

    public static void main(String[] args) throws Exception {
        String s3proxy = System.getProperty("s3proxy.jar", "load-tests/target/s3proxy.jar");
        List<String> out = new ArrayList<>();
        out.add(section("1. /hf download, 2 GiB safetensors: uncached (hash, inspect, cache write) and cached",
                run(HfStreamThroughput.class, "-Xmx256m", "-Druns=3"), "file:"));
        out.add(section("2. fleet: a replica serving a 2 GiB blob from the bucket", run(SharedStoreThroughput.class,
                "-Xmx256m", "-Druns=3", "-Ds3proxy.jar=" + Path.of(s3proxy).toAbsolutePath()), "blob:"));
        out.add(section("3. cached simple page, the issue's: PEP 503 HTML, 203 links (46 KB); one event loop as nginx "
                + "has one worker", run(IndexPageLoad.class, "-Xmx512m", "-Dio.threads=1", "-Dformat=html",
                "-Dfiles=203"), "page:"));
        out.add(section("4. cached simple page, what pip asks for first: PEP 691 JSON, 60 files (18 KB)",
                run(IndexPageLoad.class, "-Xmx512m", "-Dio.threads=1"), "page:"));
        System.out.println();
        System.out.println("==== the in-flight path against its anchors, " + java.time.Instant.now() + ", "
                + Runtime.getRuntime().availableProcessors() + " cores ====");
        out.forEach(System.out::println);
    }

    /** {@code title}, the load average around the run, and the benchmark's own summary (from {@code marker} on). */
    private static String section(String title, String[] run, String marker) {
        StringBuilder sb = new StringBuilder("\n" + title + "\n  load average before " + run[0] + ", after "
                + run[2] + "\n");
        boolean on = false;
        for (String line : run[1].split("\n")) {
            on |= line.startsWith(marker);
            if (on && !line.isBlank()) {
                sb.append("  ").append(line).append('\n');
            }
        }
        if (!on) {
            sb.append("  (no summary; its output was:)\n").append(run[1]);
        }
        return sb.toString();
    }

    /** {load average before, output, load average after}. */
    private static String[] run(Class<?> main, String... jvm) throws IOException, InterruptedException {
        String before = IndexPageLoad.loadAverage();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(jvm));
        cmd.addAll(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
                System.getProperty("java.class.path"), main.getName()));
        System.out.println("running " + main.getSimpleName() + " ...");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        System.out.print(output);
        if (exit != 0) {
            output += "\n(exit " + exit + ")";
        }
        return new String[] {before, output, IndexPageLoad.loadAverage()};
    }
}
