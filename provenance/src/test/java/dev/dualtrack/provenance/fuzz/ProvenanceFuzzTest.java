package dev.dualtrack.provenance.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.dualtrack.provenance.Bundle;
import dev.dualtrack.provenance.BundleVerifier;
import dev.dualtrack.provenance.IdentityPolicy;
import dev.dualtrack.provenance.InTotoStatement;
import dev.dualtrack.provenance.ModelSignature;
import dev.dualtrack.provenance.Pep740;
import dev.dualtrack.provenance.ProvenanceException;
import dev.dualtrack.provenance.TrustedRoot;

/**
 * The parsers of signed material, and the verifier behind them, fail only with {@link ProvenanceException}: any
 * other exception would escape a gate that must fail closed. Regression mode runs the committed inputs; fuzz one
 * target with {@code JAZZER_FUZZ=1 ./mvnw -pl provenance test -Dtest='ProvenanceFuzzTest#bundle'}.
 */
class ProvenanceFuzzTest {
    private static final TrustedRoot ROOT = TrustedRoot.production();

    @FuzzTest(maxDuration = "2m")
    void bundle(byte[] input) {
        try {
            Bundle b = Bundle.parse(input);
            new BundleVerifier(ROOT).verifyArtifact(b, new byte[32], IdentityPolicy.ANY);
        } catch (ProvenanceException expected) {
            // refused, as it must be
        }
    }

    @FuzzTest(maxDuration = "2m")
    void pep740(FuzzedDataProvider data) {
        String filename = data.consumeString(60);
        byte[] input = data.consumeRemainingAsBytes();
        try {
            new Pep740(ROOT).verify(input, filename, new byte[32], IdentityPolicy.ANY);
        } catch (ProvenanceException expected) {
            // refused
        }
        try {
            Pep740.parseProvenance(input);
        } catch (ProvenanceException expected) {
            // refused
        }
    }

    @FuzzTest(maxDuration = "2m")
    void statement(byte[] input) {
        try {
            InTotoStatement.parse(input);
        } catch (ProvenanceException expected) {
            // refused
        }
    }

    @FuzzTest(maxDuration = "2m")
    void modelSignature(byte[] input) {
        try {
            ModelSignature.verify(input, new ModelSignature.Sigstore(ROOT, IdentityPolicy.ANY));
        } catch (ProvenanceException expected) {
            // refused
        }
    }

    @FuzzTest(maxDuration = "2m")
    void trustedRoot(byte[] input) {
        try {
            TrustedRoot.parse(input);
        } catch (ProvenanceException expected) {
            // refused
        }
    }
}
