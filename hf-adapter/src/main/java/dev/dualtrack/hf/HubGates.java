package dev.dualtrack.hf;

import dev.dualtrack.proxy.access.AccessControl;
import dev.dualtrack.proxy.gate.Checked;
import dev.dualtrack.proxy.gate.Gate;
import dev.dualtrack.proxy.gate.Gates;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.relay.KnownVerdicts;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.upstream.RedirectPolicy;
import dev.dualtrack.scanner.Verdict;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * Track 2's gates: every Hub decision made before any byte, as the lists {@link Gates} runs. The route holds the
 * protocol (paths, revisions, the HEAD contract's lookup, the signature's verification, the relay).
 *
 * <ul>
 *   <li>request gate: {@code hf.repos} allows the repo;</li>
 *   <li>before the file's HEAD is asked for: a block known for the sha256 a listing told of;</li>
 *   <li>file gates, in order: what the HEAD contract says (size, where the bytes would come from, whether they
 *       can be verified), the license the commit's card declares ({@link LicenseGate}), what the commit's model
 *       signature says ({@link ModelSignatureGate}), then what is
 *       known of the bytes ({@link KnownVerdicts}: a block for the location or the digest, a cached blob).</li>
 * </ul>
 * Verdicts the relay finds while bytes stream (the scanner, the digests) go through the same judge and recorder.
 */
final class HubGates {
    private final RepoPatterns repos;
    private final RedirectPolicy cdnHosts;
    private final long maxFileSize;
    private final URI hub;
    private final KnownVerdicts known;
    private final Gates gates;
    private final List<Gate<? super HubFile.Early>> requestGates;
    private final List<Gate<? super HubFile>> fileGates;

    /**
     * @param licenses   the commit's declared license, judged once per commit ({@code licenses})
     * @param card       how a request fetches a commit's model card (with its own credentials)
     * @param signatures the commit's model.sig, verified once per commit ({@code hf.signatures})
     * @param modelSig   how a request fetches a commit's model.sig (with its own credentials)
     */
    HubGates(dev.dualtrack.config.HfConfig config, KnownVerdicts known, Gates gates, AccessControl access,
            LicenseGate licenses, java.util.function.Function<HubFile, CommitFileFetcher> card,
            ModelSignatureGate signatures, java.util.function.Function<HubFile, CommitFileFetcher> modelSig) {
        this.repos = new RepoPatterns(config.repos().allow(), config.repos().deny());
        this.cdnHosts = RedirectPolicy.toHosts(new java.util.HashSet<>(config.redirectHosts()));
        this.maxFileSize = config.maxFileSize().bytes();
        this.hub = config.upstream();
        this.known = known;
        this.gates = gates;
        this.requestGates = List.of(Gate.of("access", r -> access.deniedTrack(r.exchange().principal(), "hf")
                .or(() -> access.deniedRepo(r.exchange().principal(), r.path().type().resolvePrefix + r.path().repo()))
                .map(why -> Checked.block(AccessControl.DENIED, why)).orElse(Checked.pass())),
                Gate.of("repo", r -> repos.permits(r.path().repo()) ? Checked.pass()
                : Checked.block(HfRules.REPO_DENIED, r.path().type().apiSegment + " repo " + r.path().repo()
                        + " is not allowed by hf.repos")));
        this.fileGates = List.of(
                Gate.<HubFile>of("HEAD contract", r -> Checked.block(headContract(r.meta(), r.path()))),
                Gate.<HubFile>async("license", r -> licenses.check(r.path(), r.meta().commit(), card.apply(r))),
                Gate.<HubFile>async("signature", r -> signature(r, signatures, modelSig.apply(r))),
                known.gate());
    }

    /**
     * The signature gate: when {@code hf.signatures} names the repo, the commit's model.sig is verified (once per
     * commit) before any file of it; a regular file's signed digest is handed to the relay.
     */
    private static java.util.concurrent.CompletionStage<Checked> signature(HubFile r, ModelSignatureGate signatures,
            CommitFileFetcher fetcher) {
        if (!signatures.required(r.path().repo())) {
            return java.util.concurrent.CompletableFuture.completedFuture(Checked.pass());
        }
        return signatures.decision(r.path(), r.meta().commit(), fetcher).handle((d, error) -> {
            ModelSignatureGate.Decision decision = d != null ? d
                    : ModelSignatureGate.unavailable(r.path().repo(), r.meta().commit());
            Checked checked = Checked.blocks(ModelSignatureGate.before(decision, r.path().path(), r.meta()));
            return ModelSignatureGate.inFlight(decision, r.path().path(), r.meta())
                    .map(sha -> checked.with(new HubFile.Signed(sha))).orElse(checked);
        });
    }

    RedirectPolicy cdnHosts() {
        return cdnHosts;
    }

    Gates runner() {
        return gates;
    }

    /** Any Hub request: its principal may pull the repo ({@code access}), and {@code hf.repos} allows it. */
    List<Gate<? super HubFile.Early>> requestGates() {
        return requestGates;
    }

    /** A file whose HEAD contract is known: the contract, the commit's model signature, what is known already. */
    List<Gate<? super HubFile>> fileGates() {
        return fileGates;
    }

    /**
     * Before a file's HEAD is asked for: a block known for the sha256 a listing told of (so the Hub is not even
     * asked for a file known to be bad, docs/ARCHITECTURE.md, "Known verdicts first").
     */
    Gate<HubFile.Early> knownFromListing(String sha256) {
        return Gate.of("known verdict (listing)", r -> known.of(sha256).filter(Verdict::blocked)
                .map(Checked::tentative).orElse(Checked.pass()));
    }

    /** What the HEAD contract says before any byte: size, where the bytes would come from, verifiability. */
    private Optional<Verdict> headContract(FileMeta meta, HubPath p) {
        if (meta.size() > maxFileSize) {
            return Optional.of(Verdict.block(HfRules.FILE_TOO_LARGE, p.path() + " is " + meta.size()
                    + " bytes, over hf.max-file-size (" + maxFileSize + ")"));
        }
        if (meta.location().isPresent()) {
            URI target;
            try {
                target = hub.resolve(new URI(meta.location().get()));
            } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                return Optional.of(Verdict.block(HfRules.REDIRECT_HOST, "the Hub redirected " + p.path()
                        + " to an unreadable Location"));
            }
            if (!cdnHosts.allows(target)) {
                return Optional.of(Verdict.block(HfRules.REDIRECT_HOST, "the Hub redirected " + p.path() + " to host '"
                        + target.getHost() + "', which is not in hf.redirect-hosts"));
            }
            if (meta.lfsSha256().isEmpty()) {
                return Optional.of(Verdict.block(HfRules.LFS_OID_MISMATCH, p.path() + " is served from "
                        + target.getHost()
                        + " but the Hub announced no sha256 for it (X-Linked-Etag), so its bytes cannot be verified"));
            }
        } else if (meta.lfsSha256().isEmpty() && !meta.etag().matches("[0-9a-f]{40}")) {
            return Optional.of(Verdict.block(HfRules.BLOB_OID_MISMATCH, "the Hub gave " + p.path() + " neither an "
                    + "LFS sha256 nor a git blob id, so its bytes cannot be verified"));
        }
        return Optional.empty();
    }

    static Subject subject(Exchange ex, HubPath p, String sha256) {
        return subject(ex, p, p.path(), sha256);
    }

    private static Subject subject(Exchange ex, HubPath p, String path, String sha256) {
        return new Subject(ex.clientAddress(), "hf", p.type().resolvePrefix + p.repo(), path, sha256,
                ex.principal().name());
    }
}
