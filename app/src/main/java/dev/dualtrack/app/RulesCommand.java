package dev.dualtrack.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.dualtrack.config.policy.Rule;
import dev.dualtrack.config.policy.RuleRegistry;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code dualtrack rules}: every rule id, its scope, default action and whether it guards integrity. */
@Command(name = "rules", mixinStandardHelpOptions = true,
        description = "List every rule: id, scope, default action, integrity, and what it catches.")
final class RulesCommand implements Callable<Integer> {
    @Option(names = "--json", description = "one JSON array, for tools")
    boolean json;

    @Option(names = "--markdown", description = "the table of docs/rules.md")
    boolean markdown;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter out = spec.commandLine().getOut();
        if (markdown) {
            out.print(RuleRegistry.markdown());
        } else if (json) {
            ObjectMapper m = new ObjectMapper();
            ArrayNode all = m.createArrayNode();
            for (Rule r : RuleRegistry.all()) {
                all.addObject().put("id", r.id()).put("scope", r.scope().label())
                        .put("default", r.defaultAction().name().toLowerCase(Locale.ROOT))
                        .put("integrity", r.integrity()).put("description", r.description());
            }
            out.println(m.writerWithDefaultPrettyPrinter().writeValueAsString(all));
        } else {
            int width = RuleRegistry.all().stream().mapToInt(r -> r.id().length()).max().orElse(10);
            for (Rule r : RuleRegistry.all()) {
                out.printf("%-" + width + "s  %-5s  %-5s  %-9s  %s%n", r.id(), r.scope().label(),
                        r.defaultAction().name().toLowerCase(Locale.ROOT), r.integrity() ? "integrity" : "",
                        r.description());
            }
        }
        out.flush();
        return 0;
    }
}
