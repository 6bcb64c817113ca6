package dev.dualtrack.app;

import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.pypi.manifest.ManifestAudit;
import dev.dualtrack.pypi.manifest.ManifestKind;
import dev.dualtrack.scanner.FileScanner;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanPolicy;
import dev.dualtrack.scanner.ScanReport;
import dev.dualtrack.scanner.Severity;
import dev.dualtrack.scanner.lfs.LfsAudit;
import dev.dualtrack.scanner.lfs.LfsPointer;
import dev.dualtrack.scanner.lfs.LfsRules;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code dualtrack scan PATH...}: the proxy's inspection engine on files and folders, for CI.
 * Exit codes: 0 nothing blocked, 1 something blocked, 2 usage or I/O error.
 */
@Command(name = "scan", mixinStandardHelpOptions = true,
        // One string: picocli lists a command by the first line of its description only.
        description = "Scan model files (and folders of them) with the same engine the proxy runs in flight, and "
                + "audit Python dependency manifests (requirements*.txt, pyproject.toml, lockfiles, pip.conf) with the "
                + "PyPI policy.")
final class ScanCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", arity = "1..*", description = "files or folders to scan")
    List<Path> paths;

    @Option(names = "--format", defaultValue = "text", description = "text, json, sarif or cyclonedx (an AI-BOM of the folder; default: ${DEFAULT-VALUE})")
    ReportFormat format;

    @Option(names = "--enforce-safetensors", description = "every pickle-based weight file is a finding, even a clean one")
    boolean enforceSafetensors;

    @Option(names = "--profile", paramLabel = "NAME",
            description = "extra pickle allow-list profile (numpy-object, sklearn, torch-modules); repeatable")
    List<String> profiles = new ArrayList<>();

    @Option(names = "--policy", paramLabel = "FILE",
            description = "a dualtrack config, applied as the proxy applies it: its hf section (pickle profile, extra "
                    + "imports, enforce-safetensors), its pypi section, and its policy section (actions, monitor mode, "
                    + "waivers)")
    Path policyFile;

    @Option(names = "--strict-lockfile",
            description = "every requirement must be pinned with a sha256 (pip --require-hashes style); anything else is a finding")
    boolean strictLockfile;

    @Option(names = "--signer", paramLabel = "IDENTITY",
            description = "the Sigstore identity (certificate email or URI) that must have signed model.sig files and "
                    + "PEP 740 attestations met in the scan; without it, signatures are verified and their signer shown")
    String signer;

    @Option(names = "--issuer", paramLabel = "URL", description = "the OIDC issuer of --signer's identity")
    String issuer;

    @Option(names = "--trusted-root", paramLabel = "FILE",
            description = "a Sigstore trusted root (default: --policy's provenance.trusted-root, else the built-in "
                    + "production root)")
    Path trustedRoot;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    enum ReportFormat { text, json, sarif, cyclonedx }

    /** One scanned file. */
    /**
     * One file's outcome. {@code decision} is {@code block} or {@code allow} by the rules' defaults, or, under
     * {@code --policy}, what the policy section made of its blocks: {@code block}, {@code warn} or {@code waived}.
     */
    record Result(String path, String format, String sha256, ScanReport report, String decision) {
        Result(String path, String format, String sha256, ScanReport report) {
            this(path, format, sha256, report, report.blocked() ? "block" : "allow");
        }

        boolean blocks() {
            return decision.equals("block");
        }
    }

    /** Dependency manifests met during the walk, audited together once the walk is over. */
    private final Map<Path, String> requirementsFiles = new LinkedHashMap<>();
    private final Map<Path, String> pipConfigs = new LinkedHashMap<>();
    private final Map<Path, String> walked = new LinkedHashMap<>();
    private Optional<DualtrackConfig> config = Optional.empty();
    /** Licenses read during the walk, judged under --policy's licenses section (set once --policy is read). */
    private LicenseScan licenses = new LicenseScan(Optional.empty());

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ScanPolicy policy;
        try {
            Optional<ScanPolicy> p = policy(err);
            if (p.isEmpty()) {
                return Main.EXIT_USAGE;
            }
            policy = p.get();
        } catch (IllegalArgumentException e) {
            err.println("dualtrack: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        List<Result> results = new ArrayList<>();
        Progress progress = new Progress(err, format == ReportFormat.text && System.console() != null);
        try {
            for (Path root : paths) {
                if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
                    err.println("dualtrack: no such file or folder: " + root);
                    return Main.EXIT_USAGE;
                }
                walk(root, policy, results, progress);
            }
            // A file reached through -r is a manifest whatever its name, but only if its content is plain: a model
            // file's verdict always stands, and the manifest reading of it gives way.
            java.util.Map<String, Result> byPath = new java.util.HashMap<>();
            results.forEach(r -> byPath.put(r.path(), r));
            for (Result m : auditManifests()) {
                Result asModel = byPath.get(m.path());
                if (asModel == null) {
                    results.add(m);
                } else if (plainOther(asModel)) {
                    results.set(results.indexOf(asModel), m);
                }
            }
        } catch (IOException e) {
            err.println("dualtrack: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        progress.done();
        try {
            ProvenanceScan provenance = provenance();
            provenance.check(walked, results);
            provenance.notes.forEach(n -> err.println("dualtrack: " + n));
        } catch (IOException | IllegalStateException e) {
            err.println("dualtrack: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        config.ifPresent(c -> results.replaceAll(r -> judged(r, new dev.dualtrack.proxy.policy.Judge(c.policy(),
                java.time.Clock.systemUTC()))));
        PrintWriter out = spec.commandLine().getOut();
        switch (format) {
            case json -> out.println(Reports.json(results));
            case sarif -> out.println(Reports.sarif(results));
            case cyclonedx -> {
                try {
                    out.println(ScanBom.of(paths.stream().map(Path::toString).toList(), results,
                            licenses.declared(), requirementsFiles));
                } catch (IOException e) {
                    err.println("dualtrack: " + e.getMessage());
                    return Main.EXIT_USAGE;
                }
            }
            default -> Reports.text(results, out);
        }
        out.flush();
        return results.stream().anyMatch(Result::blocks) ? 1 : 0;
    }

    /**
     * The policy section applied to a blocked file, as the proxy applies it: actions, monitor mode and waivers
     * (a model file is judged on the hf track, a manifest on the pypi track; waivers match its sha256, or its path
     * as {@code file}). Integrity findings always block.
     */
    static Result judged(Result r, dev.dualtrack.proxy.policy.Judge judge) {
        if (!r.blocks()) {
            return r;
        }
        boolean manifest = r.report().findings().stream().allMatch(f -> f.rule().startsWith("deps.")
                || f.rule().startsWith("pypi."));
        Subject subject = new Subject(
                "", manifest ? "pypi" : "hf", "", r.path(), r.sha256());
        boolean waived = false;
        for (dev.dualtrack.scanner.Finding f : r.report().findings()) {
            if (!ScanReport.blocksByDefault(f)) {
                continue;
            }
            dev.dualtrack.proxy.policy.Judgement j = judge.judge(subject, Optional.empty(),
                    dev.dualtrack.scanner.Verdict.block(f.rule(), f.detail()));
            if (j.blocks()) {
                return r;
            }
            waived |= j.kind() == dev.dualtrack.proxy.policy.Judgement.Kind.WAIVE;
        }
        return new Result(r.path(), r.format(), r.sha256(), r.report(), waived ? "waived" : "warn");
    }

    /** The provenance checks: the trusted root and the identity from the options, then --policy. */
    private ProvenanceScan provenance() throws IOException {
        if (issuer != null && signer == null) {
            throw new IllegalStateException("--issuer needs --signer");
        }
        dev.dualtrack.provenance.TrustedRoot root;
        if (trustedRoot != null) {
            try {
                root = dev.dualtrack.provenance.TrustedRoot.parse(Files.readAllBytes(trustedRoot));
            } catch (dev.dualtrack.provenance.ProvenanceException e) {
                throw new IllegalStateException("--trusted-root " + trustedRoot + ": " + e.getMessage());
            }
        } else {
            root = dev.dualtrack.provenance.TrustedRoot.fromFile(config.flatMap(c -> c.provenance().trustedRoot()));
        }
        Optional<dev.dualtrack.provenance.IdentityPolicy> who = signer == null ? Optional.empty()
                : Optional.of(new dev.dualtrack.provenance.IdentityPolicy.Exact(signer, issuer));
        return new ProvenanceScan(root, who, config.map(c -> c.pypi().provenance()).orElse(List.of()));
    }

    /** The policy of {@code --policy}'s hf section (the defaults without one), with this command's options. */
    private Optional<ScanPolicy> policy(PrintWriter err) {
        if (policyFile != null) {
            config = ConfigFiles.load(policyFile, err);
            if (config.isEmpty()) {
                return Optional.empty();
            }
            licenses = new LicenseScan(config);
        }
        dev.dualtrack.config.HfConfig hf;
        try {
            hf = config.isPresent() ? config.get().hf() : dev.dualtrack.config.ConfigLoader.parse("defaults", "").hf();
        } catch (dev.dualtrack.config.ConfigException e) {
            throw new IllegalStateException("the built-in defaults do not parse", e);
        }
        return Optional.of(dev.dualtrack.hf.HfScanPolicy.of(hf, profiles, enforceSafetensors));
    }

    private void walk(Path root, ScanPolicy policy, List<Result> results, Progress progress) throws IOException {
        Path realRoot = root.toRealPath();
        Path base = Files.isDirectory(root) ? root : root.getParent() == null ? Path.of("") : root.getParent();
        LfsAudit lfs = new LfsAudit(LfsAudit.findGitDir(Files.isDirectory(root) ? root : base));
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                // git's own store: its LFS objects are reached through their pointers, the rest is history.
                return dir.getFileName() != null && dir.getFileName().toString().equals(".git") && !dir.equals(root)
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isSymbolicLink()) {
                    // Follow a link only when it stays inside the tree being scanned.
                    Path target;
                    try {
                        target = file.toRealPath();
                    } catch (IOException e) {
                        return FileVisitResult.CONTINUE;
                    }
                    if (!target.startsWith(realRoot) || !Files.isRegularFile(target)) {
                        return FileVisitResult.CONTINUE;
                    }
                } else if (!attrs.isRegularFile()) {
                    return FileVisitResult.CONTINUE;
                }
                // The path as the user gave its root, joined with the rest (as find and grep print it), so two
                // roots holding the same relative name stay apart: scan a/ b/ prints a/x.bin and b/x.bin.
                // A root of "." shows paths without "./", as most tools do.
                Path relative = root.relativize(file);
                String shown = root.equals(file) ? file.toString()
                        : root.normalize().toString().isEmpty() ? relative.toString() : root.resolve(relative).toString();
                Path key = file.toAbsolutePath().normalize();
                ManifestKind kind = ManifestKind.of(file);
                walked.put(key, shown); // every file, manifests too: a signed model folder may hold any of them
                if (DistributionScan.isDistribution(file)) {
                    results.add(DistributionScan.scan(file, shown, policy, licenses));
                } else if (kind == ManifestKind.OTHER) {
                    results.add(withCardLicense(file, scanWithLfs(file, shown, policy, lfs)));
                } else {
                    // Content decides before the name: a pickle called requirements.txt is judged as a pickle.
                    Result asModel = scan(file, shown, policy);
                    if (!plainOther(asModel)) {
                        results.add(asModel);
                    } else if (kind == ManifestKind.PIP_CONFIG) {
                        pipConfigs.put(key, shown);
                    } else {
                        requirementsFiles.put(key, shown);
                    }
                }
                progress.tick(shown);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** A model card's result, with the license its front matter declares (reported, and judged under --policy). */
    private Result withCardLicense(Path file, Result r) throws IOException {
        Optional<dev.dualtrack.licenses.DeclaredLicense> card = LicenseScan.card(file);
        if (card.isEmpty()) {
            return r;
        }
        List<dev.dualtrack.scanner.Finding> findings = new ArrayList<>(r.report().findings());
        Path folder = file.toAbsolutePath().getParent();
        findings.addAll(licenses.findings(r.path(), card.get(), "hf", "the model in "
                + (folder == null || folder.getFileName() == null ? "." : folder.getFileName().toString())));
        return new Result(r.path(), r.format(), r.sha256(), new ScanReport(r.report().format(), findings));
    }

    /**
     * The dependency audit, with the PyPI section of {@code --policy} (reserved names, typosquat exemptions,
     * malicious feed) or, without one, the built-in typosquat list alone. Files reached only through
     * {@code -r} are reported under their own path.
     */
    private List<Result> auditManifests() throws IOException {
        if (requirementsFiles.isEmpty() && pipConfigs.isEmpty()) {
            return List.of();
        }
        ManifestAudit audit = ManifestAudit.fromConfig(config.map(DualtrackConfig::pypi), strictLockfile);
        Map<Path, List<Finding>> found = audit.audit(List.copyOf(requirementsFiles.keySet()),
                List.copyOf(pipConfigs.keySet()));
        Path cwd = Path.of("").toAbsolutePath();
        List<Result> out = new ArrayList<>();
        for (Map.Entry<Path, List<Finding>> e : found.entrySet()) {
            Path file = e.getKey();
            String shown = requirementsFiles.getOrDefault(file, pipConfigs.getOrDefault(file, walked.get(file)));
            if (shown == null) {
                shown = file.startsWith(cwd) ? cwd.relativize(file).toString() : file.toString();
            }
            String kind = ManifestKind.label(file);
            out.add(new Result(shown, kind, sha256(file), new ScanReport(kind, e.getValue())));
        }
        return out;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Content no model-format reader claims and no finding: text, which a manifest reading may take over. */
    private static boolean plainOther(Result r) {
        return r.format().equals("other") && r.report().findings().isEmpty();
    }

    /** Git LFS files get their own checks; a pointer whose object is present is scanned as that object. */
    private static Result scanWithLfs(Path file, String shown, ScanPolicy policy, LfsAudit lfs) throws IOException {
        String name = file.getFileName().toString();
        if (name.equals(".lfsconfig") || name.equals(".gitattributes")) {
            // Decoded leniently, as git reads config bytes: a stray byte must not abort the whole scan.
            String text = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.UTF_8);
            List<Finding> found = name.equals(".lfsconfig") ? lfs.lfsconfig(text) : LfsAudit.gitattributes(text);
            String kind = name.substring(1);
            return new Result(shown, kind, sha256(file), new ScanReport(kind, found));
        }
        if (Files.size(file) < LfsPointer.MAX_BYTES) {
            byte[] content = Files.readAllBytes(file);
            if (LfsPointer.looksLikePointer(content)) {
                LfsPointer pointer;
                try {
                    pointer = LfsPointer.parse(content);
                } catch (IllegalArgumentException e) {
                    return new Result(shown, "lfs-pointer", sha256(file), new ScanReport("lfs-pointer", List.of(
                            new Finding(LfsRules.INVALID_POINTER, Severity.MALFORMED, e.getMessage()))));
                }
                List<Finding> found = lfs.pointer(pointer);
                Optional<Path> object = lfs.objectOf(pointer);
                if (!found.isEmpty() || object.isEmpty()) {
                    return new Result(shown, "lfs-pointer", sha256(file), new ScanReport("lfs-pointer", found));
                }
                Result r = scan(object.get(), shown, policy);
                return new Result(shown, r.format(), r.sha256(), r.report());
            }
        }
        return scan(file, shown, policy);
    }

    static Result scan(Path file, String shown, ScanPolicy policy) throws IOException {
        FileScanner scanner = new FileScanner(policy, shown);
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                sha.update(buf.duplicate());
                scanner.feed(buf);
                buf.clear();
            }
        }
        ScanReport report = scanner.finish();
        return new Result(shown, report.format(), HexFormat.of().formatHex(sha.digest()), report);
    }

    /** A one-line progress bar on a terminal; silent otherwise. */
    private static final class Progress {
        private final PrintWriter err;
        private final boolean on;
        private int count;

        Progress(PrintWriter err, boolean on) {
            this.err = err;
            this.on = on;
        }

        void tick(String path) {
            count++;
            if (on) {
                String p = path.length() > 60 ? "…" + path.substring(path.length() - 59) : path;
                err.print("\r\033[K[" + count + "] " + p);
                err.flush();
            }
        }

        void done() {
            if (on && count > 0) {
                err.print("\r\033[K");
                err.flush();
            }
        }
    }
}
