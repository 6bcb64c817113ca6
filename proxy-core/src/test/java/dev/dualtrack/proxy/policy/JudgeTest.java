package dev.dualtrack.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualtrack.config.ConfigException;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.PolicyConfig;
import dev.dualtrack.scanner.Verdict;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JudgeTest {
    static final String SHA = "a".repeat(64);
    static final Verdict UNKNOWN_IMPORT = Verdict.block("hf.pickle.unknown-import", "imports sklearn.x.Y");
    static final Verdict TYPOSQUAT = Verdict.block("pypi.typosquat", "looks like requests");
    static final Verdict TAMPERED = Verdict.block("hf.lfs-oid-mismatch", "bytes differ");
    static final Subject HF_FILE = new Subject("10.0.0.1", "hf", "acme/model", "model.joblib", SHA);
    static final Subject PYPI_FILE = new Subject("10.0.0.1", "pypi", "reqeusts", "reqeusts-1.0-py3-none-any.whl", "");

    static PolicyConfig policy(String yaml) throws ConfigException {
        return ConfigLoader.parse("t", yaml).policy();
    }

    static Judge at(String instant, String yaml) throws ConfigException {
        return new Judge(policy(yaml), Clock.fixed(Instant.parse(instant), ZoneOffset.UTC));
    }

    static Judgement.Kind kind(Judge j, Subject s, Verdict v) {
        return j.judge(s, Optional.of("1.0"), v).kind();
    }

    @Test
    void aWaiverNamingAnAdvisoryCoversThatAdvisoryOnly() throws Exception {
        Judge j = at("2026-12-01T00:00:00Z", """
                policy:
                  waivers:
                    - {track: pypi, advisory: CVE-2099-1, reason: not reachable here, expires: 2027-01-01}
                """);
        Verdict one = Verdict.block("pypi.vulnerable", "PYSEC-2099-1 (CVE-2099-1) affects vulnlib 1.1, fixed in 1.2: "
                + "upgrade to 1.2 or later; severity high; mentions CVE-2099-7");
        Verdict other = Verdict.block("pypi.vulnerable", "GHSA-2099-aaaa-bbbb affects vulnlib 1.1, no fixed version "
                + "is known; severity high; see CVE-2099-1");
        assertThat(kind(j, PYPI_FILE, one)).isEqualTo(Judgement.Kind.WAIVE);
        assertThat(kind(j, PYPI_FILE, other)).as("named only after the first clause").isEqualTo(Judgement.Kind.BLOCK);
        assertThat(kind(j, PYPI_FILE, Verdict.block("pypi.typosquat", "CVE-2099-1 lookalike")))
                .as("another rule").isEqualTo(Judgement.Kind.BLOCK);
        assertThatThrownBy(() -> policy("policy: {waivers: [{track: pypi, advisory: CVE-2099-1, rules: "
                + "[pypi.typosquat], reason: r, expires: 2027-01-01}]}\n")).hasMessageContaining("pypi.vulnerable only");
        assertThatThrownBy(() -> policy("policy: {waivers: [{track: pypi, advisory: 'not an id', reason: r, "
                + "expires: 2027-01-01}]}\n")).hasMessageContaining("OSV id");
    }

    @Test
    void byDefaultABlockStandsAndIntegrityAlwaysBlocks() throws Exception {
        Judge j = at("2026-12-01T00:00:00Z", "");
        assertThat(kind(j, HF_FILE, UNKNOWN_IMPORT)).isEqualTo(Judgement.Kind.BLOCK);
        Judge monitor = at("2026-12-01T00:00:00Z", "policy: {mode: monitor}\n");
        assertThat(kind(monitor, HF_FILE, UNKNOWN_IMPORT)).isEqualTo(Judgement.Kind.WARN);
        assertThat(kind(monitor, HF_FILE, TAMPERED)).as("monitor never serves tampered bytes")
                .isEqualTo(Judgement.Kind.BLOCK);
        assertThat(kind(monitor, PYPI_FILE, Verdict.block("pypi.reserved-name", "x"))).isEqualTo(Judgement.Kind.BLOCK);
    }

    @Test
    void aWholeVerdictIsJudgedRuleByRuleSoAOneRuleWaiverLetsNothingElseThrough() throws Exception {
        dev.dualtrack.scanner.Finding unknown = new dev.dualtrack.scanner.Finding("hf.pickle.unknown-import",
                dev.dualtrack.scanner.Severity.UNKNOWN, "imports acme.Thing");
        dev.dualtrack.scanner.Finding system = new dev.dualtrack.scanner.Finding("hf.pickle.dangerous-import",
                dev.dualtrack.scanner.Severity.DANGEROUS, "imports posix.system");
        dev.dualtrack.scanner.Finding note = new dev.dualtrack.scanner.Finding("hf.unscanned",
                dev.dualtrack.scanner.Severity.UNKNOWN, "HDF5 weights");
        Verdict both = new Verdict(true, system.rule(), system.detail(), java.util.List.of(unknown, system, note));
        Judge waived = at("2026-12-01T00:00:00Z", """
                policy:
                  waivers:
                    - {track: hf, sha256: '%s', rules: [hf.pickle.unknown-import], reason: r, expires: 2027-01-01}
                """.formatted(SHA));
        Decision d = waived.decide(HF_FILE, Optional.empty(), both);
        assertThat(d.judgements()).extracting(j -> j.verdict().rule() + "=" + j.kind())
                .containsExactly("hf.pickle.dangerous-import=BLOCK", "hf.pickle.unknown-import=WAIVE");
        assertThat(d.blocks()).isTrue();
        assertThat(d.refusal().rule()).isEqualTo("hf.pickle.dangerous-import");
        assertThat(d.refusal().findings()).hasSize(3);
        assertThat(d.notes()).extracting(dev.dualtrack.scanner.Finding::rule).containsExactly("hf.unscanned");

        Decision onlyUnknown = waived.decide(HF_FILE, Optional.empty(), new Verdict(true, unknown.rule(),
                unknown.detail(), java.util.List.of(unknown)));
        assertThat(onlyUnknown.blocks()).isFalse();
        Decision monitor = at("2026-12-01T00:00:00Z", "policy: {mode: monitor}\n").decide(HF_FILE,
                Optional.empty(), both);
        assertThat(monitor.blocks()).isFalse();
        assertThat(monitor.judgements()).hasSize(2).allMatch(j -> j.kind() == Judgement.Kind.WARN);
        // A block without findings (a hash mismatch) is one rule.
        assertThat(waived.decide(HF_FILE, Optional.empty(), TAMPERED).judgements()).hasSize(1);
    }

    @Test
    void actionsPerRule() throws Exception {
        Judge j = at("2026-12-01T00:00:00Z", "policy: {rules: {hf.pickle.unknown-import: warn, pypi.typosquat: off}}\n");
        assertThat(kind(j, HF_FILE, UNKNOWN_IMPORT)).isEqualTo(Judgement.Kind.WARN);
        assertThat(kind(j, PYPI_FILE, TYPOSQUAT)).isEqualTo(Judgement.Kind.PASS);
        assertThat(kind(j, HF_FILE, Verdict.block("hf.pickle.dangerous-import", "os.system")))
                .isEqualTo(Judgement.Kind.BLOCK);
    }

    @Test
    void aWaiverAppliesUntilItsExpiryInstantAndOnlyToWhatItNames() throws Exception {
        String yaml = """
                policy:
                  waivers:
                    - {track: hf, sha256: '%s', reason: audited joblib, expires: '2027-01-31T12:00:00Z', ticket: SEC-1}
                    - {track: pypi, project: 'reqeu*', version: '1.0', rules: [pypi.typosquat], reason: ours,
                       expires: 2027-02-01}
                """.formatted(SHA);
        Judge before = at("2027-01-31T11:59:59Z", yaml);
        Judgement waived = before.judge(HF_FILE, Optional.empty(), UNKNOWN_IMPORT);
        assertThat(waived.kind()).isEqualTo(Judgement.Kind.WAIVE);
        assertThat(waived.waiver().orElseThrow().label()).isEqualTo("SEC-1");
        assertThat(kind(before, HF_FILE.withSha256("b".repeat(64)), UNKNOWN_IMPORT)).as("another sha256")
                .isEqualTo(Judgement.Kind.BLOCK);
        assertThat(kind(before, new Subject("c", "pypi", "x", "f", SHA), TYPOSQUAT)).as("another track")
                .isEqualTo(Judgement.Kind.BLOCK);
        assertThat(kind(before, HF_FILE, TAMPERED)).as("never an integrity rule").isEqualTo(Judgement.Kind.BLOCK);
        assertThat(kind(before, PYPI_FILE, TYPOSQUAT)).isEqualTo(Judgement.Kind.WAIVE);
        assertThat(before.judge(PYPI_FILE, Optional.of("2.0"), TYPOSQUAT).kind()).as("another version")
                .isEqualTo(Judgement.Kind.BLOCK);
        assertThat(kind(before, PYPI_FILE, Verdict.block("pypi.malicious-feed", "x"))).as("a rule it does not name")
                .isEqualTo(Judgement.Kind.BLOCK);
        Judge atExpiry = at("2027-01-31T12:00:00Z", yaml);
        assertThat(kind(atExpiry, HF_FILE, UNKNOWN_IMPORT)).isEqualTo(Judgement.Kind.BLOCK);
        assertThat(kind(atExpiry, PYPI_FILE, TYPOSQUAT)).isEqualTo(Judgement.Kind.WAIVE);
        assertThat(kind(at("2027-02-01T00:00:00Z", yaml), PYPI_FILE, TYPOSQUAT)).as("a date expires at its start")
                .isEqualTo(Judgement.Kind.BLOCK);
    }

    @Test
    void theConfigurationRefusesWhatCannotWork() {
        assertThatThrownBy(() -> policy("policy: {rules: {pypi.typosqat: warn}}\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("did you mean 'pypi.typosquat'");
        assertThatThrownBy(() -> policy("policy: {rules: {hf.lfs-oid-mismatch: warn}}\n"))
                .hasMessageContaining("guards integrity");
        assertThatThrownBy(() -> policy("policy: {waivers: [{track: hf, sha256: '" + SHA + "', expires: 2027-01-01}]}\n"))
                .hasMessageContaining("reason");
        assertThatThrownBy(() -> policy("policy: {waivers: [{track: hf, reason: r, expires: 2027-01-01}]}\n"))
                .hasMessageContaining("at least one of project, file, sha256 or advisory");
        assertThatThrownBy(() -> policy("policy: {waivers: [{track: hf, sha256: '" + SHA + "', reason: r, "
                + "expires: soon}]}\n")).hasMessageContaining("expires must be");
        assertThatThrownBy(() -> policy("policy: {waivers: [{track: pypi, project: x, reason: r, expires: 2027-01-01, "
                + "rules: [pypi.hash-mismatch]}]}\n")).hasMessageContaining("no waiver covers it");
    }
}
