package dev.dualtrack.pypi.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dependency audit on files shaped like the ones pip users write (pip's requirements-file reference). */
class ManifestAuditTest {
    static final String SHA = "sha256:" + "ab".repeat(32);

    /** An internal index that owns the acme namespace, and PyPI. */
    static final String CORP_AND_PYPI = """
            pypi:
              upstreams:
                - {name: corp, url: 'https://corp.example/simple/', internal: true}
                - {name: pypi, url: 'https://pypi.org/simple/'}
              reserved: [{namespace: acme, upstream: corp}]
            """;

    static Optional<PypiConfig> config(Path feed) throws Exception {
        return Optional.of(ConfigLoader.parse("t", CORP_AND_PYPI + "  malicious-feed: {path: '" + feed + "'}\n").pypi());
    }

    static String rules(List<Finding> fs) {
        return String.join(",", fs.stream().map(f -> f.line() + ":" + f.rule()).toList());
    }

    static List<Finding> audit(ManifestAudit audit, Path file) {
        return audit.audit(List.of(file), List.of()).get(file);
    }

    @Test
    void requirementsFileFindingsCarryTheirLine(@TempDir Path dir) throws Exception {
        Path feed = Files.createDirectories(dir.resolve("feed/osv/malicious/pypi/evilpkg"));
        Files.writeString(feed.resolve("MAL-2025-1.json"), """
                {"id":"MAL-2025-1","affected":[{"package":{"ecosystem":"PyPI","name":"evilpkg"},"versions":["1.0"]}],
                 "database_specific":{"indicators":{"package_integrity":{"sha256":"%s"}}}}""".formatted("f".repeat(64)));
        Path req = dir.resolve("requirements.txt");
        Files.writeString(req, """
                # pinned and hashed: nothing to say
                torch==2.1.0 \\
                    --hash=%s
                --extra-index-url https://pypi.org/simple
                requets==2.31.0 --hash=%s
                numpy>=1.24
                Acme_Utils==1.0 --hash=%s
                EvilPkg==1.0 --hash=%s
                git+https://github.com/x/y.git#egg=y
                scipy   # no version at all
                renamed-evil==3.0 --hash=sha256:%s
                """.formatted(SHA, SHA, SHA, SHA, "f".repeat(64)));
        List<Finding> fs = audit(ManifestAudit.fromConfig(config(dir.resolve("feed")), false), req);
        assertThat(rules(fs)).isEqualTo("4:deps.index-confusion,5:deps.typosquat,6:deps.unpinned,"
                + "7:deps.index-confusion,8:deps.malicious,9:deps.direct-reference,10:deps.unpinned,11:deps.malicious");
        assertThat(fs.get(3).detail()).contains("acme-utils is reserved for an internal index");
        assertThat(fs.get(3).severity()).isEqualTo(Severity.DANGEROUS);
        assertThat(fs.get(0).severity()).isEqualTo(Severity.INFO);
        assertThat(fs.get(4).detail()).contains("MAL-2025-1");
        assertThat(fs.get(6).detail()).isEqualTo("scipy has no version specifier");
        assertThat(fs.get(7).detail()).contains("lists this file's sha256");
    }

    @Test
    void withoutAnExtraIndexAReservedNameIsNotExposed(@TempDir Path dir) throws Exception {
        Path req = dir.resolve("requirements.txt");
        Files.writeString(req, "--index-url https://dualtrack.corp/simple\nacme-utils==1.0 --hash=" + SHA + "\n");
        assertThat(audit(ManifestAudit.fromConfig(config(dir), false), req)).isEmpty();
    }

    @Test
    void includesAreFollowedAndReportedUnderTheirOwnFile(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("sub"));
        Path req = dir.resolve("requirements.txt");
        Path base = dir.resolve("sub/base.in");
        Files.writeString(req, "-r sub/base.in\n-c constraints.txt\n-r missing.txt\n");
        Files.writeString(base, "\n--index-url=http://mirror.example/simple\npandas==2.0.0\nthis is not valid!!\n");
        Files.writeString(dir.resolve("constraints.txt"), "anything-goes\n");
        Map<Path, List<Finding>> all = ManifestAudit.fromConfig(Optional.empty(), false)
                .audit(List.of(req), List.of());
        assertThat(rules(all.get(req))).isEqualTo("3:deps.unreadable");
        assertThat(all.get(req).get(0).detail()).isEqualTo("included file missing.txt does not exist");
        assertThat(rules(all.get(base))).isEqualTo("2:deps.insecure-index,3:deps.unhashed,4:deps.unreadable");
        assertThat(all).doesNotContainKey(dir.resolve("constraints.txt"));
    }

    @Test
    void includeCyclesEndAndLoopbackHttpIsAllowed(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("requirements.txt");
        Files.writeString(a, "-r requirements-dev.txt\n-i http://127.0.0.1:8080/simple\n");
        Files.writeString(dir.resolve("requirements-dev.txt"), "-r requirements.txt\n");
        assertThat(ManifestAudit.fromConfig(Optional.empty(), false).audit(List.of(a), List.of()).values())
                .allSatisfy(fs -> assertThat(fs).isEmpty());
    }

    @Test
    void strictLockfileRequiresAPinAndASha256ForEveryRequirement(@TempDir Path dir) throws Exception {
        Path req = dir.resolve("requirements.txt");
        Files.writeString(req, """
                torch==2.1.0 --hash=%s
                numpy==1.26.4
                scipy~=1.11
                six==1.16.0 --hash=md5:0123456789abcdef0123456789abcdef
                https://example.com/pkg-1.0.tar.gz
                https://example.com/other-1.0.tar.gz --hash=%s
                """.formatted(SHA, SHA));
        List<Finding> fs = audit(ManifestAudit.fromConfig(Optional.empty(), true), req);
        assertThat(rules(fs)).isEqualTo("2:deps.not-locked,3:deps.not-locked,4:deps.not-locked,"
                + "5:deps.not-locked,6:deps.direct-reference");
        assertThat(fs.subList(0, 4)).allSatisfy(f -> assertThat(f.severity()).isEqualTo(Severity.UNKNOWN));
        assertThat(fs.get(4).severity()).isEqualTo(Severity.INFO);
        // Without the flag the same file only warns.
        assertThat(audit(ManifestAudit.fromConfig(Optional.empty(), false), req))
                .allSatisfy(f -> assertThat(f.severity()).isEqualTo(Severity.INFO));
    }

    @Test
    void pipConfigIndexesWithContinuationLines(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("pip.conf");
        Files.writeString(conf, """
                [global]
                timeout = 60
                index-url = https://dualtrack.corp/simple
                extra-index-url =
                    http://mirror.example/simple
                    https://pypi.org/simple
                [freeze]
                index-url = http://ignored.example/simple
                """);
        List<Finding> fs = ManifestAudit.fromConfig(Optional.empty(), false).audit(List.of(), List.of(conf)).get(conf);
        assertThat(rules(fs)).isEqualTo("5:deps.insecure-index,5:deps.index-confusion,6:deps.index-confusion");
    }

    @Test
    void aFileThatIsNotUtf8IsUnreadableNotIgnored(@TempDir Path dir) throws Exception {
        Path req = dir.resolve("requirements.txt");
        Files.write(req, new byte[] {'a', '=', '=', '1', (byte) 0xff, '\n'});
        List<Finding> fs = audit(ManifestAudit.fromConfig(Optional.empty(), false), req);
        assertThat(fs).extracting(Finding::rule).containsExactly("deps.unreadable");
        assertThat(fs.get(0).severity()).isEqualTo(Severity.MALFORMED);
    }

    @Test
    void manifestsAreRecognisedByName() {
        assertThat(ManifestKind.of(Path.of("a/requirements.txt"))).isEqualTo(ManifestKind.REQUIREMENTS);
        assertThat(ManifestKind.of(Path.of("requirements-dev.txt"))).isEqualTo(ManifestKind.REQUIREMENTS);
        assertThat(ManifestKind.of(Path.of("dev-requirements.txt"))).isEqualTo(ManifestKind.REQUIREMENTS);
        assertThat(ManifestKind.of(Path.of("constraints.txt"))).isEqualTo(ManifestKind.REQUIREMENTS);
        assertThat(ManifestKind.of(Path.of("pip.ini"))).isEqualTo(ManifestKind.PIP_CONFIG);
        assertThat(ManifestKind.of(Path.of("notes.txt"))).isEqualTo(ManifestKind.OTHER);
        assertThat(ManifestKind.of(Path.of("model.bin"))).isEqualTo(ManifestKind.OTHER);
        assertThat(ManifestKind.of(Path.of("Pipfile.lock"))).isEqualTo(ManifestKind.PROJECT_OR_LOCK);
        assertThat(ManifestKind.label(Path.of("uv.lock"))).isEqualTo("uv-lock");
        assertThat(ManifestKind.label(Path.of("pyproject.toml"))).isEqualTo("pyproject");
    }

    /** The sample manifests (test resources, written in each tool's real layout) copied into {@code dir}. */
    static Path samples(Path dir) throws Exception {
        for (String n : List.of("pyproject.toml", "poetry.lock", "uv.lock", "Pipfile.lock")) {
            try (var in = ManifestAuditTest.class.getResourceAsStream("/manifests/" + n)) {
                Files.copy(in, dir.resolve(n));
            }
        }
        return dir;
    }

    static Optional<PypiConfig> reservingAcme() throws Exception {
        return Optional.of(ConfigLoader.parse("t", CORP_AND_PYPI).pypi());
    }

    static Map<Path, List<Finding>> auditSamples(Path dir, boolean strict) throws Exception {
        samples(dir);
        List<Path> files = List.of("pyproject.toml", "poetry.lock", "uv.lock", "Pipfile.lock").stream()
                .map(dir::resolve).toList();
        return ManifestAudit.fromConfig(reservingAcme(), strict).audit(files, List.of());
    }

    @Test
    void pyprojectPep621PoetryAndUvSections(@TempDir Path dir) throws Exception {
        List<Finding> fs = auditSamples(dir, false).get(dir.resolve("pyproject.toml"));
        assertThat(rules(fs)).isEqualTo("7:deps.typosquat,9:deps.direct-reference,19:deps.index-confusion,"
                + "20:deps.direct-reference,24:deps.index-confusion,32:deps.insecure-index,32:deps.index-confusion");
        // acme-core is tied to the corp source and acme-utils to an index: neither is exposed; acme-data is.
        assertThat(fs.get(2).detail()).startsWith("acme-data is reserved").contains("source = ");
        assertThat(fs.get(2).severity()).isEqualTo(Severity.DANGEROUS);
        // Declared ranges are not held to pins: no deps.unpinned for torch>=2.1 or numpy = "^1.26".
        assertThat(fs).extracting(Finding::rule).doesNotContain("deps.unpinned", "deps.unhashed");
    }

    @Test
    void lockfilesOfPoetryUvAndPipenv(@TempDir Path dir) throws Exception {
        Map<Path, List<Finding>> all = auditSamples(dir, false);
        assertThat(rules(all.get(dir.resolve("poetry.lock"))))
                .isEqualTo("15:deps.insecure-index,15:deps.unhashed,28:deps.direct-reference");
        assertThat(rules(all.get(dir.resolve("uv.lock")))).isEqualTo("21:deps.typosquat,21:deps.unhashed");
        List<Finding> pipenv = all.get(dir.resolve("Pipfile.lock"));
        assertThat(rules(pipenv)).isEqualTo("13:deps.insecure-index,26:deps.unhashed,31:deps.direct-reference");
        assertThat(pipenv.get(0).detail()).contains("verify_ssl = false");
    }

    @Test
    void pdmAndPep751LockfilesAndTheirVulnerableVersions(@TempDir Path dir) throws Exception {
        Path adv = Files.createDirectories(dir.resolve("advisories"));
        Files.writeString(adv.resolve("PYSEC-2099-1.json"), "{\"id\": \"PYSEC-2099-1\", \"affected\": [{\"package\": "
                + "{\"ecosystem\": \"PyPI\", \"name\": \"vulnlib\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", "
                + "\"events\": [{\"introduced\": \"1.1\"}, {\"fixed\": \"1.2\"}]}]}]}");
        Files.writeString(dir.resolve("pdm.lock"), """
                [metadata]
                lock_version = "4.5.0"

                [[package]]
                name = "VulnLib"
                version = "1.1"
                files = [
                    {file = "vulnlib-1.1-py3-none-any.whl", hash = "sha256:%s"},
                ]
                """.formatted("a".repeat(64)));
        Files.writeString(dir.resolve("pylock.dev.toml"), """
                lock-version = "1.0"
                created-by = "test"

                [[packages]]
                name = "vulnlib"
                version = "1.2"
                index = "https://pypi.org/simple"
                wheels = [{name = "vulnlib-1.2-py3-none-any.whl", hashes = {sha256 = "%s"}}]

                [[packages]]
                name = "vulnlib-extra"
                version = "1.1"
                sdist = {name = "vulnlib_extra-1.1.tar.gz", hashes = {sha256 = "%s"}}
                """.formatted("b".repeat(64), "c".repeat(64)));
        assertThat(ManifestKind.of(dir.resolve("pdm.lock"))).isEqualTo(ManifestKind.PROJECT_OR_LOCK);
        assertThat(ManifestKind.of(dir.resolve("pylock.dev.toml"))).isEqualTo(ManifestKind.PROJECT_OR_LOCK);
        Optional<PypiConfig> config = Optional.of(ConfigLoader.parse("t", "pypi: {vulnerabilities: {path: '" + adv
                + "'}}\n").pypi());
        Map<Path, List<Finding>> all = ManifestAudit.fromConfig(config, true).audit(List.of(dir.resolve("pdm.lock"),
                dir.resolve("pylock.dev.toml")), List.of());
        assertThat(rules(all.get(dir.resolve("pdm.lock")))).isEqualTo("5:deps.vulnerable");
        assertThat(all.get(dir.resolve("pdm.lock")).get(0).detail()).startsWith("PYSEC-2099-1 affects vulnlib 1.1, "
                + "fixed in 1.2: upgrade to 1.2 or later");
        assertThat(rules(all.get(dir.resolve("pylock.dev.toml")))).as("1.2 is fixed; vulnlib-extra is another project")
                .isEmpty();
    }

    @Test
    void strictLockfileWantsEveryDeclaredDependencyPinnedWithASha256BesideIt(@TempDir Path dir) throws Exception {
        Map<Path, List<Finding>> all = auditSamples(dir, true);
        List<Finding> project = all.get(dir.resolve("pyproject.toml"));
        // numpy (poetry.lock), torch (uv.lock) and certifi-free names: only those with a sha256 somewhere are covered.
        assertThat(project).filteredOn(f -> f.rule().equals("deps.not-locked")).extracting(Finding::detail)
                .allSatisfy(d -> assertThat(d).contains("is not pinned with a sha256 by any lockfile beside pyproject.toml"))
                .noneMatch(d -> d.startsWith("numpy ") || d.startsWith("torch "))
                .anyMatch(d -> d.startsWith("acme-data "));
        assertThat(rules(all.get(dir.resolve("poetry.lock")))).contains("15:deps.not-locked");
    }

    @Test
    void aManifestTheToolWouldRejectIsUnreadable(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("pyproject.toml");
        Files.writeString(p, "[project\ndependencies = [\"torch\"]\n");
        Path lock = dir.resolve("Pipfile.lock");
        Files.writeString(lock, "{\"default\": ");
        Map<Path, List<Finding>> all = ManifestAudit.fromConfig(Optional.empty(), false).audit(List.of(p, lock), List.of());
        assertThat(all.get(p)).extracting(Finding::rule).containsExactly("deps.unreadable");
        assertThat(all.get(p).get(0).detail()).startsWith("not valid TOML");
        assertThat(all.get(lock).get(0).detail()).startsWith("not valid JSON");
        Path pep508 = Files.createDirectories(dir.resolve("sub")).resolve("pyproject.toml");
        Files.writeString(pep508, "[project]\nname = \"x\"\ndependencies = [\"torch >= >= 2\"]\n");
        assertThat(rules(ManifestAudit.fromConfig(Optional.empty(), false).audit(List.of(pep508), List.of())
                .get(pep508))).isEqualTo("3:deps.unreadable");
    }
}
