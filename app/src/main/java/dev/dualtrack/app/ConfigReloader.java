package dev.dualtrack.app;

import dev.dualtrack.config.ConfigError;
import dev.dualtrack.config.ConfigException;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.proxy.ops.ProxyMetrics;
import dev.dualtrack.proxy.policy.Judge;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration file without a restart, on SIGHUP or when the file changes: the {@code policy}
 * section (actions, mode, waivers) is put in force atomically. A file with errors keeps the running
 * configuration, and every error is logged with its file:line:col. Sections that need a restart (listeners,
 * upstreams, the cache) are compared, and a change to them is logged as such, not applied.
 * {@code dualtrack_config_reloads_total{result="ok"|"error"}} counts the attempts, and
 * {@code dualtrack_config_last_reload_successful} is 0 while a failed reload left an older policy in force (the
 * {@code DualtrackConfigReloadFailed} alert).
 *
 * <p>Changes are found by polling what the files contain, through symlinks, every {@link #POLL}: a Kubernetes
 * ConfigMap update swaps the {@code ..data} symlink of the mounted folder, and no file-system event names the
 * config file then, so a watch service never sees it. Reading a few kilobytes a second is cheap and works the
 * same on every file system (NFS and overlay mounts included). The set of files follows the config: a waivers
 * file added by a reload is polled from then on.
 */
final class ConfigReloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    private final Path file;
    private final Judge judge;
    private final ProxyMetrics metrics;
    /** How often the files' contents are compared with what was last loaded. */
    static final java.time.Duration POLL = java.time.Duration.ofSeconds(1);
    private volatile DualtrackConfig running;
    /** The sections a reload puts in force; every other one is read once, at start. */
    private static final java.util.Set<String> RELOADED = java.util.Set.of("policy", "access");
    private final dev.dualtrack.proxy.access.AccessControl access;
    private final Thread thread;
    private volatile boolean closed;
    /** The files whose change reloads: the config and, if it names one, its waivers file. */
    private volatile java.util.Set<Path> watched = java.util.Set.of();
    /** What the watched files held when last looked at (a digest of their contents, through symlinks). */
    private volatile String seen;
    private final java.util.concurrent.atomic.AtomicInteger lastReloadOk = new java.util.concurrent.atomic
            .AtomicInteger(1);

    ConfigReloader(Path file, DualtrackConfig running, Judge judge, dev.dualtrack.proxy.access.AccessControl access,
            ProxyMetrics metrics) throws IOException {
        this.access = access;
        this.file = file.toAbsolutePath();
        this.running = running;
        this.judge = judge;
        this.metrics = metrics;
        for (String result : new String[] {"ok", "error"}) {
            counter(result);
        }
        io.micrometer.core.instrument.Gauge.builder("dualtrack.config.last.reload.successful", lastReloadOk,
                        java.util.concurrent.atomic.AtomicInteger::get)
                .description("1 when the last configuration reload succeeded (or none was tried), 0 when the running "
                        + "policy is older than the file").register(metrics.registry());
        this.watched = filesOf(running);
        this.seen = contents();
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
            sun.misc.SignalHandler before = sun.misc.Signal.handle(new sun.misc.Signal("HUP"),
                    signal -> reload("SIGHUP"));
            if (before == sun.misc.SignalHandler.SIG_IGN) {
                // Started under nohup (or by a supervisor that ignores HUP): the JVM keeps the signal ignored.
                LOG.warn("SIGHUP is ignored by this process (started under nohup?), so it will not reload the "
                        + "config; changes to {} are still picked up within {} s", file, POLL.toSeconds());
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.warn("SIGHUP cannot be handled on this platform; the config file is still watched: {}", e.toString());
        }
    }

    /** The files a config reloads from: itself and, if it names one, its waivers file. */
    private java.util.Set<Path> filesOf(DualtrackConfig config) {
        java.util.Set<Path> files = new java.util.LinkedHashSet<>();
        files.add(file);
        config.policy().waiversFile().ifPresent(w -> files.add(ConfigLoader.waiversPath(file.toString(), w)
                .toAbsolutePath().normalize()));
        config.access().tokensFile().ifPresent(t -> files.add(ConfigLoader.waiversPath(file.toString(), t)
                .toAbsolutePath().normalize()));
        return java.util.Set.copyOf(files);
    }

    private void watch() {
        try {
            while (!closed) {
                Thread.sleep(POLL.toMillis());
                String now = contents();
                if (!now.equals(seen)) {
                    awaitQuiet(now);
                    reload("a change to " + String.join(" or ", watched.stream().map(Path::toString).toList()));
                }
            }
        } catch (InterruptedException e) {
            // closing
        }
    }

    /**
     * Waits until the watched files stop changing (the same contents 150 ms apart, up to 3 s): a writer
     * truncates a file before it writes it, and a truncated config is valid YAML meaning "all defaults".
     */
    private void awaitQuiet(String before) throws InterruptedException {
        for (int i = 0; i < 20; i++) {
            Thread.sleep(150);
            String now = contents();
            if (now.equals(before)) {
                return;
            }
            before = now;
        }
    }

    /** A digest of what the watched files hold now, read through symlinks; a missing file counts as such. */
    private String contents() {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (Path p : watched) {
                md.update(p.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try {
                    md.update((byte) 1);
                    md.update(java.nio.file.Files.readAllBytes(p));
                } catch (java.io.IOException e) {
                    md.update((byte) 0);
                }
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Loads the file again and puts its policy in force, or keeps the running one. Returns whether it applied. */
    synchronized boolean reload(String why) {
        seen = contents();
        boolean ok = load(why);
        lastReloadOk.set(ok ? 1 : 0);
        return ok;
    }

    private boolean load(String why) {
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
        // Every section but policy and access is read once, at start: any change to one needs a restart. They are the
        // config record's components, so a section added later cannot be left off this comparison.
        for (java.lang.reflect.RecordComponent section : DualtrackConfig.class.getRecordComponents()) {
            if (!RELOADED.contains(section.getName())) {
                compare(sectionName(section), component(section, old), component(section, next), needRestart);
            }
        }
        if (!needRestart.isEmpty()) {
            LOG.warn("config reload ({}): {} changed; restart dualtrack to apply {}", why,
                    String.join(", ", needRestart), needRestart.size() == 1 ? "it" : "them");
        }
        judge.replace(next.policy());
        access.replace(next.access());
        running = next;
        // What was seen stays what was read before this load: an edit made while it parsed is a change at the next
        // poll, not lost. A file this reload starts watching (a new waivers file) had no such reading, so the next
        // poll reloads once more and takes one.
        java.util.Set<Path> before = watched;
        watched = filesOf(next);
        if (!watched.equals(before)) {
            seen = "";
        }
        counter("ok").increment();
        LOG.info("config reload ({}): policy in force: mode {}, {} rule action(s), {} waiver(s); access {}, {} "
                + "token(s)", why, next.policy().mode().name().toLowerCase(java.util.Locale.ROOT),
                next.policy().rules().size(), next.policy().waivers().size(),
                next.access().mode().name().toLowerCase(java.util.Locale.ROOT), next.access().tokens().size());
        return true;
    }

    /** A section's name as the YAML spells it ({@code upstreamClient} → {@code upstream-client}). */
    static String sectionName(java.lang.reflect.RecordComponent c) {
        return c.getName().replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
    }

    private static Object component(java.lang.reflect.RecordComponent c, DualtrackConfig config) {
        try {
            return c.getAccessor().invoke(config);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read section " + c.getName(), e);
        }
    }

    private static void compare(String section, Object old, Object next, List<String> changed) {
        if (!old.equals(next)) {
            changed.add(section);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
