package dev.dualtrack.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A reference nginx for the benchmarks (Debian's package), one worker, logs off, run from a private prefix so it
 * needs no root and leaves nothing behind. The caller gives the {@code server} blocks.
 */
final class Nginx implements AutoCloseable {
    private final Path dir;
    private final Process process;

    private Nginx(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    /** Starts nginx in {@code dir} with {@code servers} inside its {@code http} block. */
    static Nginx start(Path dir, String servers) throws Exception {
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(dir.resolve("nginx.conf"), """
                worker_processes 1;
                daemon off;
                pid %s/nginx.pid;
                error_log %s/logs/error.log;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  sendfile on;
                  tcp_nopush on;
                  keepalive_requests 100000;
                  client_body_temp_path %s/body;
                  proxy_temp_path %s/proxy;
                  types { application/vnd.pypi.simple.v1+json json; }
                %s
                }
                """.formatted(dir, dir, dir, dir, servers));
        Process p = new ProcessBuilder("nginx", "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString())
                .redirectErrorStream(true).start();
        Thread.sleep(500);
        if (!p.isAlive()) {
            throw new IllegalStateException("nginx did not start: " + new String(p.getInputStream().readAllBytes()));
        }
        return new Nginx(dir, p);
    }

    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * CPU seconds nginx's processes (master and worker) have used so far, from {@code /proc/PID/stat} (utime +
     * stime, in clock ticks of 1/100 s on Linux).
     */
    double cpuSeconds() throws IOException {
        double total = 0;
        List<ProcessHandle> all = new java.util.ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        for (ProcessHandle h : all) {
            total += procCpuSeconds(h.pid());
        }
        return total;
    }

    /** utime + stime of one process, in seconds; 0 when it is gone. */
    static double procCpuSeconds(long pid) throws IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.exists(stat)) {
            return 0;
        }
        String s = Files.readString(stat);
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        new ProcessBuilder("nginx", "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(), "-s", "stop")
                .start().waitFor();
    }
}
