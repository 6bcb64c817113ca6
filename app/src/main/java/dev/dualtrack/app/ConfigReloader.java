package dev.dualtrack.app;

import dev.dualtrack.config.ConfigError;
import dev.dualtrack.config.ConfigException;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import dev.dualtrack.proxy.policy.Judge;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration file without a restart, on SIGHUP or when the file changes: the {@code policy}
 * section (actions, mode, waivers) is put in force atomically. A file with errors keeps the running
 * configuration, and every error is logged with its file:line:col. Sections that need a restart (listeners,
 * upstreams, the cache) are compared, and a change to them is logged as such, not applied.
 * {@code dualtrack_config_reloads_total{result="ok"|"error"}} counts the attempts.
 */
final class ConfigReloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    private final Path file;
    private final Judge judge;
    private final ProxyMetrics metrics;
    private volatile DualtrackConfig running;
    private final WatchService watcher;
    private final Thread thread;
    /** The files whose change reloads: the config and, if it names one, its waivers file. */
    private final java.util.Set<Path> watched = new java.util.HashSet<>();

    ConfigReloader(Path file, DualtrackConfig running, Judge judge, ProxyMetrics metrics) throws IOException {
        this.file = file.toAbsolutePath();
        this.running = running;
        this.judge = judge;
        this.metrics = metrics;
        for (String result : new String[] {"ok", "error"}) {
            counter(result);
        }
        this.watcher = FileSystems.getDefault().newWatchService();
        watched.add(this.file);
        running.policy().waiversFile().ifPresent(w -> watched.add(ConfigLoader.waiversPath(this.file.toString(), w)
                .toAbsolutePath().normalize()));
        // The directories, not the files: editors and config management replace files by renaming over them.
        java.util.Set<Path> dirs = new java.util.HashSet<>();
        for (Path p : watched) {
            if (dirs.add(p.getParent())) {
                p.getParent().register(watcher, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_CREATE);
            }
        }
        this.thread = new Thread(this::watch, "dualtrack-config-watch");
        thread.setDaemon(true);
        thread.start();
        installSighup();
    }

    private Counter counter(String result) {
        return Counter.builder("dualtrack.config.reloads").description("Configuration reloads by result")
                .tag("result", result).register(metrics.registry());
    }

    private void installSighup() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> reload("SIGHUP"));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.warn("SIGHUP cannot be handled on this platform; the config file is still watched: {}", e.toString());
        }
    }

    private void watch() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                Path dir = (Path) key.watchable();
                boolean ours = key.pollEvents().stream().anyMatch(e -> e.context() instanceof Path p
                        && watched.contains(dir.resolve(p).toAbsolutePath().normalize()));
                key.reset();
                if (ours) {
                    awaitQuiet();
                    reload("a change to " + file);
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    /**
     * Waits until the watched files stop changing (size and time the same 150 ms apart, up to 3 s): a writer
     * truncates a file before it writes it, and a truncated config is valid YAML meaning "all defaults".
     */
    private void awaitQuiet() throws InterruptedException {
        String before = stamp();
        for (int i = 0; i < 20; i++) {
            Thread.sleep(150);
            String now = stamp();
            if (now.equals(before)) {
                return;
            }
            before = now;
        }
    }

    private String stamp() {
        StringBuilder b = new StringBuilder();
        for (Path p : watched) {
            try {
                b.append(java.nio.file.Files.size(p)).append('@').append(java.nio.file.Files.getLastModifiedTime(p))
                        .append(';');
            } catch (java.io.IOException e) {
                b.append("missing;");
            }
        }
        return b.toString();
    }

    /** Loads the file again and puts its policy in force, or keeps the running one. Returns whether it applied. */
    synchronized boolean reload(String why) {
        DualtrackConfig next;
        try {
            if (java.nio.file.Files.readString(file).isBlank()) {
                // An empty file is how a file being rewritten looks for a moment; on reload it would silently put
                // every default (no waivers, enforce mode) in force. Restart to run on the defaults on purpose.
                LOG.error("config reload ({}): {} is empty; the running configuration stays in force", why, file);
                counter("error").increment();
                return false;
            }
        } catch (java.io.IOException e) {
            LOG.error("config reload ({}): {} cannot be read ({}); the running configuration stays in force", why,
                    file, e.toString());
            counter("error").increment();
            return false;
        }
        try {
            next = ConfigLoader.load(file);
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                LOG.error("config reload ({}): {}", why, error);
            }
            LOG.error("config reload ({}): {} error(s); the running configuration stays in force", why,
                    e.errors().size());
            counter("error").increment();
            return false;
        }
        List<String> needRestart = new ArrayList<>();
        DualtrackConfig old = running;
        compare("listen", old.listen(), next.listen(), needRestart);
        compare("admin", old.admin(), next.admin(), needRestart);
        compare("cache", old.cache(), next.cache(), needRestart);
        compare("relay", old.relay(), next.relay(), needRestart);
        compare("upstream-client", old.upstreamClient(), next.upstreamClient(), needRestart);
        compare("audit", old.audit(), next.audit(), needRestart);
        compare("pypi", old.pypi(), next.pypi(), needRestart);
        compare("hf", old.hf(), next.hf(), needRestart);
        compare("provenance", old.provenance(), next.provenance(), needRestart);
        if (!needRestart.isEmpty()) {
            LOG.warn("config reload ({}): {} changed; restart dualtrack to apply {}", why,
                    String.join(", ", needRestart), needRestart.size() == 1 ? "it" : "them");
        }
        judge.replace(next.policy());
        running = next;
        counter("ok").increment();
        LOG.info("config reload ({}): policy in force: mode {}, {} rule action(s), {} waiver(s)", why,
                next.policy().mode().name().toLowerCase(java.util.Locale.ROOT), next.policy().rules().size(),
                next.policy().waivers().size());
        return true;
    }

    private static void compare(String section, Object old, Object next, List<String> changed) {
        if (!old.equals(next)) {
            changed.add(section);
        }
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            watcher.close();
        } catch (IOException ignored) {
            // nothing to release
        }
    }
}
