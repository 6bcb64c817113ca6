package dev.dualtrack.pypi.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.config.RuleAction;
import dev.dualtrack.pypi.simple.SimpleFile;
import dev.dualtrack.pypi.simple.SimplePage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TyposquatRuleTest {
    static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    static final TyposquatDetector NAMES = TyposquatDetector.withBuiltInList(Set.of());
    static final EstablishedNames SNAPSHOT = new EstablishedNames(Set.of("httpx2"), "the test snapshot");

    static TyposquatRule rule(RuleAction whenUnknown) {
        return new TyposquatRule(new PypiConfig.Typosquat(RuleAction.BLOCK, List.of(), Duration.ofDays(90),
                whenUnknown), NAMES, SNAPSHOT, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    static SimplePage page(String project, String... uploads) {
        List<SimpleFile> files = new java.util.ArrayList<>();
        for (int i = 0; i < uploads.length; i++) {
            files.add(new SimpleFile(project + "-" + (i + 1) + ".0.tar.gz", "https://files.example/" + i,
                    Map.of("sha256", "0".repeat(64)), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.ofNullable(uploads[i])));
        }
        return new SimplePage(project, files, List.of());
    }

    static Optional<PackagePolicy.Decision> judge(TyposquatRule r, String project, String... uploads) {
        return r.judge(project, Optional.of(TyposquatRule.Evidence.of(project, page(project, uploads))));
    }

    @Test
    void aYoungProjectThatResemblesAPopularNameIsBlockedWithItsEvidence() {
        Optional<PackagePolicy.Decision> d = judge(rule(RuleAction.BLOCK), "reqeusts", "2026-11-30T12:00:00Z");
        assertThat(d).isPresent();
        assertThat(d.get().blocks()).isTrue();
        assertThat(d.get().reason()).startsWith("reqeusts is 2 days old, has 1 release, and is 1 edit from "
                + "'requests' (rank ").contains("typosquat.established-after, 90d");
    }

    @Test
    void ageIsTheEarliestUploadAndReleasesAreCounted() {
        // Three releases, the first 100 days ago: established, whatever the newest is.
        assertThat(judge(rule(RuleAction.BLOCK), "reqeusts", "2026-11-30T00:00:00Z", "2026-08-24T00:00:00Z",
                "2026-10-01T00:00:00Z")).isEmpty();
        Optional<PackagePolicy.Decision> d = judge(rule(RuleAction.BLOCK), "reqeusts", "2026-11-30T00:00:00Z",
                "2026-12-01T00:00:00Z", "not a time");
        assertThat(d.get().reason()).contains("is 2 days old, has 3 releases");
    }

    @Test
    void onlyEntriesThatCouldBeServedAreEvidence() {
        // A day-old look-alike whose page also lists an old .egg (never served) and an old entry with a broken
        // sha256 (hidden): neither may make it look established.
        List<SimpleFile> files = List.of(
                new SimpleFile("reqeusts-2.0.tar.gz", "https://files.example/a", Map.of("sha256", "0".repeat(64)),
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.of("2026-12-01T12:00:00Z")),
                new SimpleFile("reqeusts-0.1-py2.7.egg", "https://files.example/b", Map.of("sha256", "1".repeat(64)),
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.of("2012-01-01T00:00:00Z")),
                new SimpleFile("reqeusts-0.2.tar.gz", "https://files.example/c", Map.of("sha256", "not-hex"),
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.of("2013-01-01T00:00:00Z")));
        SimplePage page = new SimplePage("reqeusts", files, List.of("0.1", "0.2", "0.3", "2.0"));
        TyposquatRule.Evidence e = TyposquatRule.Evidence.of("reqeusts", page);
        assertThat(e.firstUpload()).contains(Instant.parse("2026-12-01T12:00:00Z"));
        assertThat(e.releases()).isEqualTo(1);
        Optional<PackagePolicy.Decision> d = rule(RuleAction.BLOCK).judge("reqeusts", Optional.of(e));
        assertThat(d).hasValueSatisfying(x -> assertThat(x.blocks()).isTrue());
    }

    @Test
    void anEstablishedProjectIsNotATyposquat() {
        assertThat(judge(rule(RuleAction.BLOCK), "httpx2", "2024-01-10T00:00:00Z")).isEmpty();
        assertThat(judge(rule(RuleAction.BLOCK), "python-flint", "2019-05-01T00:00:00Z")).isEmpty();
        assertThat(judge(rule(RuleAction.BLOCK), "dell-ai", "2025-01-01T00:00:00Z")).isEmpty();
    }

    @Test
    void aPageWithoutUploadTimesFallsBackToTheSnapshotThenWhenUnknown() {
        assertThat(judge(rule(RuleAction.BLOCK), "httpx2", (String) null)).isEmpty();
        Optional<PackagePolicy.Decision> d = judge(rule(RuleAction.BLOCK), "reqeusts", (String) null);
        assertThat(d.get().blocks()).isTrue();
        assertThat(d.get().reason()).isEqualTo("reqeusts is 1 edit from 'requests' (rank "
                + d.get().reason().replaceAll(".*\\(rank (\\d+)\\).*", "$1") + "); its index gives no upload times, "
                + "so its age cannot be checked, and it is not in the test snapshot");
        assertThat(judge(rule(RuleAction.WARN), "reqeusts", (String) null).get().action()).isEqualTo(RuleAction.WARN);
        assertThat(judge(rule(RuleAction.OFF), "reqeusts", (String) null)).isEmpty();
    }

    @Test
    void offlineTheSnapshotIsTheOnlyEvidence() {
        assertThat(rule(RuleAction.BLOCK).judge("httpx2", Optional.empty())).isEmpty();
        assertThat(rule(RuleAction.BLOCK).judge("reqeusts", Optional.empty()).get().reason())
                .contains("no upload times are known here");
        assertThat(rule(RuleAction.BLOCK).judge("requests", Optional.empty())).isEmpty();
    }

    @Test
    void whenUnknownNeverMakesTheRuleStricterThanItsAction() {
        TyposquatRule warnRule = new TyposquatRule(new PypiConfig.Typosquat(RuleAction.WARN, List.of(),
                Duration.ofDays(90), RuleAction.BLOCK), NAMES, SNAPSHOT, Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(warnRule.judge("reqeusts", Optional.empty()).get().action()).isEqualTo(RuleAction.WARN);
    }

    @Test
    void theBuiltInSnapshotHoldsTheEstablishedNearNamesTheIssueMeasured() {
        EstablishedNames builtIn = EstablishedNames.builtIn();
        assertThat(builtIn.size()).isGreaterThan(10_000);
        assertThat(builtIn.description()).startsWith("the established-names snapshot of 20");
        for (String name : List.of("dell-ai", "cloze", "refex", "pyjpdf", "python-flint")) {
            assertThat(builtIn.contains(name)).as(name).isTrue();
            assertThat(NAMES.resemblance(name)).as(name).isPresent();
        }
        assertThat(builtIn.contains("reqeusts")).isFalse();
    }

    @Test
    void resemblancesSayHow() {
        assertThat(NAMES.resemblance("py-numpy").get().how()).isEqualTo("a 'py-' prefix");
        assertThat(NAMES.resemblance("auth-google").get().how()).isEqualTo("its words in another order");
        assertThat(NAMES.resemblance("tomado").get().target()).isEqualTo("tornado"); // rn read as m
        assertThat(NAMES.resemblance("reqeusts").get().rank()).isBetween(1, 20);
        assertThat(TyposquatRule.describe(NAMES.resemblance("py-numpy").get())).matches("'numpy' \\(rank \\d+\\) "
                + "with a 'py-' prefix");
    }
}
