package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dualtrack scan} as CI runs it: exit codes and the three report formats. */
class ScanIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final byte[] EVIL = "cposix\nsystem\n(S'id'\ntR.".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CLEAN = {(byte) 0x80, 2, 'N', '.'};

    record Run(int exit, String out) {
    }

    /** Runs in {@code dir}: a scan of "." shows paths relative to it. */
    static Run runIn(Path dir, String... args) throws Exception {
        Process p = CliIT.startIn(dir, java.util.Map.of(), args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    static Run run(String... args) throws Exception {
        Process p = CliIT.start(args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    /** An sdist as {@code python -m build} lays it out: one top folder, PKG-INFO, the package. */
    static byte[] sdist(String name, java.util.Map<String, byte[]> files) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(out))) {
            for (var f : files.entrySet()) {
                var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name + "/" + f.getKey());
                e.setSize(f.getValue().length);
                tar.putArchiveEntry(e);
                tar.write(f.getValue());
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    @Test
    void aDistFolderIsScannedAsPythonDistributionsNotModelContainers(@TempDir Path dir) throws Exception {
        Path dist = Files.createDirectories(dir.resolve("dist"));
        java.util.Map<String, byte[]> clean = new java.util.LinkedHashMap<>();
        clean.put("PKG-INFO", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n".getBytes());
        clean.put("demo/__init__.py", "VERSION = '1.0'\n".getBytes());
        clean.put("pyproject.toml", "[project]\nname = 'demo'\n".getBytes());
        Files.write(dist.resolve("demo-1.0.tar.gz"), sdist("demo-1.0", clean));
        Files.write(dist.resolve(dev.dualtrack.pypi.WheelBuilder.filename("demo", "1.0")),
                dev.dualtrack.pypi.WheelBuilder.wheel("demo", "1.0", "VERSION = '1.0'\n"));
        Run ok = runIn(dir, "scan", "dist");
        assertThat(ok.exit()).as(ok.out()).isZero();
        assertThat(ok.out()).contains("ok    dist/demo-1.0.tar.gz [sdist]", "[wheel]");

        java.util.Map<String, byte[]> evil = new java.util.LinkedHashMap<>(clean);
        evil.put("demo/weights.pkl", EVIL);
        Files.write(dist.resolve("demo-2.0.tar.gz"), sdist("demo-2.0", evil));
        Run blocked = runIn(dir, "scan", "dist");
        assertThat(blocked.exit()).isEqualTo(1);
        assertThat(blocked.out()).contains("BLOCK dist/demo-2.0.tar.gz [sdist]", "hf.pickle.dangerous-import",
                "demo-2.0/demo/weights.pkl");

        // A wheel whose entry cannot be decoded (LZMA, method 14) is refused, never passed unread.
        java.io.ByteArrayOutputStream w = new java.io.ByteArrayOutputStream();
        byte[] name = "demo/data.bin".getBytes(StandardCharsets.US_ASCII);
        java.nio.ByteBuffer local = java.nio.ByteBuffer.allocate(30 + name.length + 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        local.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 14).putInt(0).putInt(0)
                .putInt(4).putInt(4).putShort((short) name.length).putShort((short) 0).put(name).put("abcd".getBytes(
                        StandardCharsets.US_ASCII));
        w.writeBytes(local.array());
        java.nio.ByteBuffer end = java.nio.ByteBuffer.allocate(22).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putInt(0x06054b50).putInt(0).putShort((short) 0).putShort((short) 0).putInt(0).putInt(w.size())
                .putShort((short) 0);
        w.writeBytes(end.array());
        Files.write(dist.resolve("demo-3.0-py3-none-any.whl"), w.toByteArray());
        Run unreadable = runIn(dir, "scan", "dist/demo-3.0-py3-none-any.whl");
        assertThat(unreadable.exit()).as(unreadable.out()).isEqualTo(1);
        assertThat(unreadable.out()).contains("hf.unsupported-format", "demo/data.bin");
    }

    @Test
    void exitCodesSayWhetherAnythingWasBlocked(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("clean.pkl"), CLEAN);
        assertThat(runIn(dir, "scan", ".").exit()).isZero();
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/weights.bin"), EVIL);
        Run blocked = runIn(dir, "scan", ".");
        assertThat(blocked.exit()).isEqualTo(1);
        assertThat(blocked.out()).contains("BLOCK sub/weights.bin [pickle]", "hf.pickle.dangerous-import",
                "2 files, 1 blocked, 1 allowed");
        assertThat(run("scan", dir.resolve("nope").toString()).exit()).isEqualTo(2);
        assertThat(runIn(dir, "scan", "--profile", "no-such-profile", ".").exit()).isEqualTo(2);
    }

    @Test
    void thePolicySectionDecidesAsInTheProxy(@TempDir Path dir) throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.write(models.resolve("weights.bin"), EVIL);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(EVIL));
        Path waiver = dir.resolve("waiver.yaml");
        Files.writeString(waiver, "policy:\n  waivers:\n    - {track: hf, sha256: '" + sha
                + "', reason: 'reviewed', expires: 2999-01-01, ticket: SEC-3}\n");
        Run waived = run("scan", "--policy", waiver.toString(), models.toString());
        assertThat(waived.exit()).as(waived.out()).isZero();
        assertThat(waived.out()).contains("WAIVED " + models.resolve("weights.bin") + " [pickle]")
                .contains("1 files, 0 blocked");
        Path monitor = dir.resolve("monitor.yaml");
        Files.writeString(monitor, "policy: {mode: monitor}\n");
        Run warned = run("scan", "--policy", monitor.toString(), "--format", "json", models.toString());
        assertThat(warned.exit()).isZero();
        assertThat(JSON.readTree(warned.out()).path("files").get(0).path("verdict").asText()).isEqualTo("warn");
        Path other = dir.resolve("other.yaml");
        Files.writeString(other, "policy:\n  waivers:\n    - {track: hf, sha256: '" + "0".repeat(64)
                + "', reason: 'another file', expires: 2999-01-01}\n");
        assertThat(run("scan", "--policy", other.toString(), models.toString()).exit()).isEqualTo(1);
    }

    @Test
    void jsonReportHasTheDocumentedShape(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("evil.pkl"), EVIL);
        Run r = runIn(dir, "scan", "--format", "json", ".");
        JsonNode root = JSON.readTree(r.out());
        JsonNode f = root.get("files").get(0);
        assertThat(f.get("path").asText()).isEqualTo("evil.pkl");
        assertThat(f.get("format").asText()).isEqualTo("pickle");
        assertThat(f.get("sha256").asText()).hasSize(64);
        assertThat(f.get("verdict").asText()).isEqualTo("block");
        assertThat(f.get("findings").get(0).get("rule").asText()).isEqualTo("hf.pickle.dangerous-import");
        assertThat(f.get("findings").get(0).get("severity").asText()).isEqualTo("dangerous");
        assertThat(root.get("summary").get("blocked").asInt()).isEqualTo(1);
    }

    @Test
    void sarifReportIsVersion210WithRulesAndLocations(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("evil.pkl"), EVIL);
        JsonNode root = JSON.readTree(runIn(dir, "scan", "--format", "sarif", ".").out());
        assertThat(root.get("version").asText()).isEqualTo("2.1.0");
        JsonNode run = root.get("runs").get(0);
        assertThat(run.get("tool").get("driver").get("name").asText()).isEqualTo("dualtrack");
        assertThat(run.get("tool").get("driver").get("version").asText()).isNotBlank();
        assertThat(run.get("tool").get("driver").get("rules").get(0).get("id").asText())
                .isEqualTo("hf.pickle.dangerous-import");
        JsonNode result = run.get("results").get(0);
        assertThat(result.get("level").asText()).isEqualTo("error");
        assertThat(result.get("locations").get(0).get("physicalLocation").get("artifactLocation").get("uri").asText())
                .isEqualTo("evil.pkl");
        // An absolute root: an absolute file URI, with no base.
        JsonNode absolute = JSON.readTree(run("scan", "--format", "sarif", dir.toString()).out()).get("runs").get(0)
                .get("results").get(0).get("locations").get(0).get("physicalLocation").get("artifactLocation");
        assertThat(absolute.get("uri").asText()).isEqualTo(dir.resolve("evil.pkl").toUri().toString());
        assertThat(absolute.has("uriBaseId")).isFalse();
    }

    @Test
    void twoRootsWithTheSameRelativeNameStayApartInTextJsonAndSarif(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        Files.write(dir.resolve("a/x.bin"), EVIL);
        Files.write(dir.resolve("b/x.bin"), CLEAN);
        Process text = CliIT.startIn(dir, java.util.Map.of(), "scan", "a/", "b");
        String out = new String(text.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(text.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).contains("BLOCK a/x.bin [pickle]", "ok    b/x.bin [pickle]")
                .contains("in a/x.bin)").doesNotContain(" x.bin [");
        Process json = CliIT.startIn(dir, java.util.Map.of(), "scan", "--format", "json", "a", "b");
        JsonNode files = JSON.readTree(json.getInputStream().readAllBytes()).get("files");
        assertThat(files.findValuesAsText("path")).containsExactlyInAnyOrder("a/x.bin", "b/x.bin");
        Process sarif = CliIT.startIn(dir, java.util.Map.of(), "scan", "--format", "sarif", "./a", "b");
        JsonNode run = JSON.readTree(sarif.getInputStream().readAllBytes()).get("runs").get(0);
        JsonNode artifact = run.get("results").get(0).get("locations").get(0).get("physicalLocation")
                .get("artifactLocation");
        assertThat(artifact.get("uri").asText()).isEqualTo("a/x.bin");
        assertThat(artifact.get("uriBaseId").asText()).isEqualTo("SRCROOT");
        assertThat(run.get("originalUriBaseIds").get("SRCROOT").get("uri").asText())
                .isEqualTo(dir.toRealPath().toUri().toString());
    }

    @Test
    void enforceSafetensorsMakesEveryPickleAFinding(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("clean.pkl"), CLEAN);
        Run r = runIn(dir, "scan", "--enforce-safetensors", ".");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("hf.enforce-safetensors");
    }

    @Test
    void dependencyManifestsAreAuditedWithFileAndLineInSarif(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("requirements.txt"), "# deps\nrequets==2.31.0\nnumpy>=1.24\n");
        Files.writeString(dir.resolve("pip.conf"), "[global]\nindex-url = http://mirror.example/simple\n");
        Run text = runIn(dir, "scan", ".");
        assertThat(text.exit()).isEqualTo(1);
        assertThat(text.out()).contains("BLOCK requirements.txt [requirements]",
                "line 2: deps.typosquat: may be a typosquat: requets is 1 edit from 'requests' (rank ",
                "(warn) line 3: deps.unpinned", "BLOCK pip.conf [pip-config]", "line 2: deps.insecure-index");
        JsonNode sarif = JSON.readTree(runIn(dir, "scan", "--format", "sarif", ".").out());
        JsonNode typo = null;
        for (JsonNode r : sarif.get("runs").get(0).get("results")) {
            if (r.get("ruleId").asText().equals("deps.typosquat")) {
                typo = r;
            }
        }
        assertThat(typo).isNotNull();
        JsonNode loc = typo.get("locations").get(0).get("physicalLocation");
        assertThat(loc.get("artifactLocation").get("uri").asText()).isEqualTo("requirements.txt");
        assertThat(loc.get("region").get("startLine").asInt()).isEqualTo(2);
        JsonNode json = JSON.readTree(run("scan", "--format", "json", dir.resolve("requirements.txt").toString()).out());
        assertThat(json.get("files").get(0).get("findings").get(0).get("line").asInt()).isEqualTo(2);
    }

    @Test
    void strictLockfileTurnsAnUnhashedPinIntoABlock(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("requirements.txt"), "numpy==1.26.4\n");
        assertThat(runIn(dir, "scan", ".").exit()).isZero();
        Run strict = runIn(dir, "scan", "--strict-lockfile", ".");
        assertThat(strict.exit()).isEqualTo(1);
        assertThat(strict.out()).contains("line 1: deps.not-locked: numpy is pinned without a sha256 --hash");
    }

    @Test
    void lfsPointersAreScannedAsTheirObjectsAndCheckedAgainstThem(@TempDir Path dir) throws Exception {
        String oid = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(EVIL));
        Path git = Files.createDirectories(dir.resolve(".git"));
        Files.writeString(git.resolve("config"), "[remote \"origin\"]\n\turl = https://huggingface.co/acme/bert\n");
        Path objects = Files.createDirectories(git.resolve("lfs/objects/" + oid.substring(0, 2) + "/" + oid.substring(2, 4)));
        Files.write(objects.resolve(oid), EVIL);
        String pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize " + EVIL.length + "\n";
        Files.writeString(dir.resolve("pytorch_model.bin"), pointer);
        Files.writeString(dir.resolve("absent.bin"), pointer.replace(oid, "c".repeat(64)));
        Files.writeString(dir.resolve(".gitattributes"), "*.bin filter=lfs diff=lfs merge=lfs -text\n");
        Files.writeString(dir.resolve(".lfsconfig"), "[lfs]\n\turl = https://lfs.attacker.example/\n");
        Run r = runIn(dir, "scan", ".");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("BLOCK pytorch_model.bin [pickle]", "hf.pickle.dangerous-import",
                "ok    absent.bin [lfs-pointer]", "(warn) lfs.object-missing",
                "ok    .gitattributes [gitattributes]", "(warn) line 1: lfs.pickle-weights",
                "BLOCK .lfsconfig [lfsconfig]", "line 2: lfs.foreign-endpoint", "4 files, 2 blocked, 2 allowed")
                .doesNotContain(".git/");
        // The object swapped for a clean pickle of the same length: the pointer no longer matches.
        byte[] other = EVIL.clone();
        other[1] = 'n';
        Files.write(objects.resolve(oid), other);
        assertThat(run("scan", dir.resolve("pytorch_model.bin").toString()).out())
                .contains("BLOCK", "lfs.pointer-mismatch", "hashes to sha256:");
    }

    @Test
    void strictLockfileChecksAProjectAgainstItsUvLock(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("pyproject.toml"), """
                [project]
                name = "demo"
                version = "1.0"
                dependencies = ["numpy>=1.26", "six"]
                """);
        Files.writeString(dir.resolve("uv.lock"), """
                version = 1

                [[package]]
                name = "demo"
                version = "1.0"
                source = { editable = "." }

                [[package]]
                name = "numpy"
                version = "1.26.4"
                source = { registry = "https://pypi.org/simple" }
                sdist = { url = "https://files.pythonhosted.org/packages/numpy-1.26.4.tar.gz", hash = "sha256:%s", size = 15786129 }
                """.formatted("2a".repeat(32)));
        Run lenient = runIn(dir, "scan", ".");
        assertThat(lenient.exit()).isZero();
        assertThat(lenient.out()).contains("ok    pyproject.toml [pyproject]", "ok    uv.lock [uv-lock]");
        Run strict = runIn(dir, "scan", "--strict-lockfile", ".");
        assertThat(strict.exit()).isEqualTo(1);
        assertThat(strict.out()).contains("BLOCK pyproject.toml [pyproject]",
                "line 4: deps.not-locked: six is not pinned with a sha256 by any lockfile beside pyproject.toml")
                .doesNotContain("numpy is not pinned");
    }

    @Test
    void contentDecidesBeforeTheName(@TempDir Path dir) throws Exception {
        // A pickle named like a manifest is judged as a pickle, and a model file included with -r keeps its verdict.
        Files.write(dir.resolve("requirements.txt"), EVIL);
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/requirements-dev.txt"), "-r model.bin\n");
        Files.write(dir.resolve("sub/model.bin"), EVIL);
        Run r = runIn(dir, "scan", ".");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("BLOCK requirements.txt [pickle]", "BLOCK sub/model.bin [pickle]",
                "ok    sub/requirements-dev.txt [requirements]", "3 files, 2 blocked, 1 allowed")
                .doesNotContain("[requirements]\n      (warn)");
    }

    /** Copies a folder of the public Sigstore test material into {@code to}. */
    static void material(String folder, Path to, String... names) throws Exception {
        Files.createDirectories(to);
        for (String n : names) {
            Files.write(to.resolve(n), dev.dualtrack.provenance.SigstoreMaterial.bytes(folder + n));
        }
    }

    @Test
    void aSignedModelFolderVerifiesAndAChangedFileIsBlocked(@TempDir Path dir) throws Exception {
        material("model-signing/v1.1.0-sigstore/", dir.resolve("model"), "model.sig", "signme-1", "signme-2",
                "ignore-me");
        Run ok = runIn(dir, "scan", "--signer", "stefanb@us.ibm.com", "--issuer",
                "https://sigstore.verify.ibm.com/oauth2", "model");
        assertThat(ok.exit()).as(ok.out()).isZero();
        assertThat(ok.out()).contains("model/model.sig: verified, signed by stefanb@us.ibm.com");

        Run other = runIn(dir, "scan", "--signer", "someone@example.com", "model");
        assertThat(other.exit()).isEqualTo(1);
        assertThat(other.out()).contains("BLOCK model/model.sig", "hf.signature-identity");

        Files.writeString(dir.resolve("model/extra.bin"), "not signed");
        Files.writeString(dir.resolve("model/requirements.txt"), "numpy==2.1.0\n"); // a manifest, unsigned too
        Files.write(dir.resolve("model/signme-2"), "changed".getBytes(StandardCharsets.UTF_8));
        Run changed = runIn(dir, "scan", "model");
        assertThat(changed.exit()).isEqualTo(1);
        assertThat(changed.out()).contains("BLOCK model/signme-2", "BLOCK model/extra.bin",
                "BLOCK model/requirements.txt",
                "extra.bin is not in the signed manifest", "hf.signature-mismatch: signme-2 has sha256");
    }

    @Test
    void aProvenanceFileBesideADistributionIsVerifiedForIt(@TempDir Path dir) throws Exception {
        material("pep740/", dir, "rfc8785-0.1.2-py3-none-any.whl", "rfc8785-0.1.2-py3-none-any.whl.attestation");
        Path root = dir.resolve("staging.json");
        Files.write(root, dev.dualtrack.provenance.SigstoreMaterial.bytes("trusted_root/trusted_root.staging.json"));
        Run ok = runIn(dir, "scan", "--trusted-root", root.toString(), "--signer", "william@yossarian.net",
                "rfc8785-0.1.2-py3-none-any.whl", "rfc8785-0.1.2-py3-none-any.whl.attestation");
        assertThat(ok.exit()).as(ok.out()).isZero();
        assertThat(ok.out()).contains("verified for rfc8785-0.1.2-py3-none-any.whl, signed by william@yossarian.net");
        // Against the production root (the default), the staging signature proves nothing.
        Run prod = runIn(dir, "scan", "rfc8785-0.1.2-py3-none-any.whl", "rfc8785-0.1.2-py3-none-any.whl.attestation");
        assertThat(prod.exit()).isEqualTo(1);
        assertThat(prod.out()).contains("BLOCK rfc8785-0.1.2-py3-none-any.whl.attestation",
                "pypi.provenance-invalid", "is not in the trusted root");
    }
}
