package dev.dualtrack.scanner.lfs;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.Severity;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** The Git LFS checks of {@code dualtrack scan}, for one repository (its git directory, if found). */
public final class LfsAudit {
    /** Weight formats that are pickles (or carry them): tracking them in LFS ships loadable code. */
    private static final Pattern PICKLE_WEIGHTS = Pattern.compile(
            ".*\\.(bin|pt|pth|ckpt|pkl|pickle|joblib|dill|mar|npy|npz)$");

    private final Optional<Path> gitDir;

    public LfsAudit(Optional<Path> gitDir) {
        this.gitDir = gitDir;
    }

    /** The git directory of the repository holding {@code start}: the nearest {@code .git} above it. */
    public static Optional<Path> findGitDir(Path start) throws IOException {
        for (Path p = start.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            Path dotGit = p.resolve(".git");
            if (Files.isDirectory(dotGit)) {
                return Optional.of(dotGit);
            }
            if (Files.isRegularFile(dotGit)) { // a worktree or submodule: "gitdir: <path>"
                String s = Files.readString(dotGit, StandardCharsets.UTF_8).strip();
                if (s.startsWith("gitdir:")) {
                    return Optional.of(p.resolve(s.substring("gitdir:".length()).strip()).normalize());
                }
            }
        }
        return Optional.empty();
    }

    /** The object a pointer names, where git-lfs keeps it: {@code lfs/objects/ab/cd/abcd…}. */
    public Optional<Path> objectOf(LfsPointer p) {
        return gitDir.map(g -> g.resolve("lfs/objects").resolve(p.sha256().substring(0, 2))
                .resolve(p.sha256().substring(2, 4)).resolve(p.sha256())).filter(Files::isRegularFile);
    }

    /** A pointer against the object present: same size, same sha256; a missing object only warns. */
    public List<Finding> pointer(LfsPointer p) throws IOException {
        Optional<Path> object = objectOf(p);
        if (object.isEmpty()) {
            return List.of(new Finding(LfsRules.OBJECT_MISSING, Severity.INFO, "LFS object sha256:" + p.sha256()
                    + " is not in this checkout, so it was not inspected (run git lfs pull, then scan again)"));
        }
        long size = Files.size(object.get());
        if (size != p.size()) {
            return List.of(new Finding(LfsRules.POINTER_MISMATCH, Severity.DANGEROUS, "the pointer says "
                    + p.size() + " bytes; the object present has " + size));
        }
        String actual = sha256(object.get());
        if (!actual.equals(p.sha256())) {
            return List.of(new Finding(LfsRules.POINTER_MISMATCH, Severity.DANGEROUS, "the pointer says sha256:"
                    + p.sha256() + "; the object present hashes to sha256:" + actual));
        }
        return List.of();
    }

    /** {@code lfs.url} must stay on the host the repository itself comes from. */
    public List<Finding> lfsconfig(String text) {
        GitConfig lfs = GitConfig.parse(text);
        Optional<GitConfig.Entry> url = lfs.last("lfs.url");
        if (url.isEmpty()) {
            return List.of();
        }
        Optional<String> repoHost = remoteHost();
        Optional<String> lfsHost = host(url.get().value());
        if (repoHost.isEmpty()) {
            return List.of(new Finding(LfsRules.FOREIGN_ENDPOINT, Severity.INFO, "lfs.url " + url.get().value()
                    + " cannot be compared with the repository's host: no remote.origin.url found",
                    url.get().line()));
        }
        if (lfsHost.isEmpty() || !lfsHost.get().equals(repoHost.get())) {
            return List.of(new Finding(LfsRules.FOREIGN_ENDPOINT, Severity.DANGEROUS, "lfs.url " + url.get().value()
                    + " sends every LFS download to " + lfsHost.orElse("an unknown host") + ", not to the repository's "
                    + "host " + repoHost.get() + ": whoever runs it chooses the weights you get", url.get().line()));
        }
        return List.of();
    }

    /** LFS patterns in {@code .gitattributes} that cover pickle-format weights. */
    public static List<Finding> gitattributes(String text) {
        List<Finding> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String t = lines[i].strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] parts = t.split("\\s+");
            boolean lfs = false;
            for (int k = 1; k < parts.length; k++) {
                lfs |= parts[k].equals("filter=lfs");
            }
            String pattern = parts[0].toLowerCase(Locale.ROOT);
            if (lfs && PICKLE_WEIGHTS.matcher(pattern).matches()) {
                out.add(new Finding(LfsRules.PICKLE_WEIGHTS, Severity.INFO, "LFS stores " + parts[0] + ", a pickle "
                        + "format that runs code when loaded; prefer safetensors", i + 1));
            }
        }
        return out;
    }

    private Optional<String> remoteHost() {
        if (gitDir.isEmpty()) {
            return Optional.empty();
        }
        try {
            Path config = gitDir.get().resolve("config");
            if (!Files.isRegularFile(config)) {
                return Optional.empty();
            }
            return GitConfig.parse(Files.readString(config, StandardCharsets.UTF_8)).last("remote.origin.url")
                    .flatMap(e -> host(e.value()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The host of an https/ssh URL or of git's scp-like form {@code user@host:path}. */
    static Optional<String> host(String url) {
        if (url.contains("://")) {
            try {
                return Optional.ofNullable(URI.create(url).getHost()).map(h -> h.toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        int colon = url.indexOf(':');
        if (colon > 0) {
            String h = url.substring(url.indexOf('@') + 1, colon);
            return h.isEmpty() ? Optional.empty() : Optional.of(h.toLowerCase(Locale.ROOT));
        }
        return Optional.empty();
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
