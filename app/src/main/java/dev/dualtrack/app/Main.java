package dev.dualtrack.app;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code dualtrack} command. */
@Command(name = "dualtrack", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A supply-chain firewall for machine learning: PyPI and the Hugging Face Hub behind one proxy.",
        subcommands = {ServeCommand.class, ScanCommand.class, CheckConfigCommand.class, HealthCommand.class,
                RulesCommand.class, TokenCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code for usage, configuration and I/O errors. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setParameterExceptionHandler((ex, argv) -> {
            ex.getCommandLine().getErr().println("dualtrack: " + ex.getMessage());
            ex.getCommandLine().usage(ex.getCommandLine().getErr());
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // What failed and why, in words: never a bare Java exception name.
            String message = ex.getMessage() == null || ex.getMessage().isBlank()
                    ? dev.dualtrack.proxy.ops.Causes.describe(ex) : ex.getMessage();
            cmd.getErr().println("dualtrack: " + message);
            return EXIT_USAGE;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"dualtrack " + BuildInfo.describe()};
        }
    }
}
