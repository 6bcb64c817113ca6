package dev.dualtrack.hf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.HfConfig;
import dev.dualtrack.provenance.SigstoreMaterial;
import dev.dualtrack.provenance.TrustedRoot;
import dev.dualtrack.scanner.Verdict;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The per-commit decision of hf.signatures and the per-file checks, on the real v1.1.0-sigstore model.sig. */
class ModelSignatureGateTest {
    private static final String COMMIT = "d".repeat(40);
    private static final byte[] SIG = SigstoreMaterial.bytes("model-signing/v1.1.0-sigstore/model.sig");
    private static final String SIGNME_1 = "f6310066c7320497ea554260c32c43660bff648cb2a61194832cc086077085e1";

    private static ModelSignatureGate gate(String identity) {
        return new ModelSignatureGate(List.of(new HfConfig.Signature("acme/*", identity,
                "https://sigstore.verify.ibm.com/oauth2")), TrustedRoot.production(), Runnable::run);
    }

    private static HubPath path(String file) {
        return HubPath.parse("/acme/model/resolve/main/" + file);
    }

    private static FileMeta lfs(String sha) {
        return new FileMeta(COMMIT, "\"" + sha + "\"", Optional.of(sha), 10, Optional.empty());
    }

    private static FileMeta git() {
        return new FileMeta(COMMIT, "\"" + "e".repeat(40) + "\"", Optional.empty(), 10, Optional.empty());
    }

    @Test
    void oneVerificationPerCommitAndFilesJudgedAgainstTheManifest() {
        ModelSignatureGate gate = gate("stefanb@us.ibm.com");
        AtomicInteger fetches = new AtomicInteger();
        CommitFileFetcher fetcher = (p, c) -> {
            fetches.incrementAndGet();
            return CompletableFuture.completedFuture(new CommitFileFetcher.Fetched(200, SIG));
        };
        ModelSignatureGate.Decision d = gate.decision(path("signme-1"), COMMIT, fetcher).join();
        gate.decision(path("signme-2"), COMMIT, fetcher).join();
        assertThat(fetches).hasValue(1);
        assertThat(d.block()).isEmpty();
        assertThat(ModelSignatureGate.before(d, "signme-1", lfs(SIGNME_1))).isEmpty();
        assertThat(ModelSignatureGate.before(d, "signme-1", lfs("0".repeat(64)))).extracting(Verdict::rule)
                .containsExactly(HfRules.SIGNATURE_MISMATCH);
        assertThat(ModelSignatureGate.before(d, "extra.bin", git())).extracting(Verdict::rule)
                .containsExactly(HfRules.SIGNATURE_MISMATCH);
        // What the signer chose to leave out is served as it is: its ignore paths, and model.sig itself.
        assertThat(ModelSignatureGate.before(d, "ignore-me", git())).isEmpty();
        assertThat(ModelSignatureGate.before(d, ".git/config", git())).isEmpty();
        assertThat(ModelSignatureGate.before(d, "model.sig", git())).isEmpty();
        assertThat(ModelSignatureGate.inFlight(d, "signme-1", git())).contains(SIGNME_1);
        assertThat(ModelSignatureGate.inFlight(d, "signme-1", lfs(SIGNME_1))).isEmpty();
    }

    @Test
    void anotherSignerRefusesEveryFileOfTheCommit() {
        ModelSignatureGate.Decision d = gate("someone@example.com").decision(path("signme-1"), COMMIT,
                (p, c) -> CompletableFuture.completedFuture(new CommitFileFetcher.Fetched(200, SIG))).join();
        assertThat(ModelSignatureGate.before(d, "signme-1", lfs(SIGNME_1))).extracting(Verdict::rule)
                .containsExactly(HfRules.SIGNATURE_IDENTITY);
        assertThat(ModelSignatureGate.before(d, "ignore-me", git())).extracting(Verdict::rule)
                .containsExactly(HfRules.SIGNATURE_IDENTITY);
    }

    @Test
    void aFailedFetchFailsClosedAndIsAskedAgain() {
        ModelSignatureGate gate = gate("stefanb@us.ibm.com");
        AtomicInteger fetches = new AtomicInteger();
        for (int i = 0; i < 2; i++) {
            ModelSignatureGate.Decision d = gate.decision(path("signme-1"), COMMIT, (p, c) -> {
                fetches.incrementAndGet();
                return CompletableFuture.failedFuture(new java.io.IOException("reset"));
            }).join();
            assertThat(d.block().map(Verdict::rule)).contains(HfRules.SIGNATURE_MISSING);
        }
        assertThat(fetches).hasValue(2);
        ModelSignatureGate.Decision thrown = gate.decision(path("signme-1"), COMMIT, (p, c) -> {
            throw new IllegalArgumentException("unusable URL");
        }).join();
        assertThat(thrown.block().map(Verdict::rule)).contains(HfRules.SIGNATURE_MISSING);
        assertThat(thrown.lasting()).isFalse();
        ModelSignatureGate.Decision missing = gate.decision(path("signme-1"), COMMIT,
                (p, c) -> CompletableFuture.completedFuture(new CommitFileFetcher.Fetched(404, new byte[0]))).join();
        assertThat(missing.block().map(Verdict::reason).orElse("")).contains("has no model.sig");
        byte[] garbage = "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"}".getBytes();
        ModelSignatureGate.Decision invalid = gate("stefanb@us.ibm.com").decision(path("x"), COMMIT,
                (p, c) -> CompletableFuture.completedFuture(new CommitFileFetcher.Fetched(200, garbage))).join();
        assertThat(invalid.block().map(Verdict::rule)).contains(HfRules.SIGNATURE_INVALID);
    }

    @Test
    void clientsGetExactlyTheModelSigThatWasVerifiedForTheCommit() {
        ModelSignatureGate.Decision d = gate("stefanb@us.ibm.com").decision(path("model.sig"), COMMIT,
                (p, c) -> CompletableFuture.completedFuture(new CommitFileFetcher.Fetched(200, SIG))).join();
        String verified = FakeHub.sha256(SIG);
        assertThat(d.signatureSha256()).contains(verified);
        // A git model.sig: the relay must see the verified bytes, so a changed answer is cut.
        assertThat(ModelSignatureGate.inFlight(d, "model.sig", git())).contains(verified);
        // An LFS model.sig announced with other bytes: refused before any byte.
        assertThat(ModelSignatureGate.before(d, "model.sig", lfs("0".repeat(64)))).extracting(Verdict::rule)
                .containsExactly(HfRules.SIGNATURE_MISMATCH);
        assertThat(ModelSignatureGate.before(d, "model.sig", lfs(verified))).isEmpty();
    }

    @Test
    void anEntryCanBindTheSignedModelNameToTheRepo() {
        CommitFileFetcher fetcher = (p, c) -> CompletableFuture.completedFuture(
                new CommitFileFetcher.Fetched(200, SIG));
        // The real signature signs the model "v1.1.0-sigstore".
        ModelSignatureGate bound = new ModelSignatureGate(List.of(new HfConfig.Signature("acme/*",
                "stefanb@us.ibm.com", "https://sigstore.verify.ibm.com/oauth2", Optional.of("{name}"))),
                TrustedRoot.production(), Runnable::run);
        ModelSignatureGate.Decision other = bound.decision(HubPath.parse("/acme/model/resolve/main/signme-1"),
                COMMIT, fetcher).join();
        assertThat(other.block()).hasValueSatisfying(v -> {
            assertThat(v.rule()).isEqualTo(HfRules.SIGNATURE_IDENTITY);
            assertThat(v.reason()).contains("'v1.1.0-sigstore'").contains("'model'");
        });
        ModelSignatureGate.Decision same = bound.decision(HubPath.parse("/acme/v1.1.0-sigstore/resolve/main/signme-1"),
                COMMIT, fetcher).join();
        assertThat(same.block()).isEmpty();
    }
}
