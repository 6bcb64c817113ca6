package dev.dualtrack.scanner.lfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.Severity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pointers, .lfsconfig and .gitattributes as git-lfs writes them (the Git LFS pointer specification, git-config(1)). */
class LfsAuditTest {
    static final byte[] OBJECT = "pretend these are weights".getBytes(StandardCharsets.US_ASCII);

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static byte[] pointer(String oid, long size) {
        return ("version https://git-lfs.github.com/spec/v1\noid sha256:" + oid + "\nsize " + size + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A checkout with a .git holding an origin remote and one LFS object. */
    static Path repo(Path dir, String origin, byte[] object, String oid) throws Exception {
        Path git = Files.createDirectories(dir.resolve(".git"));
        Files.writeString(git.resolve("config"), """
                [core]
                \trepositoryformatversion = 0
                [remote "origin"]
                \turl = %s
                \tfetch = +refs/heads/*:refs/remotes/origin/*
                """.formatted(origin));
        Path obj = Files.createDirectories(git.resolve("lfs/objects/" + oid.substring(0, 2) + "/" + oid.substring(2, 4)));
        Files.write(obj.resolve(oid), object);
        return git;
    }

    @Test
    void aPointerAsGitLfsWritesItParses() throws Exception {
        LfsPointer p = LfsPointer.parse(pointer(sha(OBJECT), OBJECT.length));
        assertThat(p).isEqualTo(new LfsPointer(sha(OBJECT), OBJECT.length));
        assertThat(LfsPointer.looksLikePointer(pointer(sha(OBJECT), 1))).isTrue();
        assertThat(LfsPointer.looksLikePointer("version 2".getBytes(StandardCharsets.US_ASCII))).isFalse();
        // Extension keys sort before oid and are allowed.
        byte[] ext = ("version https://git-lfs.github.com/spec/v1\next-0-foo sha256:" + "1".repeat(64) + "\noid sha256:"
                + sha(OBJECT) + "\nsize 3\n").getBytes(StandardCharsets.UTF_8);
        assertThat(LfsPointer.parse(ext).size()).isEqualTo(3);
    }

    @Test
    void malformedPointersSayWhatIsWrong() {
        String v = "version https://git-lfs.github.com/spec/v1\n";
        String oid = "oid sha256:" + "a".repeat(64) + "\n";
        List<String[]> cases = List.of(
                new String[] {v + oid + "size 12", "newline"},
                new String[] {"version https://git-lfs.github.com/spec/v9\n" + oid + "size 1\n", "unknown pointer version"},
                new String[] {v + "oid sha256:ABC\nsize 1\n", "oid is not"},
                new String[] {v + oid + "size -1\n", "size is not"},
                new String[] {v + oid + "size 012\n", "size is not"},
                new String[] {v + "size 1\n" + oid, "not in order"},
                new String[] {v + oid, "both oid and size"},
                new String[] {v + oid + "size  1\n", "size is not"},
                new String[] {v + oid + "size 1\n" + "x".repeat(1100) + "\n", "under 1024 bytes"});
        for (String[] c : cases) {
            assertThatThrownBy(() -> LfsPointer.parse(c[0].getBytes(StandardCharsets.UTF_8)))
                    .as(c[0]).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c[1]);
        }
    }

    @Test
    void aPointerIsCheckedAgainstTheObjectPresent(@TempDir Path dir) throws Exception {
        String oid = sha(OBJECT);
        LfsAudit audit = new LfsAudit(Optional.of(repo(dir, "https://huggingface.co/acme/bert", OBJECT, oid)));
        assertThat(audit.pointer(new LfsPointer(oid, OBJECT.length))).isEmpty();
        List<Finding> size = audit.pointer(new LfsPointer(oid, OBJECT.length + 1));
        assertThat(size).extracting(Finding::rule).containsExactly(LfsRules.POINTER_MISMATCH);
        assertThat(size.get(0).severity()).isEqualTo(Severity.DANGEROUS);
        // Same size, other content: an object swapped under its name.
        Files.write(audit.objectOf(new LfsPointer(oid, 0)).orElseThrow(), "pretend these are WEIGHTS".getBytes(StandardCharsets.US_ASCII));
        List<Finding> hash = audit.pointer(new LfsPointer(oid, OBJECT.length));
        assertThat(hash.get(0).detail()).contains("hashes to sha256:");
        List<Finding> missing = audit.pointer(new LfsPointer("b".repeat(64), 5));
        assertThat(missing).extracting(Finding::rule).containsExactly(LfsRules.OBJECT_MISSING);
        assertThat(missing.get(0).severity()).isEqualTo(Severity.INFO);
    }

    @Test
    void lfsUrlMustStayOnTheRepositorysHost(@TempDir Path dir) throws Exception {
        LfsAudit ssh = new LfsAudit(Optional.of(repo(dir, "git@github.com:acme/models.git", OBJECT, sha(OBJECT))));
        assertThat(ssh.lfsconfig("[lfs]\n\turl = https://github.com/acme/models.git/info/lfs\n")).isEmpty();
        List<Finding> away = ssh.lfsconfig("# mirror\n[LFS]\n  URL = \"https://lfs.evil.example/acme\" ; fast\n");
        assertThat(away).extracting(Finding::rule, Finding::line).containsExactly(
                org.assertj.core.groups.Tuple.tuple(LfsRules.FOREIGN_ENDPOINT, 3));
        assertThat(away.get(0).detail()).contains("lfs.evil.example", "github.com");
        assertThat(ssh.lfsconfig("[lfs]\n  url = https://a.example/\n  url = https://github.com/x\n")).isEmpty();
        assertThat(ssh.lfsconfig("[core]\n  autocrlf = false\n")).isEmpty();
        LfsAudit noRepo = new LfsAudit(Optional.empty());
        assertThat(noRepo.lfsconfig("[lfs]\nurl = https://lfs.example/\n")).singleElement()
                .satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.INFO));
    }

    @Test
    void hostsOfTheUrlFormsGitAccepts() {
        assertThat(LfsAudit.host("https://HuggingFace.co/acme/bert")).contains("huggingface.co");
        assertThat(LfsAudit.host("ssh://git@github.com:22/acme/x.git")).contains("github.com");
        assertThat(LfsAudit.host("git@gitlab.example:acme/x.git")).contains("gitlab.example");
        assertThat(LfsAudit.host("../relative")).isEmpty();
    }

    @Test
    void gitattributesLfsPatternsForPickleWeightsWarn() {
        List<Finding> fs = LfsAudit.gitattributes("""
                *.safetensors filter=lfs diff=lfs merge=lfs -text
                *.bin filter=lfs diff=lfs merge=lfs -text
                # *.pt filter=lfs
                *.PTH filter=lfs diff=lfs merge=lfs -text
                *.pkl -text
                """);
        assertThat(fs).extracting(Finding::line).containsExactly(2, 4);
        assertThat(fs).allSatisfy(f -> assertThat(f.severity()).isEqualTo(Severity.INFO));
    }

    @Test
    void theGitDirIsFoundAboveTheScannedFolderOrThroughAGitdirFile(@TempDir Path dir) throws Exception {
        Path git = repo(dir, "https://x.example/r", OBJECT, sha(OBJECT));
        Path deep = Files.createDirectories(dir.resolve("models/bert"));
        assertThat(LfsAudit.findGitDir(deep)).contains(git.toAbsolutePath().normalize());
        Path wt = Files.createDirectories(dir.resolve("wt"));
        Files.writeString(wt.resolve(".git"), "gitdir: ../.git\n");
        assertThat(LfsAudit.findGitDir(wt)).contains(git.toAbsolutePath().normalize());
    }
}
