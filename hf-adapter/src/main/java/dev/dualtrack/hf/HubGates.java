package dev.dualtrack.hf;

import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.policy.Gates;
import dev.dualtrack.proxy.policy.Judge;
import dev.dualtrack.proxy.relay.BlobFetcher;
import dev.dualtrack.proxy.relay.FetchSpec;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.upstream.RedirectPolicy;
import dev.dualtrack.scanner.Verdict;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * Track 2's gates: every Hub decision made before any byte, as the checks {@link Gates} runs, and the
 * listing filter's judgement. The route holds the protocol (paths, revisions, the HEAD contract, the relay).
 *
 * <ul>
 *   <li>request gate: {@code hf.repos} allows the repo;</li>
 *   <li>file gates, in order: what the HEAD contract says (size, where the bytes would come from, whether they
 *       can be verified), what the commit's model signature says ({@link ModelSignatureGate}), then a block
 *       already known for the content's digest or for the location;</li>
 * </ul>
 * Verdicts the relay finds while bytes stream (the scanner, the digests) go through the same judge and recorder.
 */
final class HubGates {
    private final RepoPatterns repos;
    private final RedirectPolicy cdnHosts;
    private final long maxFileSize;
    private final URI hub;
    private final BlobFetcher fetcher;
    private final DecisionRecorder recorder;
    private final Gates gates;

    HubGates(dev.dualtrack.config.HfConfig config, BlobFetcher fetcher, DecisionRecorder recorder, Judge judge) {
        this.repos = new RepoPatterns(config.repos().allow(), config.repos().deny());
        this.cdnHosts = RedirectPolicy.toHosts(new java.util.HashSet<>(config.redirectHosts()));
        this.maxFileSize = config.maxFileSize().bytes();
        this.hub = config.upstream();
        this.fetcher = fetcher;
        this.recorder = recorder;
        this.gates = new Gates(judge, recorder);
    }

    RedirectPolicy cdnHosts() {
        return cdnHosts;
    }

    /** Any Hub request: false when the repo is refused (recorded and answered). */
    boolean admitRequest(Exchange ex, HubPath p) {
        return gates.admit(ex, HubRefusals.INSTANCE, subject(ex, p, ""), Optional.empty(), List.of(
                () -> repos.permits(p.repo()) ? List.of() : List.of(Verdict.block(HfRules.REPO_DENIED,
                        p.type().apiSegment + " repo " + p.repo() + " is not allowed by hf.repos"))));
    }

    /**
     * A file whose HEAD contract is known: false when it was refused. {@code knownChecked} says the content's
     * digest was already looked up (a listing told it), so it is not looked up again; an LFS file's GET leaves
     * its digest to the relay, which looks it up before it asks the CDN. A block remembered for the location
     * is always looked up.
     */
    boolean admitFile(Exchange ex, HubPath p, FileMeta meta, boolean knownChecked, List<Verdict> signature) {
        return gates.admit(ex, HubRefusals.INSTANCE, subject(ex, p, meta.lfsSha256().orElse("")), Optional.empty(),
                List.of(
                        () -> headContract(meta, p).map(List::of).orElse(List.of()),
                        () -> signature,
                        () -> ex.isHead() || meta.lfsSha256().isEmpty()
                                ? known(p, meta, knownChecked).map(List::of).orElse(List.of()) : List.of()));
    }

    /** A verdict known for {@code sha256} (told by a listing) that refuses now: the file's lookup is skipped. */
    Optional<Verdict> knownStanding(Exchange ex, HubPath p, String sha256) {
        return fetcher.knownVerdict(sha256).filter(v -> fetcher.known().refuses(subject(ex, p, sha256),
                Optional.empty(), v));
    }

    /** Refuses a file by a verdict known before its lookup, through the known-verdict gate (recorded there). */
    void refuseKnown(Exchange ex, HubPath p, String sha256, Verdict v) {
        fetcher.known().admit(ex, HubRefusals.INSTANCE, subject(ex, p, sha256), Optional.empty(), v, false);
    }

    /** A block already known for this file: by its content's digest (unless already looked up), or its location. */
    private Optional<Verdict> known(HubPath p, FileMeta meta, boolean digestChecked) {
        return (digestChecked ? Optional.<Verdict>empty() : meta.lfsSha256().isPresent()
                ? meta.lfsSha256().flatMap(fetcher::knownVerdict).filter(Verdict::blocked)
                : knownByBlobId(meta.etag()))
                .or(() -> fetcher.knownAt(FetchSpec.locationKey("hf", p.type().resolvePrefix + p.repo(),
                        meta.commit(), p.path())));
    }

    Optional<Verdict> knownByBlobId(String oid) {
        return fetcher.knownByGitBlob(oid).filter(Verdict::blocked);
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

    static DecisionRecorder.Subject subject(Exchange ex, HubPath p, String sha256) {
        return subject(ex, p, p.path(), sha256);
    }

    private static DecisionRecorder.Subject subject(Exchange ex, HubPath p, String path, String sha256) {
        return new DecisionRecorder.Subject(ex.clientAddress(), "hf", p.type().resolvePrefix + p.repo(), path, sha256);
    }
}
