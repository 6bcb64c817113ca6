package dev.dualtrack.app;

import dev.dualtrack.config.DualtrackConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dualtrack serve [--config FILE]}: runs the proxy until the process is stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the proxy. Without --config it uses the embedded default "
                + "(pypi.org and huggingface.co on 127.0.0.1:8080, cache in ./dualtrack-data).")
final class ServeCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Optional<DualtrackConfig> loaded = ConfigFiles.load(config, spec.commandLine().getErr());
        if (loaded.isEmpty()) {
            spec.commandLine().getErr().println("dualtrack: not starting: fix the configuration first");
            return Main.EXIT_USAGE;
        }
        DualtrackServer server = DualtrackServer.start(loaded.get());
        // Policy and waivers reload on SIGHUP or a change to the file; other sections need a restart.
        ConfigReloader reloader = config == null ? null : server.reloadFrom(config, loaded.get());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            spec.commandLine().getErr().println("dualtrack: stopping: closing the listeners and the upstream "
                    + "connections");
            spec.commandLine().getErr().flush();
            if (reloader != null) {
                reloader.close();
            }
            server.close();
            spec.commandLine().getErr().println("dualtrack: stopped");
            spec.commandLine().getErr().flush();
            stopped.countDown();
        }, "dualtrack-shutdown"));
        for (String line : server.summary()) {
            spec.commandLine().getErr().println("dualtrack: " + line);
        }
        // The listening line is the contract scripts and tests wait for.
        spec.commandLine().getErr().println("dualtrack: listening on " + (loaded.get().listen().tls().isPresent()
                ? "https://" : "http://") + loaded.get().listen().host() + ":"
                + server.port() + (server.adminPort() > 0 ? " (admin on port " + server.adminPort() + ")" : ""));
        spec.commandLine().getErr().flush();
        stopped.await();
        return 0;
    }
}
