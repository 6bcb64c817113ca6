package dev.dualtrack.pypi.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.pypi.PypiRules;
import dev.dualtrack.pypi.simple.SimpleFile;
import dev.dualtrack.pypi.simple.SimplePage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackagePolicyTest {
    static final TyposquatDetector TYPOS = TyposquatDetector.withBuiltInList(Set.of("reqeusts-ok"));

    @Test
    void typosquatsOfPopularProjectsAreFoundAndTheTargetNamed() {
        assertThat(TYPOS.suspectedTarget("reqeusts")).contains("requests");      // swapped neighbours
        assertThat(TYPOS.suspectedTarget("requestss")).contains("requests");     // repeated character
        assertThat(TYPOS.suspectedTarget("reqests")).contains("requests");       // omitted character
        assertThat(TYPOS.suspectedTarget("reauests")).contains("requests");      // keyboard neighbour
        assertThat(TYPOS.suspectedTarget("b0to3")).contains("boto3");            // visual confusable
        assertThat(TYPOS.suspectedTarget("py-numpy")).contains("numpy");         // affix
        assertThat(TYPOS.suspectedTarget("numpy-python")).contains("numpy");
        assertThat(TYPOS.suspectedTarget("auth-google")).contains("google-auth"); // swapped words
    }

    @Test
    void popularAndExemptNamesAreNeverFlagged() {
        assertThat(TYPOS.suspectedTarget("requests")).isEmpty();
        assertThat(TYPOS.suspectedTarget("numpy")).isEmpty();
        assertThat(TYPOS.suspectedTarget("boto3")).isEmpty();
        assertThat(TYPOS.suspectedTarget("reqeusts-ok")).isEmpty();
        assertThat(TYPOS.suspectedTarget("my-internal-thing-nobody-knows")).isEmpty();
    }

    @Test
    void damerauLevenshteinOneIsExact() {
        assertThat(TyposquatDetector.damerauLevenshteinIsOne("abcde", "abdce")).isTrue();
        assertThat(TyposquatDetector.damerauLevenshteinIsOne("abcde", "abcdef")).isTrue();
        assertThat(TyposquatDetector.damerauLevenshteinIsOne("abcde", "abcde")).isFalse();
        assertThat(TyposquatDetector.damerauLevenshteinIsOne("abcde", "aXcdY")).isFalse();
    }

    @Test
    void versionsComeFromWheelAndSdistNames() {
        assertThat(Filenames.version("acme-utils", "acme_utils-1.0.2-py3-none-any.whl")).contains("1.0.2");
        assertThat(Filenames.version("acme-utils", "acme-utils-2.0.tar.gz")).contains("2.0");
        assertThat(Filenames.version("acme-utils", "Acme.Utils-3.0rc1.zip")).contains("3.0rc1");
        assertThat(Filenames.version("acme-utils", "README")).isEmpty();
    }

    static SimpleFile file(String name, String sha, String uploaded) {
        return new SimpleFile(name, "https://x/" + name, Map.of("sha256", sha), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.ofNullable(uploaded));
    }

    @Test
    void aVulnerableReleaseIsYankedOnThePageAndItsFilesRefusedOnPublicSourcesOnly(@TempDir Path dir) throws Exception {
        Path adv = Files.createDirectories(dir.resolve("advisories"));
        Path mal = Files.createDirectories(dir.resolve("malicious"));
        Files.writeString(adv.resolve("PYSEC-2099-1.json"), "{\"id\": \"PYSEC-2099-1\", \"aliases\": [\"CVE-2099-1\"],"
                + " \"affected\": [{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"vulnlib\"}, \"ranges\": [{"
                + "\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"1.1\"}, {\"fixed\": \"1.2\"}]}]}]}");
        Files.writeString(mal.resolve("MAL-1.json"), "{\"id\": \"MAL-1\", \"affected\": [{\"package\": {"
                + "\"ecosystem\": \"PyPI\", \"name\": \"vulnlib\"}, \"versions\": [\"1.0\"]}]}");
        PypiConfig config = ConfigLoader.parse("t", "pypi: {vulnerabilities: {path: '" + adv + "'}, malicious-feed: "
                + "{path: '" + mal + "'}}\n").pypi();
        PackagePolicy p = new PackagePolicy(config, TYPOS, Optional.of(new MaliciousFeed(mal, Clock.systemUTC(),
                Duration.ZERO)), Clock.systemUTC(), Optional.empty(), PackagePolicy.vulnerabilities(config,
                Clock.systemUTC()));
        SimplePage page = new SimplePage("vulnlib", List.of(file("vulnlib-1.0-py3-none-any.whl", "a".repeat(64), null),
                file("vulnlib-1.1-py3-none-any.whl", "b".repeat(64), null),
                file("vulnlib-1.2-py3-none-any.whl", "c".repeat(64), null)), List.of());
        PackagePolicy.Filtered f = p.filter("vulnlib", page);
        // Malicious: gone. Vulnerable: yanked, with the advisory and the upgrade. Clean: as it was.
        assertThat(f.page().files()).extracting(SimpleFile::filename).containsExactly("vulnlib-1.1-py3-none-any.whl",
                "vulnlib-1.2-py3-none-any.whl");
        assertThat(f.page().files().get(0).yanked()).hasValueSatisfying(y -> assertThat(y).startsWith(
                "dualtrack: PYSEC-2099-1 (CVE-2099-1) affects vulnlib 1.1, fixed in 1.2: upgrade to 1.2 or later"));
        assertThat(f.page().files().get(1).yanked()).isEmpty();
        assertThat(f.hidden()).extracting(PackagePolicy.Decision::rule).containsExactly(PypiRules.MALICIOUS_FEED,
                PypiRules.VULNERABLE);
        assertThat(p.file("vulnlib", file("vulnlib-1.1-py3-none-any.whl", "b".repeat(64), null)))
                .extracting(PackagePolicy.Decision::rule).containsExactly(PypiRules.VULNERABLE);
        assertThat(p.file("vulnlib", file("vulnlib-1.1-py3-none-any.whl", "b".repeat(64), null), false))
                .as("an internal index's vulnlib is other software").isEmpty();
    }

    @Test
    void theMaliciousFeedBlocksByVersionAndByFileHashAndIgnoresWithdrawnRecords(@TempDir Path dir) throws Exception {
        Path records = Files.createDirectories(dir.resolve("osv/malicious/pypi/evilpkg"));
        Files.writeString(records.resolve("MAL-2025-1.json"), """
                {"id":"MAL-2025-1","affected":[{"package":{"ecosystem":"PyPI","name":"EvilPkg"},"versions":["1.0"]}],
                 "database_specific":{"indicators":{"package_integrity":{"sha256":"%s"}}}}
                """.formatted("f".repeat(64)));
        Path withdrawn = Files.createDirectories(dir.resolve("osv/withdrawn/pypi/goodpkg"));
        Files.writeString(withdrawn.resolve("MAL-2024-9.json"),
                "{\"id\":\"MAL-2024-9\",\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"goodpkg\"}}]}");
        MaliciousFeed feed = new MaliciousFeed(dir, Clock.systemUTC(), Duration.ZERO);
        assertThat(feed.match("evilpkg", "1.0", null)).hasValueSatisfying(w -> assertThat(w).contains("MAL-2025-1"));
        assertThat(feed.match("evilpkg", "2.0", null)).isEmpty();
        assertThat(feed.match("other", "1.0", "f".repeat(64))).isPresent();
        assertThat(feed.match("goodpkg", "1.0", null)).isEmpty();

        Path whole = Files.createDirectories(dir.resolve("osv/malicious/pypi/badall"));
        Files.writeString(whole.resolve("MAL-2025-2.json"),
                "{\"id\":\"MAL-2025-2\",\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"badall\"}}]}");
        Files.setLastModifiedTime(whole.resolve("MAL-2025-2.json"), FileTime.from(Instant.now().plusSeconds(5)));
        // The reload runs in the background: the call that notices the change answers from the snapshot in use.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (feed.match("badall", "3.1", null).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(feed.match("badall", "3.1", null)).as("reloaded when the directory changed").isPresent();
        assertThat(feed.match("evilpkg", "1.0", null)).as("what was loaded before still holds").isPresent();
    }

    @Test
    void releaseAgeHidesYoungFilesAndFilesWithoutUploadTimeByDefault() throws Exception {
        PypiConfig config = ConfigLoader.parse("t", "pypi: {min-release-age: {age: 72h, action: block,"
                + " exempt: [trusted]}}").pypi();
        Clock now = Clock.fixed(Instant.parse("2026-06-10T00:00:00Z"), ZoneOffset.UTC);
        PackagePolicy p = new PackagePolicy(config, TYPOS, Optional.empty(), now);
        SimplePage page = new SimplePage("demo", List.of(
                file("demo-1.0.tar.gz", "a".repeat(64), "2026-01-01T00:00:00.000000Z"),
                file("demo-2.0.tar.gz", "b".repeat(64), "2026-06-09T00:00:00.000000Z"),
                file("demo-3.0.tar.gz", "c".repeat(64), null)), List.of());
        PackagePolicy.Filtered f = p.filter("demo", page);
        assertThat(f.page().files()).extracting(SimpleFile::filename).containsExactly("demo-1.0.tar.gz");
        assertThat(f.hidden()).extracting(PackagePolicy.Decision::rule).containsOnly(PypiRules.MIN_RELEASE_AGE);
        assertThat(p.filter("trusted", page).page().files()).hasSize(3);

        PypiConfig cutoff = ConfigLoader.parse("t", "pypi: {min-release-age: {age: 1h, action: block,"
                + " exclude-newer: 2026-03-01, when-unknown: allow}}").pypi();
        PackagePolicy q = new PackagePolicy(cutoff, TYPOS, Optional.empty(), now);
        assertThat(q.filter("demo", page).page().files()).extracting(SimpleFile::filename)
                .containsExactly("demo-1.0.tar.gz", "demo-3.0.tar.gz");
    }

    @Test
    void aFilenameWhoseHashChangesIsTamperingEvenAfterARestart(@TempDir Path dir) throws Exception {
        PypiConfig config = ConfigLoader.parse("t", "").pypi();
        Path record = dir.resolve("first-seen.tsv");
        try (FirstSeenHashes first = new FirstSeenHashes(record)) {
            PackagePolicy p = new PackagePolicy(config, TYPOS, Optional.empty(), Clock.systemUTC(), Optional.of(first));
            assertThat(p.file("demo", file("demo-1.0.tar.gz", "a".repeat(64), "2020-01-01T00:00:00Z"))).isEmpty();
            assertThat(p.file("demo", file("demo-1.0.tar.gz", "a".repeat(64), "2020-01-01T00:00:00Z"))).isEmpty();
        }
        try (FirstSeenHashes again = new FirstSeenHashes(record)) {
            PackagePolicy p = new PackagePolicy(config, TYPOS, Optional.empty(), Clock.systemUTC(), Optional.of(again));
            assertThat(p.file("demo", file("demo-1.0.tar.gz", "b".repeat(64), "2020-01-01T00:00:00Z")))
                    .extracting(PackagePolicy.Decision::rule).containsExactly(PypiRules.HASH_MISMATCH);
        }
    }

    @Test
    void warnDecisionsKeepTheirFiles() throws Exception {
        PypiConfig config = ConfigLoader.parse("t", "pypi: {min-release-age: {age: 72h, action: warn}}").pypi();
        PackagePolicy p = new PackagePolicy(config, TYPOS, Optional.empty(), Clock.systemUTC());
        SimplePage page = new SimplePage("demo", List.of(file("demo-3.0.tar.gz", "c".repeat(64), null)), List.of());
        assertThat(p.filter("demo", page).page().files()).hasSize(1);
        assertThat(p.file("demo", page.files().get(0))).extracting(PackagePolicy.Decision::blocks).containsExactly(false);
    }
}
