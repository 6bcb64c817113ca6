package dev.dualtrack.proxy.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualtrack.config.AccessConfig;
import dev.dualtrack.config.ConfigException;
import dev.dualtrack.config.ConfigLoader;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessControlTest {
    static final String ALICE = "dt_alice-secret";
    static final String BOB = "dt_bob-secret";

    static String sha(String token) {
        return HexFormat.of().formatHex(AccessControl.sha256(token));
    }

    static AccessControl tokens(String moreYaml) throws ConfigException {
        return new AccessControl(ConfigLoader.parse("t", """
                access:
                  mode: token
                  trusted-proxies: [10.0.0.0/8, 'fd00::/8']
                  tokens:
                    - {principal: alice, sha256: %s, pypi: {projects: ['*'], upstreams: [pypi, internal]},
                       hf: {repos: ['acme/*']}}
                    - {principal: bob, sha256: %s, pypi: {projects: ['tiny*'], upstreams: [pypi]}}
                """.formatted(sha(ALICE), sha(BOB)) + moreYaml).access());
    }

    static HttpHeaders auth(String value) {
        return new DefaultHttpHeaders().set("Authorization", value);
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void openAccessIsAnyoneWithoutLookingAtCredentials() {
        AccessControl open = new AccessControl(AccessConfig.open());
        assertThat(open.authenticate(auth("Bearer whatever"))).isEqualTo(new AccessControl.Authenticated(Principal.ANYONE));
        assertThat(open.deniedRepo(Principal.ANYONE, "corp/private")).isEmpty();
        assertThat(open.deniedUpstream(Principal.ANYONE, "x", "internal")).isEmpty();
    }

    @Test
    void tokensAreTakenAsEachClientSendsThem() throws Exception {
        AccessControl a = tokens("");
        // pip and uv: https://__token__:TOKEN@host/... ; poetry http-basic: user and password; a bare user.
        for (String header : List.of(basic("__token__", ALICE), basic("alice", ALICE), basic(ALICE, ""),
                "Bearer " + ALICE, "bearer   " + ALICE)) {
            assertThat(a.authenticate(auth(header))).as(header).isInstanceOfSatisfying(
                    AccessControl.Authenticated.class, ok -> assertThat(ok.principal().name()).isEqualTo("alice"));
        }
        for (String header : List.of("", "Bearer", "Bearer ", basic("__token__", "wrong"), "Basic !!!notbase64",
                "Digest " + ALICE, ALICE)) {
            assertThat(a.authenticate(auth(header))).as(header).isInstanceOf(AccessControl.Unauthenticated.class);
        }
        assertThat(a.authenticate(new DefaultHttpHeaders())).isInstanceOf(AccessControl.Unauthenticated.class);
    }

    @Test
    void grantsAreGlobsPerTrack() throws Exception {
        AccessControl a = tokens("");
        Principal alice = ((AccessControl.Authenticated) a.authenticate(auth("Bearer " + ALICE))).principal();
        Principal bob = ((AccessControl.Authenticated) a.authenticate(auth("Bearer " + BOB))).principal();
        assertThat(a.deniedRepo(alice, "acme/tiny-bert")).isEmpty();
        assertThat(a.deniedRepo(alice, "corp/private")).hasValueSatisfying(why -> assertThat(why)
                .contains("alice").contains("corp/private").contains("acme/*"));
        assertThat(a.deniedTrack(bob, "hf")).hasValueSatisfying(why -> assertThat(why).contains("bob"));
        assertThat(a.deniedTrack(bob, "pypi")).isEmpty();
        assertThat(a.deniedProject(bob, "tinylib")).isEmpty();
        assertThat(a.deniedProject(bob, "acme-utils")).isPresent();
        assertThat(a.deniedUpstream(bob, "tinylib", "internal")).hasValueSatisfying(why -> assertThat(why)
                .contains("index 'internal'"));
        assertThat(a.deniedUpstream(alice, "acme-utils", "internal")).isEmpty();
    }

    @Test
    void aReloadRevokesAtTheNextRequest() throws Exception {
        AccessControl a = tokens("");
        assertThat(a.authenticate(auth("Bearer " + BOB))).isInstanceOf(AccessControl.Authenticated.class);
        a.replace(ConfigLoader.parse("t", "access: {mode: token, tokens: [{principal: alice, sha256: " + sha(ALICE)
                + ", tracks: [pypi]}]}\n").access());
        assertThat(a.authenticate(auth("Bearer " + BOB))).isInstanceOf(AccessControl.Unauthenticated.class);
        assertThat(a.principals()).isEqualTo(1);
    }

    @Test
    void forwardedForIsBelievedOnlyFromTrustedProxies() throws Exception {
        AccessControl a = tokens("");
        // From an untrusted peer, the header is the client's to forge: ignored.
        assertThat(a.clientOf("203.0.113.9", List.of("198.51.100.1"))).isEqualTo("203.0.113.9");
        // From the ingress: the nearest hop that is not a trusted proxy.
        assertThat(a.clientOf("10.1.2.3", List.of("198.51.100.7, 10.9.9.9"))).isEqualTo("198.51.100.7");
        // A client that forged an entry before the real one gets the real one.
        assertThat(a.clientOf("10.1.2.3", List.of("1.2.3.4, 198.51.100.7"))).isEqualTo("198.51.100.7");
        assertThat(a.clientOf("fd00::1", List.of("2001:db8::5"))).isEqualTo("2001:db8::5");
        // Garbage stops the walk at the last address believed.
        assertThat(a.clientOf("10.1.2.3", List.of("evil.example"))).isEqualTo("10.1.2.3");
        assertThat(new AccessControl(AccessConfig.open()).clientOf("10.1.2.3", List.of("198.51.100.7")))
                .as("no trusted proxies: nobody is believed").isEqualTo("10.1.2.3");
    }

    @Test
    void theConfigRefusesWhatWouldBeUnsafe() {
        assertThatThrownBy(() -> ConfigLoader.parse("t", "access: {tokens: [{principal: a, sha256: "
                + ALICE + "}]}\n")).isInstanceOf(ConfigException.class).hasMessageContaining("64 lower-case hex");
        assertThatThrownBy(() -> ConfigLoader.parse("t", "access: {tokens: [{principal: a, sha256: " + sha(ALICE)
                + "}, {principal: b, sha256: " + sha(ALICE) + "}]}\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("same sha256");
        assertThatThrownBy(() -> ConfigLoader.parse("t", "access: {trusted-proxies: [ingress.local]}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not an address");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Cidr.parse("10.0.0.0/8").contains("10.255.0.1")).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains("11.0.0.1")).isFalse();
        assertThat(Cidr.parse("192.168.1.0/25").contains("192.168.1.200")).isFalse();
    }
}
