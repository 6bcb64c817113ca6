package dev.dualtrack.proxy.server;

import dev.dualtrack.config.TlsConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The listener's TLS: the PEM certificate chain and key of {@code listen.tls}, TLS 1.2 and 1.3 only. Both files are
 * looked at every few seconds, off the event loops; when either changed, the context is built again and new
 * connections use it (a renewed certificate is served without a restart; open connections keep theirs). A pair
 * that does not load is logged and the running one kept; at start, it is an error that says which file and why.
 */
final class ServerTls implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServerTls.class);
    static final long CHECK_SECONDS = 5;
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final TlsConfig config;
    private volatile SslContext context;
    private volatile FileTime certTime;
    private volatile FileTime keyTime;
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dualtrack-tls-watch");
        t.setDaemon(true);
        return t;
    });

    ServerTls(TlsConfig config) {
        this.config = config;
        try {
            load();
        } catch (Exception e) {
            watcher.shutdownNow();
            throw new IllegalStateException("listen.tls: cannot use the certificate " + config.cert() + " and key "
                    + config.key() + ": " + dev.dualtrack.proxy.ops.Causes.describe(e), e);
        }
        watcher.scheduleWithFixedDelay(this::reloadIfChanged, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
    }

    SslContext current() {
        return context;
    }

    private void load() throws Exception {
        FileTime c = Files.getLastModifiedTime(config.cert());
        FileTime k = Files.getLastModifiedTime(config.key());
        context = SslContextBuilder.forServer(config.cert().toFile(), config.key().toFile()).protocols(PROTOCOLS)
                .build();
        certTime = c;
        keyTime = k;
    }

    private void reloadIfChanged() {
        try {
            if (changed(config.cert(), certTime) || changed(config.key(), keyTime)) {
                load();
                LOG.info("listen.tls: {} and {} changed; new connections use them", config.cert(), config.key());
            }
        } catch (Exception e) {
            LOG.error("listen.tls: {} and {} changed but cannot be used ({}); the running certificate stays",
                    config.cert(), config.key(), dev.dualtrack.proxy.ops.Causes.describe(e));
        }
    }

    private static boolean changed(Path file, FileTime seen) throws java.io.IOException {
        return !Files.getLastModifiedTime(file).equals(seen);
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }
}
