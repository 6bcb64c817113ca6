package dev.dualtrack.hf;

import com.github.benmanes.caffeine.cache.Cache;
import dev.dualtrack.config.HfConfig;
import dev.dualtrack.provenance.IdentityPolicy;
import dev.dualtrack.provenance.ModelManifest;
import dev.dualtrack.provenance.ModelSignature;
import dev.dualtrack.provenance.ProvenanceException;
import dev.dualtrack.provenance.TrustedRoot;
import dev.dualtrack.scanner.Verdict;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * {@code hf.signatures}: a repo that must be signed serves a file only if the {@code model.sig} at the same commit
 * verifies, was signed by the configured identity, and lists the file with the digest its bytes have.
 *
 * <ul>
 *   <li>An LFS file's announced sha256 (its LFS oid, which the relay then enforces on the bytes) must equal the
 *       signed digest: compared before any byte.</li>
 *   <li>A regular git file has no announced sha256; the signed digest becomes the sha256 the relay checks in
 *       flight, so a file whose bytes differ never completes at the client (G1).</li>
 *   <li>Paths the signer excluded (its recorded ignore paths, and model.sig itself) are served as they are.</li>
 * </ul>
 * One verification per repo and commit (a commit never changes), shared by concurrent requests.
 */
final class ModelSignatureGate {
    /**
     * What a commit's signature says: a verified manifest and the sha256 of the model.sig bytes that were
     * verified, or the block every file of the commit gets. {@code lasting} is false for a model.sig that could
     * not be fetched: asked again next time.
     */
    record Decision(Optional<ModelManifest> manifest, Optional<Verdict> block, boolean lasting,
            Optional<String> signatureSha256) {
        Decision(Optional<ModelManifest> manifest, Optional<Verdict> block, boolean lasting) {
            this(manifest, block, lasting, Optional.empty());
        }
    }

    private record Requirement(RepoPatterns repos, IdentityPolicy policy, String who, Optional<String> model) {
    }

    private final List<Requirement> requirements;
    private final TrustedRoot root;
    private final Executor verifyOn;
    private final Cache<String, CompletableFuture<Decision>> decisions;

    ModelSignatureGate(List<HfConfig.Signature> config, TrustedRoot root, Executor verifyOn) {
        this(config, root, verifyOn, dev.dualtrack.proxy.cache.Caches.standalone());
    }

    ModelSignatureGate(List<HfConfig.Signature> config, TrustedRoot root, Executor verifyOn,
            dev.dualtrack.proxy.cache.Caches caches) {
        this.decisions = caches.bounded("hf-signature-decisions", 10_000, java.time.Duration.ZERO);
        this.requirements = config.stream().map(s -> new Requirement(new RepoPatterns(List.of(s.repos()), List.of()),
                new IdentityPolicy.Exact(s.identity(), s.issuer()), s.identity() + " (issuer " + s.issuer() + ")",
                s.model())).toList();
        this.root = root;
        this.verifyOn = verifyOn;
    }

    /** For the AI-BOM: what is known of a commit's signature, without asking the Hub. */
    String status(HubPath p, String commit) {
        Optional<Requirement> r = requirement(p.repo());
        if (r.isEmpty()) {
            return "not required (hf.signatures does not name the repo)";
        }
        CompletableFuture<Decision> known = decisions.getIfPresent(key(p, commit, r.get()));
        if (known == null || !known.isDone() || known.isCompletedExceptionally()) {
            return "required, not verified since dualtrack started";
        }
        Decision d = known.join();
        return d.block().map(v -> "refused: " + v.rule()).orElse("verified: model.sig signed by " + r.get().who()
                + d.signatureSha256().map(sha -> ", model.sig sha256 " + sha).orElse(""));
    }

    /** One decision per repo (of its type), commit and required signer. */
    private static String key(HubPath p, String commit, Requirement r) {
        return p.type().apiSegment + "/" + p.repo() + "@" + commit + "\u0000" + r.who();
    }

    boolean required(String repo) {
        return requirement(repo).isPresent();
    }

    private Optional<Requirement> requirement(String repo) {
        return requirements.stream().filter(r -> r.repos().permits(repo)).findFirst();
    }

    /** The commit's decision, fetched and verified once; a failed fetch is not remembered. */
    CompletableFuture<Decision> decision(HubPath p, String commit, CommitFileFetcher fetcher) {
        Requirement r = requirement(p.repo()).orElseThrow();
        String key = key(p, commit, r);
        CompletableFuture<Decision> d = decisions.get(key, k -> fetch(fetcher, p, commit)
                .handle((answer, error) -> answer)
                .thenApplyAsync(answer -> decide(answer, p.repo(), commit, r), verifyOn));
        return d.whenComplete((decision, error) -> {
            if (error != null || !decision.lasting()) {
                decisions.asMap().remove(key, d);
            }
        });
    }

    private static CompletableFuture<CommitFileFetcher.Fetched> fetch(CommitFileFetcher fetcher, HubPath p, String commit) {
        try {
            return fetcher.fetch(p, commit);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // a request we could not even make: not fetched
        }
    }

    private static String at(String repo, String commit) {
        return repo + " at " + commit.substring(0, Math.min(12, commit.length()));
    }

    /**
     * The decision when the model.sig could not be had (a failed fetch, or a verification that never answered):
     * every file refused, and asked again next time.
     */
    static Decision unavailable(String repo, String commit) {
        return new Decision(Optional.empty(), Optional.of(Verdict.block(HfRules.SIGNATURE_MISSING, "the model.sig "
                + "of " + at(repo, commit) + " could not be fetched; hf.signatures requires the repo to be signed, "
                + "so its files are refused until it can be")), false);
    }

    private Decision decide(CommitFileFetcher.Fetched answer, String repo, String commit, Requirement r) {
        String at = at(repo, commit);
        if (answer == null) {
            return unavailable(repo, commit);
        }
        if (answer.status() == 404) {
            return refused(HfRules.SIGNATURE_MISSING, at + " has no model.sig, and hf.signatures requires " + repo
                    + " to be signed by " + r.who());
        }
        if (answer.status() != 200) {
            return new Decision(Optional.empty(), Optional.of(Verdict.block(HfRules.SIGNATURE_MISSING, "the Hub "
                    + "answered " + answer.status() + " for the model.sig of " + at)), false);
        }
        try {
            ModelManifest m = ModelSignature.verify(answer.body(), new ModelSignature.Sigstore(root, r.policy()));
            Optional<String> model = r.model().map(pattern -> pattern.replace("{repo}", repo)
                    .replace("{name}", repo.substring(repo.lastIndexOf('/') + 1)));
            if (model.isPresent() && !model.get().equals(m.model())) {
                return refused(HfRules.SIGNATURE_IDENTITY, "the model.sig of " + at + " verifies, but it signs the "
                        + "model '" + m.model() + "', and hf.signatures requires '" + model.get() + "' for " + repo
                        + ": a genuine signature of another model");
            }
            return new Decision(Optional.of(m), Optional.empty(), true, Optional.of(HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(answer.body()))));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        } catch (ProvenanceException e) {
            return e.kind() == ProvenanceException.Kind.IDENTITY
                    ? refused(HfRules.SIGNATURE_IDENTITY, "the model.sig of " + at + " verifies, but it was "
                            + e.getMessage() + "; hf.signatures requires " + r.who())
                    : refused(HfRules.SIGNATURE_INVALID, "the model.sig of " + at + " does not verify: "
                            + e.getMessage());
        } catch (RuntimeException e) {
            return refused(HfRules.SIGNATURE_INVALID, "the model.sig of " + at + " could not be verified ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static Decision refused(String rule, String reason) {
        return new Decision(Optional.empty(), Optional.of(Verdict.block(rule, reason)), true);
    }

    /** The blocks for one file, before any byte. */
    static List<Verdict> before(Decision d, String path, FileMeta meta) {
        if (d.block().isPresent()) {
            return List.of(d.block().get());
        }
        ModelManifest m = d.manifest().orElseThrow();
        if (path.equals(ModelSignature.FILE_NAME)) {
            // model.sig itself: exactly the bytes that were verified for this commit, never a later answer.
            return meta.lfsSha256().isPresent() && d.signatureSha256().isPresent()
                    && !meta.lfsSha256().get().equalsIgnoreCase(d.signatureSha256().get())
                    ? List.of(Verdict.block(HfRules.SIGNATURE_MISMATCH, "model.sig is announced with sha256 "
                            + meta.lfsSha256().get() + ", but the one verified for this commit has "
                            + d.signatureSha256().get()))
                    : List.of();
        }
        if (m.ignored(path, Set.of())) {
            return List.of();
        }
        if (!m.fileLevelSha256()) {
            // Signature verified; a shard's or blake2 digest cannot be recomputed from one download, so only that
            // the manifest covers the file is checked (docs/provenance.md).
            return m.lists(path) ? List.of() : List.of(Verdict.block(HfRules.SIGNATURE_MISMATCH, path
                    + " is not in the signed manifest of model.sig"));
        }
        Optional<byte[]> signed = m.sha256(path);
        if (signed.isEmpty()) {
            return List.of(Verdict.block(HfRules.SIGNATURE_MISMATCH, path + " is not in the signed manifest of "
                    + "model.sig"));
        }
        String hex = HexFormat.of().formatHex(signed.get());
        if (meta.lfsSha256().isPresent() && !meta.lfsSha256().get().equalsIgnoreCase(hex)) {
            return List.of(Verdict.block(HfRules.SIGNATURE_MISMATCH, path + " is announced with sha256 "
                    + meta.lfsSha256().get() + ", but model.sig signed " + hex));
        }
        return List.of();
    }

    /**
     * For a regular (non-LFS) file: the signed sha256 the relay must see in flight; for model.sig, the sha256 of
     * the bytes that were verified.
     */
    static Optional<String> inFlight(Decision d, String path, FileMeta meta) {
        if (meta.lfsSha256().isEmpty() && path.equals(ModelSignature.FILE_NAME) && d.manifest().isPresent()) {
            return d.signatureSha256();
        }
        if (meta.lfsSha256().isPresent() || d.manifest().isEmpty() || d.manifest().get().ignored(path, Set.of())) {
            return Optional.empty();
        }
        return d.manifest().get().sha256(path).map(b -> HexFormat.of().formatHex(b));
    }
}
