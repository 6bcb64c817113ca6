package dev.dualtrack.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HostHeaderTest {
    /** The grammar as a regex: the hand-written check must answer exactly as this does. */
    private static final Pattern ORACLE = Pattern.compile(
            "([A-Za-z0-9_]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?|\\[[0-9A-Fa-f:.]{2,45}\\])(:[0-9]{1,5})?");

    @Test
    void namesAddressesAndPortsAreTakenAndEverythingElseRefused() {
        for (String ok : new String[] {"localhost", "pypi.internal:8443", "a", "_x", "10.0.0.1:80", "[::1]",
                "[::1]:8080", "[2001:db8::7]:1", "x".repeat(253), "h:65535"}) {
            assertThat(ServerHandler.validHost(ok)).as(ok).isTrue();
        }
        for (String bad : new String[] {"", ":80", "host:", "host:123456", "-host", "host-", "ho st", "::1", "[::1",
                "[]", "[]:80", "[::1]x", "[::g]", "a]b:80", "x".repeat(254), "evil.com/path", "a@b", "host:8o"}) {
            assertThat(ServerHandler.validHost(bad)).as(bad).isFalse();
        }
    }

    @Test
    void answersAsTheGrammarOnRandomHosts() {
        Random random = new Random(27);
        String alphabet = "aZ09_.-:[]fF/ @";
        for (int i = 0; i < 300_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(i % 100 == 0 ? 300 : 14);
            for (int j = 0; j < n; j++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String h = sb.toString();
            assertThat(ServerHandler.validHost(h)).as("'%s'", h).isEqualTo(ORACLE.matcher(h).matches());
        }
    }
}
