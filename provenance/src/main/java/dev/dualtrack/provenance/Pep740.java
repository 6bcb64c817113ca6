package dev.dualtrack.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * PEP 740 index-hosted attestations: one attestation binds one distribution file (by filename and SHA-256) to
 * the identity that signed it; a provenance object groups a file's attestations by Trusted Publisher.
 */
public final class Pep740 {
    public static final String PUBLISH_V1 = "https://docs.pypi.org/attestations/publish/v1";
    public static final String SLSA_V1 = "https://slsa.dev/provenance/v1";
    private static final Set<String> PREDICATES = Set.of(PUBLISH_V1, SLSA_V1);

    private final BundleVerifier verifier;

    public Pep740(TrustedRoot root) {
        this.verifier = new BundleVerifier(root);
    }

    /** A publisher group of a provenance object: its publisher as PyPI reported it, and its attestations. */
    public record AttestationBundle(JsonNode publisher, List<Bundle> attestations) {
    }

    /**
     * Verifies one attestation (or the Sigstore bundle it was made from) for the distribution {@code filename}
     * whose bytes hash to {@code sha256}.
     */
    public BundleVerifier.Verified verify(byte[] attestationOrBundle, String filename, byte[] sha256,
            IdentityPolicy policy) throws ProvenanceException {
        JsonNode root = Json.parse(attestationOrBundle, "attestation");
        Bundle b = root.has("mediaType") ? Bundle.parse(attestationOrBundle) : Bundle.fromPep740(root);
        return verify(b, filename, sha256, policy);
    }

    public BundleVerifier.Verified verify(Bundle attestation, String filename, byte[] sha256, IdentityPolicy policy)
            throws ProvenanceException {
        if (!(attestation.content() instanceof Bundle.Dsse)) {
            throw ProvenanceException.invalid("a PEP 740 attestation is a DSSE envelope, not a bare signature");
        }
        BundleVerifier.Verified v = verifier.verify(attestation, null, policy, true);
        InTotoStatement st = v.statement();
        if (!PREDICATES.contains(st.predicateType())) {
            throw ProvenanceException.invalid("attestation predicate " + st.predicateType()
                    + " is neither PyPI publish v1 nor SLSA provenance v1");
        }
        if (st.subjects().size() != 1) {
            throw ProvenanceException.invalid("attestation has " + st.subjects().size() + " subjects, not one");
        }
        InTotoStatement.Subject s = st.subjects().get(0);
        if (s.name() == null || !DistributionName.parse(s.name()).equals(DistributionName.parse(filename))) {
            throw ProvenanceException.invalid("attestation is for " + s.name() + ", not " + filename);
        }
        if (s.sha256() == null || !MessageDigest.isEqual(s.sha256(), sha256)) {
            throw ProvenanceException.invalid("attestation subject's SHA-256 is not that of " + filename);
        }
        return v;
    }

    /** Parses a provenance object ({@code application/vnd.pypi.integrity.v1+json}). */
    public static List<AttestationBundle> parseProvenance(byte[] json) throws ProvenanceException {
        JsonNode root = Json.parse(json, "provenance");
        if (Json.int64(root, "version", "provenance", true) != 1) {
            throw ProvenanceException.invalid("provenance version is not 1");
        }
        List<AttestationBundle> out = new ArrayList<>();
        for (JsonNode b : Json.array(root, "attestation_bundles", "provenance")) {
            JsonNode publisher = Json.object(b, "publisher", "provenance bundle");
            List<Bundle> atts = new ArrayList<>();
            for (JsonNode a : Json.array(b, "attestations", "provenance bundle")) {
                atts.add(Bundle.fromPep740(a));
            }
            out.add(new AttestationBundle(publisher, List.copyOf(atts)));
        }
        if (out.isEmpty() || out.stream().allMatch(b -> b.attestations().isEmpty())) {
            throw ProvenanceException.invalid("provenance holds no attestation");
        }
        return List.copyOf(out);
    }

    /**
     * Verifies every attestation of a provenance object for the file; all must verify and satisfy the policy
     * (one good attestation beside a forged one is not provenance, it is an attack to investigate).
     */
    public List<BundleVerifier.Verified> verifyProvenance(byte[] provenance, String filename, byte[] sha256,
            IdentityPolicy policy) throws ProvenanceException {
        List<BundleVerifier.Verified> out = new ArrayList<>();
        for (AttestationBundle b : parseProvenance(provenance)) {
            for (Bundle a : b.attestations()) {
                out.add(verify(a, filename, sha256, policy));
            }
        }
        return out;
    }
}
