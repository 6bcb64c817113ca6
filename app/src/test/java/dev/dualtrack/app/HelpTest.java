package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The top-level help, as a new user first reads it. */
class HelpTest {
    @Test
    void theTopLevelHelpDescribesEveryCommandInFull() {
        java.io.StringWriter help = new java.io.StringWriter();
        new picocli.CommandLine(new Main()).setOut(new java.io.PrintWriter(help)).execute("--help");
        String flat = help.toString().replaceAll("\\s+", " ");
        assertThat(flat).contains("the same engine the proxy runs in flight, and audit Python dependency manifests")
                .contains("with the PyPI policy.").contains("rules List every rule");
    }
}
