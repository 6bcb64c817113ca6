package dev.dualtrack.app;

import dev.dualtrack.config.DualtrackConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code dualtrack check-config FILE}: prints every error and exits 2, or says the file is valid. */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Validate a configuration file; prints file:line:col errors and exits 2 if it is invalid.")
final class CheckConfigCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "the YAML configuration to check")
    Path file;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Optional<DualtrackConfig> config = ConfigFiles.load(file, spec.commandLine().getErr());
        if (config.isEmpty()) {
            return Main.EXIT_USAGE;
        }
        for (dev.dualtrack.config.ConfigError w : dev.dualtrack.config.ConfigLoader.warnings(file,
                java.time.Instant.now(), java.time.Duration.ofDays(7))) {
            spec.commandLine().getOut().println(w.location() + ": warning: " + w.path() + ": " + w.message());
        }
        for (String line : StartupSummary.access(config.get())) {
            spec.commandLine().getOut().println(file + ": " + (line.startsWith("WARNING: ") ? "warning: "
                    + line.substring("WARNING: ".length()) : line));
        }
        spec.commandLine().getOut().println(file + ": ok");
        return 0;
    }
}
