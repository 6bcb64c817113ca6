package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.policy.Rule;
import dev.dualtrack.config.policy.RuleRegistry;
import dev.dualtrack.proxy.testing.RawHttpClient;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rule registry against everything that must agree with it: the code's ids, the metrics, the docs, the CLI. */
class RuleRegistryTest {
    /** Where rule ids are declared, next to the code that fires them. */
    static final List<Class<?>> ID_CLASSES = List.of(dev.dualtrack.scanner.ScanRules.class,
            dev.dualtrack.scanner.lfs.LfsRules.class, dev.dualtrack.proxy.relay.ProxyRules.class,
            dev.dualtrack.pypi.PypiRules.class, dev.dualtrack.pypi.manifest.DepsRules.class,
            dev.dualtrack.hf.HfRules.class, dev.dualtrack.proxy.access.AccessControl.class);

    static Set<String> idsInCode() throws IllegalAccessException {
        Set<String> ids = new TreeSet<>();
        for (Class<?> c : ID_CLASSES) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                    ids.add((String) f.get(null));
                }
            }
        }
        return ids;
    }

    /** The built-in rules: a track registered from elsewhere (the test-only toy track) defines its own. */
    static Set<String> registered() {
        return RuleRegistry.builtIn().stream().map(Rule::id).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyIdTheCodeDeclaresIsRegisteredAndEveryRegisteredIdIsDeclared() throws Exception {
        assertThat(registered()).containsAll(idsInCode());
        assertThat(idsInCode()).containsAll(registered());
    }

    @Test
    void integrityRulesBlockAndTheDidYouMeanFindsNearIds() {
        assertThat(RuleRegistry.all()).filteredOn(Rule::integrity).isNotEmpty()
                .allSatisfy(r -> assertThat(r.defaultAction()).isEqualTo(dev.dualtrack.config.RuleAction.BLOCK));
        assertThat(RuleRegistry.nearest("pypi.typosqat")).contains("pypi.typosquat");
        assertThat(RuleRegistry.nearest("hf.pickle.unknown")).contains("hf.pickle.unknown-import");
        assertThat(RuleRegistry.nearest("something.else.entirely")).isEmpty();
    }

    @Test
    void docsRulesMdIsGeneratedFromTheRegistry() throws Exception {
        Path docs = Path.of("..", "docs", "rules.md");
        assertThat(Files.readString(docs)).as("run: bin/dualtrack rules --markdown > docs/rules.md")
                .isEqualTo(RuleRegistry.markdown());
    }

    @Test
    void everyRuleThatCanFireOnATrackHasItsSeriesAtStartUp(@TempDir Path dir) throws Exception {
        try (DualtrackServer server = DualtrackServer.start(ConfigLoader.parse("t", "listen: {port: 0}\ncache: {dir: '"
                + dir + "'}\naudit: {output: '" + dir.resolve("audit.log") + "'}\n"))) {
            String metrics = RawHttpClient.get(server.port(), "/metrics").text();
            for (String track : dev.dualtrack.config.policy.Tracks.names()) {
                for (Rule r : RuleRegistry.firingOn(track)) {
                    assertThat(metrics).as(r.id() + " on " + track)
                            .contains("dualtrack_blocked_total{rule=\"" + r.id() + "\",track=\"" + track + "\"} 0.0");
                }
            }
            // The ones the hand-made lists missed.
            assertThat(metrics).contains("rule=\"hf.pickle.dangerous-opcode\",track=\"hf\"")
                    .contains("rule=\"hf.unrecognized-weights\",track=\"hf\"");
        }
    }

    @Test
    void theRulesCommandListsTheRegistryAsTextAndJson() throws Exception {
        java.io.StringWriter text = new java.io.StringWriter();
        assertThat(new picocli.CommandLine(new Main()).setOut(new java.io.PrintWriter(text)).execute("rules")).isZero();
        assertThat(text.toString().lines()).hasSize(RuleRegistry.all().size());
        java.io.StringWriter json = new java.io.StringWriter();
        assertThat(new picocli.CommandLine(new Main()).setOut(new java.io.PrintWriter(json))
                .execute("rules", "--json")).isZero();
        JsonNode all = new ObjectMapper().readTree(json.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(all).hasSize(RuleRegistry.all().size());
        assertThat(all.get(0).path("id").asText()).isEqualTo(RuleRegistry.all().get(0).id());
        assertThat(all.findValuesAsText("id")).contains("pypi.file-host", "hf.lfs-oid-mismatch");
    }
}
