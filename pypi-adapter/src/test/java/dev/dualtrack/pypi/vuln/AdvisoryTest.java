package dev.dualtrack.pypi.vuln;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.PypiConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdvisoryTest {
    /** As the PyPA database writes them (YAML). */
    static final String JINJA = """
            id: PYSEC-2019-217
            aliases: [CVE-2019-10906, GHSA-462w-v97r-4m45]
            details: In Pallets Jinja before 2.10.1, str.format_map allows a sandbox escape.
            affected:
            - package: {name: Jinja2, ecosystem: PyPI}
              ranges:
              - type: ECOSYSTEM
                events:
                - introduced: "0"
                - fixed: 2.10.1
              versions: ["2.10", "2.9.6"]
            severity:
            - type: CVSS_V3
              score: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N
            """;
    /** As osv.dev serves them (JSON), with last_affected, limit and two ranges. */
    static final String RANGES = """
            {"id": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2024-1"], "summary": "two ranges",
             "affected": [{"package": {"ecosystem": "PyPI", "name": "demo_lib"},
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"last_affected": "1.2"}]},
                          {"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.3"}, {"limit": "2.2"}]},
                          {"type": "GIT", "events": [{"introduced": "abc"}]}]},
               {"package": {"ecosystem": "npm", "name": "demo_lib"}, "versions": ["9.9"]}],
             "database_specific": {"severity": "MODERATE"}}
            """;

    static AdvisorySource source(Path dir) {
        return new AdvisorySource(dir, Clock.systemUTC(), Duration.ZERO);
    }

    @Test
    void rangesListsAndEdgesAsOsvMeansThem(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("vulns/jinja2"));
        Files.writeString(dir.resolve("vulns/jinja2/PYSEC-2019-217.yaml"), JINJA);
        Files.createDirectories(dir.resolve("PyPI"));
        Files.writeString(dir.resolve("PyPI/GHSA-aaaa-bbbb-cccc.json"), RANGES);
        AdvisorySource s = source(dir);
        assertThat(s.snapshot().records()).isEqualTo(2);
        assertThat(s.snapshot().projects()).isEqualTo(2);
        Advisory jinja = s.of("jinja2").get(0);
        assertThat(jinja.affects("2.10")).hasValueSatisfying(fix -> assertThat(fix.orElseThrow()).hasToString("2.10.1"));
        assertThat(jinja.affects("2.10.0")).as("the same version, spelled otherwise").isPresent();
        assertThat(jinja.affects("1.0")).isPresent();
        assertThat(jinja.affects("2.10.1")).as("fixed: not affected").isEmpty();
        assertThat(jinja.affects("3.0")).isEmpty();
        assertThat(jinja.severity()).contains(PypiConfig.Severity.CRITICAL); // 9.1
        assertThat(jinja.isCalled("cve-2019-10906")).isTrue();

        Advisory demo = s.of("Demo-Lib").get(0);
        assertThat(demo.severity()).contains(PypiConfig.Severity.MEDIUM);
        assertThat(demo.affects("0.9")).isEmpty();
        assertThat(demo.affects("1.0")).isPresent();
        assertThat(demo.affects("1.2")).as("last_affected is affected").isPresent();
        assertThat(demo.affects("1.2.1")).isEmpty();
        assertThat(demo.affects("2.1")).hasValueSatisfying(fix -> assertThat(fix.orElseThrow()).hasToString("2.3"));
        assertThat(demo.affects("2.2")).as("at the limit").isEmpty();
        assertThat(demo.affects("9.9")).as("another ecosystem's list").isEmpty();
        assertThat(demo.affects("not-a-version")).isEmpty();
    }

    @Test
    void withdrawnOtherEcosystemsAndUnreadableRecordsAreSkippedAndTheSourceIsReadAgain(@TempDir Path dir)
            throws Exception {
        Files.writeString(dir.resolve("a.json"), RANGES);
        Files.writeString(dir.resolve("withdrawn.json"), RANGES.replace("GHSA-aaaa-bbbb-cccc", "GHSA-zzzz-zzzz-zzzz")
                .replace("\"summary\"", "\"withdrawn\": \"2024-01-01T00:00:00Z\", \"summary\""));
        Files.writeString(dir.resolve("broken.yaml"), "id: [unclosed");
        Files.writeString(dir.resolve("npm.json"), "{\"id\": \"GHSA-npm\", \"affected\": [{\"package\": "
                + "{\"ecosystem\": \"npm\", \"name\": \"left-pad\"}, \"versions\": [\"1.0\"]}]}");
        Files.writeString(dir.resolve("README.md"), "not a record");
        // A clock the test moves: whether a recheck is due is the test's to say, not the scheduler's (a reload
        // started by an earlier call could otherwise read the edit below before the assertion that follows it).
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> now = new java.util.concurrent.atomic
                .AtomicReference<>(java.time.Instant.parse("2026-12-07T00:00:00Z"));
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return now.get();
            }
        };
        AdvisorySource s = new AdvisorySource(dir, clock, Duration.ofMinutes(1));
        assertThat(s.snapshot().records()).isEqualTo(1);
        assertThat(s.snapshot().unreadable()).isEqualTo(1);
        assertThat(s.of("demo-lib")).extracting(Advisory::id).containsExactly("GHSA-aaaa-bbbb-cccc");
        Files.writeString(dir.resolve("b.yaml"), JINJA);
        assertThat(s.of("jinja2")).as("the snapshot in use answers until a recheck is due").isEmpty();
        now.set(now.get().plus(Duration.ofMinutes(1)));
        dev.dualtrack.proxy.testing.Awaits.until(() -> s.of("jinja2").size() == 1);
    }

    @Test
    void osvDevsZip(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("all.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("GHSA-aaaa-bbbb-cccc.json"));
            out.write(RANGES.getBytes(StandardCharsets.UTF_8));
            out.putNextEntry(new ZipEntry("PYSEC-2019-217.json"));
            out.write(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(
                    new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(JINJA)));
        }
        AdvisorySource s = source(zip);
        assertThat(s.snapshot().records()).isEqualTo(2);
        assertThat(s.of("jinja2")).hasSize(1);
    }

    @Test
    void anOversizedRecordIsUnreadableAndALongSummaryIsClipped(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("all.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("GHSA-aaaa-bbbb-cccc.json"));
            out.write(RANGES.replace("two ranges", "x".repeat(10_000)).getBytes(StandardCharsets.UTF_8));
            out.putNextEntry(new ZipEntry("huge.json"));
            out.write(("{\"id\": \"" + "y".repeat(5 << 20) + "\"}").getBytes(StandardCharsets.UTF_8));
        }
        AdvisorySource s = source(zip);
        assertThat(s.snapshot().records()).isEqualTo(1);
        assertThat(s.snapshot().unreadable()).isEqualTo(1);
        assertThat(s.of("demo-lib").get(0).summary()).hasSize(160).endsWith("...");
    }

    @Test
    void aSourceWithNoAdvisoryStopsTheStart(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("broken.yaml"), "id: [unclosed");
        PypiConfig config = ConfigLoader.parse("t", "pypi: {vulnerabilities: {path: '" + dir + "'}}\n").pypi();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> dev.dualtrack.pypi.policy.PackagePolicy.vulnerabilities(config, Clock.systemUTC()))
                .hasMessageContaining("pypi.vulnerabilities.path").hasMessageContaining("no readable PyPI advisory")
                .hasMessageContaining("1 unreadable");
        PypiConfig off = ConfigLoader.parse("t", "pypi: {vulnerabilities: {path: '" + dir + "', action: off}}\n")
                .pypi();
        assertThat(dev.dualtrack.pypi.policy.PackagePolicy.vulnerabilities(off, Clock.systemUTC())).isEmpty();
    }

    @Test
    void theRulesKnobs(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.json"), RANGES);
        Files.writeString(dir.resolve("b.yaml"), JINJA);
        Files.writeString(dir.resolve("c.json"), "{\"id\": \"PYSEC-0000-1\", \"affected\": [{\"package\": {"
                + "\"ecosystem\": \"PyPI\", \"name\": \"demo-lib\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", "
                + "\"events\": [{\"introduced\": \"0\"}]}]}]}");
        AdvisorySource s = source(dir);
        assertThat(rule(dir, "{}", s).hits("demo-lib", "1.1")).extracting(h -> h.advisory().id())
                .containsExactly("GHSA-aaaa-bbbb-cccc", "PYSEC-0000-1");
        // min-severity: medium keeps the moderate one and the unknown one (when-unknown: medium by default).
        assertThat(rule(dir, "{min-severity: high}", s).hits("demo-lib", "1.1")).isEmpty();
        assertThat(rule(dir, "{min-severity: high, when-unknown: critical}", s).hits("demo-lib", "1.1"))
                .extracting(h -> h.advisory().id()).containsExactly("PYSEC-0000-1");
        // only-when-fixed: the never-fixed one is left alone, so nobody is stranded.
        assertThat(rule(dir, "{only-when-fixed: true}", s).hits("demo-lib", "2.1"))
                .extracting(h -> h.advisory().id()).containsExactly("GHSA-aaaa-bbbb-cccc");
        assertThat(rule(dir, "{ignore: [{id: CVE-2024-1, reason: not reachable in our use}]}", s)
                .hits("demo-lib", "1.1")).extracting(h -> h.advisory().id()).containsExactly("PYSEC-0000-1");
        VulnerabilityRule.Hit hit = rule(dir, "{}", s).hits("jinja2", "2.10").get(0);
        assertThat(VulnerabilityRule.reason("jinja2", "2.10", hit)).startsWith("PYSEC-2019-217 (CVE-2019-10906, "
                + "GHSA-462w-v97r-4m45) affects jinja2 2.10, fixed in 2.10.1: upgrade to 2.10.1 or later; severity critical");
    }

    static VulnerabilityRule rule(Path dir, String knobs, AdvisorySource s) throws Exception {
        String yaml = "pypi: {vulnerabilities: " + knobs.replaceFirst("^\\{", "{path: '" + dir + "', ")
                .replace(", }", "}") + "}\n";
        return new VulnerabilityRule(ConfigLoader.parse("t", yaml).pypi().vulnerabilities().orElseThrow(), s);
    }

    @Test
    void aWrongPathFailsTheConfigAsAMissingFeedDoes(@TempDir Path dir) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.parse("t", "pypi: {vulnerabilities: "
                + "{path: '" + dir.resolve("advisory-databse") + "'}}\n"))
                .isInstanceOf(dev.dualtrack.config.ConfigException.class)
                .hasMessageContaining("pypi.vulnerabilities.path").hasMessageContaining("does not exist");
    }

    @Test
    void cvssV3BaseScores() {
        assertThat(Cvss3.baseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")).contains(9.8);
        assertThat(Cvss3.baseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")).contains(10.0);
        assertThat(Cvss3.baseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H")).contains(7.5);
        assertThat(Cvss3.baseScore("CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N")).contains(2.8);
        assertThat(Cvss3.baseScore("CVSS:3.0/AV:N/AC:H/PR:L/UI:R/S:C/C:L/I:L/A:N")).contains(4.4);
        assertThat(Cvss3.baseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N")).contains(0.0);
        assertThat(Cvss3.baseScore("CVSS:3.1/AV:N/AC:L")).isEmpty();
        assertThat(Cvss3.baseScore("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")).isEmpty();
        assertThat(List.of(Cvss3.rating(9.0), Cvss3.rating(8.9), Cvss3.rating(4.0), Cvss3.rating(3.9)))
                .containsExactly(PypiConfig.Severity.CRITICAL, PypiConfig.Severity.HIGH, PypiConfig.Severity.MEDIUM,
                        PypiConfig.Severity.LOW);
    }
}
