package dev.dualtrack.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    private static List<ConfigError> errorsOf(String yaml) {
        try {
            ConfigLoader.parse("test.yaml", yaml);
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected config errors for:\n" + yaml);
    }

    @Test
    void embeddedDefaultServesPypiAndHubOnLoopback8080() {
        DualtrackConfig c = ConfigLoader.loadDefault();
        assertThat(c.listen().host()).isEqualTo("127.0.0.1");
        assertThat(c.listen().port()).isEqualTo(8080);
        assertThat(c.cache().dir()).isEqualTo(Path.of("./dualtrack-data"));
        assertThat(c.pypi().upstreams()).extracting(PypiConfig.Upstream::url)
                .containsExactly(URI.create("https://pypi.org/simple/"));
        assertThat(c.hf().upstream()).isEqualTo(URI.create("https://huggingface.co"));
        assertThat(c.admin()).isEmpty();
    }

    @Test
    void emptyFileBindsToTheSameConfigAsTheEmbeddedDefault() throws ConfigException {
        // default.yaml documents every default; this keeps it honest against the @Default annotations.
        assertThat(ConfigLoader.parse("<empty>", "")).isEqualTo(ConfigLoader.loadDefault());
    }

    @Test
    void relativePathsAreTakenFromTheConfigFilesFolderAndANamedFeedMustExist(@org.junit.jupiter.api.io.TempDir
            Path dir) throws Exception {
        Path etc = java.nio.file.Files.createDirectories(dir.resolve("etc/dualtrack"));
        java.nio.file.Files.createDirectories(etc.resolve("osv/pypi"));
        Path file = etc.resolve("dualtrack.yaml");
        java.nio.file.Files.writeString(file, """
                cache: {dir: data}
                audit: {output: logs/audit.log}
                pypi:
                  malicious-feed: {path: osv}
                """);
        DualtrackConfig c = ConfigLoader.load(file);
        assertThat(c.cache().dir()).isEqualTo(etc.resolve("data"));
        assertThat(c.audit().output()).isEqualTo(etc.resolve("logs/audit.log").toString());
        assertThat(c.pypi().maliciousFeed().orElseThrow().path()).isEqualTo(etc.resolve("osv"));

        java.nio.file.Files.writeString(file, "pypi:\n  malicious-feed: {path: osv-typo}\n");
        ConfigException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> ConfigLoader.load(file),
                ConfigException.class);
        assertThat(e.errors()).hasSize(1);
        assertThat(e.errors().get(0).toString()).contains(file + ":2:").contains("pypi.malicious-feed.path")
                .contains(etc.resolve("osv-typo").toString()).contains("does not exist");
    }

    @Test
    void aPastedWaiverThatWasNotEditedIsRefused() {
        String pasted = "policy:\n  waivers:\n    - {track: hf, sha256: " + "a".repeat(64) + ", rules: "
                + "[hf.pickle.unknown-import], reason: 'REPLACE: why this is safe', expires: 2999-01-01, ticket: "
                + "'REPLACE'}\n";
        ConfigException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> ConfigLoader.parse(
                "p.yaml", pasted), ConfigException.class);
        assertThat(e.errors().toString()).contains("placeholder").contains("p.yaml:3:");
        String edited = pasted.replace("'REPLACE: why this is safe'", "'reviewed by the ML team'")
                .replace("ticket: 'REPLACE'", "ticket: SEC-12");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> ConfigLoader.parse("p.yaml", edited)))
                .isNull();
    }

    @Test
    void aTabIsReportedWhereItIs() {
        ConfigException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> ConfigLoader.parse("t.yaml",
                "listen:\n  port: 0\ncache:\n\tdir: data\n"), ConfigException.class);
        assertThat(e.errors()).hasSize(1);
        assertThat(e.errors().get(0).toString()).startsWith("t.yaml:4:1:").contains("tab");
    }

    @Test
    void partialSectionsKeepTheirOtherDefaults() throws ConfigException {
        DualtrackConfig c = ConfigLoader.parse("t.yaml", "cache: {max-size: 2GiB}\nrelay: {hold: 1MiB}\n");
        assertThat(c.cache().maxSize()).isEqualTo(DataSize.ofBytes(2L << 30));
        assertThat(c.cache().dir()).isEqualTo(Path.of("dualtrack-data").toAbsolutePath());
        assertThat(c.relay().hold()).isEqualTo(DataSize.ofMebibytes(1));
        assertThat(c.relay().followerWait()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void unknownKeyNamesFileLineColumnPathAndSuggestsTheNearKey() {
        List<ConfigError> errors = errorsOf("listen:\n  host: 0.0.0.0\n  prot: 9000\n");
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).toString())
                .isEqualTo("test.yaml:3:3: listen.prot: unknown key (did you mean 'port'?)");
    }

    @Test
    void credentialsInAnUpstreamUrlAreRefusedPointingToAuthWithoutEchoingThem() {
        List<ConfigError> errors = errorsOf("pypi:\n  upstreams:\n    - {name: corp, url: 'http://user:hunter2@corp.example/"
                + "simple/'}\nhf: {upstream: 'https://tok:abc@hub.example'}\n");
        assertThat(errors).hasSize(2);
        assertThat(errors).allSatisfy(e -> assertThat(e.toString()).contains("auth").doesNotContain("hunter2")
                .doesNotContain("tok:abc"));
        assertThat(errors.get(0).path()).isEqualTo("pypi.upstreams[0].url");
    }

    @Test
    void aWaiversFileAddsItsWaiversAndReportsItsOwnErrors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String sha = "c".repeat(64);
        java.nio.file.Path cfg = dir.resolve("dualtrack.yaml");
        java.nio.file.Files.writeString(cfg, "policy:\n  waivers-file: team/waivers.yaml\n  waivers:\n"
                + "    - {track: pypi, project: a, reason: inline, expires: 2999-01-01}\n");
        java.nio.file.Files.createDirectories(dir.resolve("team"));
        java.nio.file.Files.writeString(dir.resolve("team/waivers.yaml"), "waivers:\n"
                + "  - {track: hf, sha256: '" + sha + "', reason: owned elsewhere, expires: 2999-01-01}\n");
        assertThat(ConfigLoader.load(cfg).policy().waivers()).extracting(Waiver::reason)
                .containsExactly("inline", "owned elsewhere");
        java.nio.file.Files.writeString(dir.resolve("team/waivers.yaml"), "waivers:\n  - {track: hf, reason: x, "
                + "expires: 2999-01-01}\n");
        try {
            ConfigLoader.load(cfg);
            throw new AssertionError("expected an error");
        } catch (ConfigException e) {
            assertThat(e.errors()).hasSize(1);
            assertThat(e.errors().get(0).toString()).startsWith(dir.resolve("team/waivers.yaml") + ":2:")
                    .contains("at least one of project, file, sha256 or advisory");
        }
    }

    @Test
    void fileHostsAreHostsOrHostPortsOnly() throws ConfigException {
        assertThat(ConfigLoader.parse("test.yaml", "pypi:\n  upstreams:\n    - {name: corp, url: "
                + "'https://corp.example/simple/', file-hosts: ['files.corp.example', 'cdn.corp.example:8443']}\n")
                .pypi().upstreams().get(0).fileHosts()).containsExactly("files.corp.example", "cdn.corp.example:8443");
        assertThat(errorsOf("pypi:\n  upstreams:\n    - {name: corp, url: 'https://corp.example/simple/', "
                + "file-hosts: ['https://files.corp.example/']}\n")).hasSize(1);
    }

    @Test
    void wrongTypesAreErrorsWithTheirLocations() {
        List<ConfigError> errors = errorsOf("listen:\n  port: eighty\ncache:\n  prefetch: 1\n");
        assertThat(errors).extracting(ConfigError::toString).containsExactly(
                "test.yaml:2:9: listen.port: expected an integer, got a string 'eighty'",
                "test.yaml:4:13: cache.prefetch: expected true or false, got an integer '1'");
    }

    @Test
    void badDurationsAndSizesAreErrors() {
        List<ConfigError> errors = errorsOf("upstream-client: {read-timeout: 30}\ncache: {max-size: 5 parsecs}\n"
                + "pypi: {min-release-age: {age: 3 days}}\n");
        assertThat(errors).hasSize(3);
        assertThat(errors.get(0).path()).isEqualTo("upstream-client.read-timeout");
        assertThat(errors.get(0).message()).isEqualTo("expected a duration such as 30s, got an integer '30'");
        assertThat(errors.get(1).path()).isEqualTo("cache.max-size");
        assertThat(errors.get(1).message()).startsWith("not a size: '5 parsecs'");
        assertThat(errors.get(2).toString()).startsWith("test.yaml:3:31: pypi.min-release-age.age: not a duration");
    }

    @Test
    void reservationNamingAMissingUpstreamIsAnError() {
        List<ConfigError> errors = errorsOf("""
                pypi:
                  upstreams:
                    - {name: internal, url: 'https://pypi.corp.example/simple/', internal: true}
                    - {name: pypi, url: 'https://pypi.org/simple/'}
                  reserved:
                    - {namespace: acme, upstream: internal}
                    - {project: torchtriton, upstream: interal}
                """);
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).location()).isEqualTo(new ConfigLocation("test.yaml", 7, 40));
        assertThat(errors.get(0).path()).isEqualTo("pypi.reserved[1].upstream");
        assertThat(errors.get(0).message()).contains("no upstream of that name", "internal", "pypi");
    }

    @Test
    void recordConstraintsAreReportedAtTheirMap() {
        List<ConfigError> errors = errorsOf("pypi:\n  reserved:\n    - {upstream: pypi}\n");
        assertThat(errors).extracting(ConfigError::toString).containsExactly(
                "test.yaml:3:7: pypi.reserved[0]: a reservation names exactly one of namespace or project");
    }

    @Test
    void missingRequiredKeysAreNamed() {
        List<ConfigError> errors = errorsOf("pypi:\n  upstreams:\n    - {name: x}\n");
        assertThat(errors).extracting(ConfigError::toString)
                .containsExactly("test.yaml:3:7: pypi.upstreams[0].url: missing required key 'url'");
    }

    @Test
    void everyErrorIsReportedNotJustTheFirst() {
        List<ConfigError> errors = errorsOf("listen: {port: 70000, bogus: 1}\nrelay: {hold: 1 KB}\nnope: 2\n");
        assertThat(errors).extracting(ConfigError::path)
                .containsExactlyInAnyOrder("listen.bogus", "listen", "nope");
    }

    @Test
    void duplicateKeysAndSyntaxErrorsAreErrors() {
        assertThat(errorsOf("listen: {port: 1}\nlisten: {port: 2}\n").get(0).message())
                .startsWith("duplicate key (first given at test.yaml:1:1)");
        assertThat(errorsOf("listen: [port: 1\n").get(0).message()).startsWith("YAML syntax error");
    }

    @Test
    void urlsMustBeHttpWithAHost() {
        assertThat(errorsOf("hf: {upstream: 'ftp://example.org'}").get(0).message())
                .isEqualTo("not an http or https URL: 'ftp://example.org'");
        assertThat(errorsOf("hf: {redirect-hosts: ['https://cdn.example']}").get(0).message())
                .contains("must be a bare host name");
    }

    @Test
    void secretsAreNamesOfEnvironmentVariables() throws ConfigException {
        DualtrackConfig c = ConfigLoader.parse("t.yaml", """
                pypi:
                  upstreams:
                    - {name: internal, url: 'https://p.example/simple/', auth: {bearer-env: INTERNAL_TOKEN}}
                """);
        PypiConfig.Auth auth = c.pypi().upstreams().get(0).auth().orElseThrow();
        assertThat(auth.bearerEnv()).contains("INTERNAL_TOKEN");
        assertThat(Secrets.of(java.util.Map.of("INTERNAL_TOKEN", "s3cret")).get("INTERNAL_TOKEN")).contains("s3cret");
        assertThat(errorsOf("pypi: {upstreams: [{name: a, url: 'https://a.example/', auth: {token: abc}}]}"))
                .extracting(ConfigError::path).contains("pypi.upstreams[0].auth.token");
    }

    @Test
    void loadingAMissingFileIsAConfigError(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read the config file");
    }

    @Test
    void loadsAFileAndNamesItInErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("d.yaml");
        Files.writeString(f, "listen:\n  port: -1\n");
        assertThatThrownBy(() -> ConfigLoader.load(f)).isInstanceOf(ConfigException.class)
                .hasMessage(f + ":2:3: listen: port must be between 0 and 65535 (was -1)");
    }
}
