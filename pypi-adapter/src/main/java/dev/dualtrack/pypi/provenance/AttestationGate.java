package dev.dualtrack.pypi.provenance;

import com.github.benmanes.caffeine.cache.Cache;
import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.config.RuleAction;
import dev.dualtrack.provenance.IdentityPolicy;
import dev.dualtrack.provenance.Pep740;
import dev.dualtrack.provenance.ProvenanceException;
import dev.dualtrack.provenance.TrustedPublisher;
import dev.dualtrack.provenance.TrustedRoot;
import dev.dualtrack.pypi.PypiRules;
import dev.dualtrack.pypi.policy.Filenames;
import dev.dualtrack.pypi.simple.ProjectName;
import dev.dualtrack.pypi.simple.SimpleFile;
import dev.dualtrack.pypi.simple.SimplePage;
import dev.dualtrack.scanner.Verdict;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The PEP 740 gate: before any byte of a file is released, its attestations are fetched and verified when
 * {@code pypi.provenance} requires them, and a file without attestations in a project whose earlier releases had
 * them is reported ({@code pypi.provenance-regressed}).
 *
 * <p>The attestation's subject is compared with the sha256 the index announced; the relay then refuses bytes that
 * do not hash to that sha256 (an integrity rule), so a verified attestation covers exactly the bytes served.
 * Verified provenance is cached by file sha256 and requirement, so a popular wheel is verified once; concurrent
 * first requests share one fetch and one verification. A refusal is kept only for {@link #REFUSAL_TTL}: a truncated
 * or garbled answer from the index must not pin a refusal on a genuine file for the life of the process.
 */
public final class AttestationGate {
    /** Fetches a provenance URL: the answer's status and body, or a failed future. */
    public interface Fetcher extends Function<String, CompletableFuture<Fetched>> {
    }

    public record Fetched(int status, byte[] body) {
    }

    private record Requirement(Pattern project, IdentityPolicy policy, String who) {
    }

    /** What the gate decided: blocks for the judge, and warnings to record and serve. */
    public record Outcome(List<Verdict> blocks, List<Verdict> warnings) {
        static final Outcome NONE = new Outcome(List.of(), List.of());

        static Outcome block(Verdict v) {
            return new Outcome(List.of(v), List.of());
        }
    }

    private final List<Requirement> requirements;
    private final RuleAction regressedAction;
    private final Pep740 verifier;
    private final Executor verifyOn;
    /** How long a verification that refused is remembered before the provenance is fetched and verified again. */
    static final java.time.Duration REFUSAL_TTL = java.time.Duration.ofSeconds(10);
    /** sha256 + filename + requirement → a verification that passed (never a failed fetch). */
    private final Cache<String, Outcome> verified;
    /** The same key → a verification that refused, for {@link #REFUSAL_TTL}. */
    private final Cache<String, Outcome> refused;
    /** Verifications under way: concurrent first requests for one file wait for the same one. */
    private final java.util.concurrent.ConcurrentHashMap<String, CompletableFuture<Outcome>> inFlight =
            new java.util.concurrent.ConcurrentHashMap<>();

    public AttestationGate(List<PypiConfig.ProvenanceRequirement> config, RuleAction regressedAction, TrustedRoot root,
            Executor verifyOn) {
        this(config, regressedAction, root, verifyOn, dev.dualtrack.proxy.cache.Caches.standalone());
    }

    /** With the caches of a runtime, or of a test that expires refusals by advancing their clock. */
    public AttestationGate(List<PypiConfig.ProvenanceRequirement> config, RuleAction regressedAction, TrustedRoot root,
            Executor verifyOn, dev.dualtrack.proxy.cache.Caches caches) {
        this.verified = caches.bounded("pypi-attestations-verified", 50_000, java.time.Duration.ZERO);
        this.refused = caches.bounded("pypi-attestations-refused", 50_000, REFUSAL_TTL);
        this.requirements = config.stream().map(AttestationGate::requirement).toList();
        this.regressedAction = regressedAction;
        this.verifier = new Pep740(root);
        this.verifyOn = verifyOn;
    }

    private static Requirement requirement(PypiConfig.ProvenanceRequirement r) {
        PypiConfig.Publisher p = r.publisher();
        IdentityPolicy policy = switch (p.kind()) {
            case GITHUB -> new TrustedPublisher.GitHub(p.repository().orElseThrow(), p.workflow().orElseThrow(),
                    p.allowPullRequests());
            case GITLAB -> new TrustedPublisher.GitLab(p.repository().orElseThrow(),
                    p.workflowFilepath().orElseThrow());
            case GOOGLE -> new TrustedPublisher.Google(p.email().orElseThrow());
            case IDENTITY -> new IdentityPolicy.Exact(p.identity().orElseThrow(), p.issuer().orElseThrow());
        };
        String who = switch (p.kind()) {
            case GITHUB -> "GitHub workflow " + p.repository().get() + "/.github/workflows/" + p.workflow().get();
            case GITLAB -> "GitLab pipeline " + p.repository().get() + "//" + p.workflowFilepath().get();
            case GOOGLE -> "Google service account " + p.email().get();
            case IDENTITY -> p.identity().get() + " (issuer " + p.issuer().get() + ")";
        };
        return new Requirement(glob(r.project()), policy, who);
    }

    private static Pattern glob(String project) {
        StringBuilder re = new StringBuilder();
        for (String part : ProjectName.normalize(project.replace("*", "\u0000")).split("\u0000", -1)) {
            if (re.length() > 0) {
                re.append(".*");
            }
            re.append(Pattern.quote(part));
        }
        return Pattern.compile(re.toString());
    }

    /** The identity {@code requirements} ask of {@code project}'s attestations, if any (for {@code dualtrack scan}). */
    public static Optional<IdentityPolicy> policyFor(List<PypiConfig.ProvenanceRequirement> requirements,
            String project) {
        String n = ProjectName.normalize(project);
        return requirements.stream().map(AttestationGate::requirement).filter(r -> r.project().matcher(n).matches())
                .findFirst().map(Requirement::policy);
    }

    /** True when some file of {@code project} needs its attestations fetched. */
    /** For the AI-BOM: what is known of a file's PEP 740 attestation, without asking the index. */
    public String status(String project, String filename, String sha256) {
        Optional<Requirement> r = requirement(project);
        if (r.isEmpty()) {
            return "not required (pypi.provenance does not name the project)";
        }
        Outcome known = verified.getIfPresent(sha256 + "\u0000" + filename + "\u0000" + r.get().who());
        return known != null && known.blocks().isEmpty() ? "verified: attested by " + r.get().who()
                : "required, not verified since dualtrack started";
    }

    public boolean required(String project) {
        return requirement(project).isPresent();
    }

    private Optional<Requirement> requirement(String project) {
        String n = ProjectName.normalize(project);
        return requirements.stream().filter(r -> r.project().matcher(n).matches()).findFirst();
    }

    /**
     * The provenance verdicts of one file: required attestations fetched and verified, and the regression check.
     * Completes with blocks (the judge turns them into warnings where policy says so); never fails.
     */
    public CompletableFuture<Outcome> check(SimplePage page, SimpleFile f, Optional<String> sha256, Fetcher fetch) {
        return check(page, f, sha256, Optional.empty(), fetch);
    }

    /**
     * @param integrityApi where the index's Integrity API would serve the file's provenance: asked when the page
     *                     announces none (mirrors that drop the key); a 404 there means the file is not attested
     */
    public CompletableFuture<Outcome> check(SimplePage page, SimpleFile f, Optional<String> sha256,
            Optional<String> integrityApi, Fetcher fetch) {
        String project = page.name();
        Optional<Requirement> req = requirement(project);
        if (req.isEmpty()) {
            List<Verdict> r = regressedAction == RuleAction.OFF ? List.of() : regressed(page, f);
            return CompletableFuture.completedFuture(r.isEmpty() ? Outcome.NONE : regressedAction == RuleAction.BLOCK
                    ? new Outcome(r, List.of()) : new Outcome(List.of(), r));
        }
        Requirement r = req.get();
        String missing = f.filename() + " has no PEP 740 attestation, and pypi.provenance requires " + project
                + " to be attested by " + r.who();
        Optional<String> url = f.provenance().or(() -> integrityApi);
        if (url.isEmpty()) {
            return CompletableFuture.completedFuture(Outcome.block(Verdict.block(PypiRules.PROVENANCE_MISSING,
                    missing)));
        }
        if (sha256.isEmpty() || !sha256.get().matches("[0-9a-fA-F]{64}")) {
            // The hash and entry gates refuse it anyway; an attestation cannot be bound to unknown bytes.
            return CompletableFuture.completedFuture(Outcome.NONE);
        }
        // The filename is part of what an attestation binds, so it is part of what a verification answered.
        String key = sha256.get() + "\u0000" + f.filename() + "\u0000" + r.who();
        Outcome known = verified.getIfPresent(key);
        if (known == null) {
            known = refused.getIfPresent(key);
        }
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        CompletableFuture<Outcome> mine = new CompletableFuture<>();
        CompletableFuture<Outcome> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return running;
        }
        fetchAndVerify(f, project, sha256.get(), url.get(), r, key, missing, fetch).whenComplete((out, error) -> {
            inFlight.remove(key, mine);
            if (error != null) {
                mine.completeExceptionally(error);
            } else {
                mine.complete(out);
            }
        });
        return mine;
    }

    private CompletableFuture<Outcome> fetchAndVerify(SimpleFile f, String project, String sha256Hex, String url,
            Requirement r, String key, String missing, Fetcher fetch) {
        byte[] sha = HexFormat.of().parseHex(sha256Hex);
        CompletableFuture<Fetched> fetched;
        try {
            fetched = fetch.apply(url);
        } catch (RuntimeException e) {
            fetched = CompletableFuture.failedFuture(e); // a link we could not even ask for: not fetched
        }
        return fetched.handle((answer, error) -> answer)
                .thenApplyAsync(answer -> {
                    if (answer == null) {
                        return Outcome.block(Verdict.block(PypiRules.PROVENANCE_MISSING, "the attestations of "
                                + f.filename() + " could not be fetched from its index; " + project
                                + " must be attested, so it is refused until they can be"));
                    }
                    if (answer.status() == 404 || answer.status() == 410) {
                        return Outcome.block(Verdict.block(PypiRules.PROVENANCE_MISSING, f.provenance().isEmpty()
                                ? missing + " (its index announces none, and its Integrity API has none)"
                                : "the index lists attestations for " + f.filename() + " but has none at its "
                                        + "provenance URL"));
                    }
                    if (answer.status() != 200) {
                        return Outcome.block(Verdict.block(PypiRules.PROVENANCE_MISSING, "the index answered "
                                + answer.status() + " for the attestations of " + f.filename()));
                    }
                    Outcome out = verify(answer.body(), f.filename(), sha, r);
                    (out.blocks().isEmpty() ? verified : refused).put(key, out);
                    return out;
                }, verifyOn);
    }

    private Outcome verify(byte[] provenance, String filename, byte[] sha256, Requirement r) {
        try {
            verifier.verifyProvenance(provenance, filename, sha256, r.policy());
            return Outcome.NONE;
        } catch (ProvenanceException e) {
            return Outcome.block(Verdict.block(e.kind() == ProvenanceException.Kind.IDENTITY
                    ? PypiRules.PROVENANCE_IDENTITY : PypiRules.PROVENANCE_INVALID, "the attestation of " + filename
                    + " " + (e.kind() == ProvenanceException.Kind.IDENTITY ? "verifies, but " : "does not verify: ")
                    + e.getMessage() + (e.kind() == ProvenanceException.Kind.IDENTITY ? "; pypi.provenance requires "
                    + r.who() : "")));
        } catch (RuntimeException e) {
            // Fail closed: a verifier bug must not let a file through.
            return Outcome.block(Verdict.block(PypiRules.PROVENANCE_INVALID, "the attestation of " + filename
                    + " could not be verified (" + e.getClass().getSimpleName() + ")"));
        }
    }

    /**
     * A file without attestations while an earlier release of the project had them: a release made outside the
     * trusted pipeline looks exactly like this. Earlier means uploaded before, when the index gives upload times;
     * otherwise any other version with attestations counts.
     */
    static List<Verdict> regressed(SimplePage page, SimpleFile f) {
        if (f.provenance().isPresent()) {
            return List.of();
        }
        String version = Filenames.version(page.name(), f.filename()).orElse("");
        for (SimpleFile other : page.files()) {
            if (other.provenance().isEmpty()) {
                continue;
            }
            String v = Filenames.version(page.name(), other.filename()).orElse("");
            if (v.equals(version)) {
                continue;
            }
            boolean earlier = f.uploadTime().isEmpty() || other.uploadTime().isEmpty()
                    || other.uploadTime().get().compareTo(f.uploadTime().get()) < 0;
            if (earlier) {
                return List.of(Verdict.block(PypiRules.PROVENANCE_REGRESSED, f.filename() + " has no attestation, "
                        + "but " + other.filename() + " of " + page.name() + " " + v.toLowerCase(Locale.ROOT)
                        + " had one: this release may not come from the project's trusted publisher"));
            }
        }
        return List.of();
    }
}
