package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What start-up and check-config say about access. */
class StartupSummaryTest {
    static final String CREDENTIALS = "pypi:\n  upstreams:\n    - {name: internal, url: 'https://pypi.corp.example/simple/',"
            + " internal: true, auth: {bearer-env: T}}\nhf: {token-env: HF_TOKEN}\n";

    @Test
    void openAccessWithCredentialsOnANetworkAddressIsAWarningNamingThem() throws Exception {
        List<String> lines = StartupSummary.access(ConfigLoader.parse("t", "listen: {host: 0.0.0.0}\n" + CREDENTIALS));
        assertThat(lines.get(0)).startsWith("access: open");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("WARNING: access is open on 0.0.0.0")
                .contains("index 'internal'").contains("the Hub token ($HF_TOKEN)").contains("access.mode: token"));
    }

    @Test
    void loopbackTokensOrNoCredentialsAreNoWarning() throws Exception {
        assertThat(StartupSummary.access(ConfigLoader.parse("t", CREDENTIALS))).hasSize(1);
        assertThat(StartupSummary.access(ConfigLoader.parse("t", "listen: {host: 0.0.0.0}\n"))).hasSize(1);
        List<String> token = StartupSummary.access(ConfigLoader.parse("t", "listen: {host: 0.0.0.0}\n" + CREDENTIALS
                + "access: {mode: token, tokens: [{principal: ci, sha256: '" + "a".repeat(64) + "', tracks: [hf]}]}\n"));
        assertThat(token).containsExactly("access: token, 1 principal(s); plain HTTP on 0.0.0.0");
    }
}
