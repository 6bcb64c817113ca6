package dev.dualtrack.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenSSF model signing (sigstore/model-transparency): a {@code model.sig} bundle whose DSSE statement lists every
 * file of a model with its digest. Verifying the bundle yields a {@link ModelManifest}; checking files against it
 * is separate, so the proxy can check each file as it streams and {@code scan} can check a whole folder.
 */
public final class ModelSignature {
    public static final String PREDICATE_V1 = "https://model_signing/signature/v1.0";
    public static final String FILE_NAME = "model.sig";

    private ModelSignature() {
    }

    /** Whose signature on a model is believed. */
    public sealed interface Trust permits Sigstore, CertificateAuthority, Key {
    }

    /** A Sigstore signature (Fulcio certificate, Rekor entry) by the identity the policy names. */
    public record Sigstore(TrustedRoot root, IdentityPolicy policy) implements Trust {
    }

    /** A signature by a certificate that chains to one of these private CA certificates (no log). */
    public record CertificateAuthority(List<X509Certificate> anchors) implements Trust {
    }

    /** A signature by this bare public key (no certificate, no log). */
    public record Key(PublicKey key) implements Trust {
    }

    public static ModelManifest verify(byte[] modelSig, Trust trust) throws ProvenanceException {
        Bundle b = Bundle.parse(modelSig);
        if (!(b.content() instanceof Bundle.Dsse)) {
            throw ProvenanceException.invalid("model.sig holds a bare signature, not a signed manifest");
        }
        InTotoStatement st;
        SignerIdentity who = null;
        if (trust instanceof Sigstore s) {
            BundleVerifier.Verified v = new BundleVerifier(s.root()).verify(b, null, s.policy(), true);
            st = v.statement();
            who = v.identity();
        } else if (trust instanceof CertificateAuthority ca) {
            if (b.certificates().isEmpty()) {
                throw ProvenanceException.invalid("model.sig carries no certificate");
            }
            chainToPrivateCa(b.certificates(), ca.anchors());
            st = BundleVerifier.checkSignature(b, b.leaf().getPublicKey(), null);
        } else {
            st = BundleVerifier.checkSignature(b, ((Key) trust).key(), null);
        }
        return manifest(st, who);
    }

    private static void chainToPrivateCa(List<X509Certificate> certs, List<X509Certificate> anchors)
            throws ProvenanceException {
        Set<TrustAnchor> ta = new HashSet<>();
        for (X509Certificate a : anchors) {
            ta.add(new TrustAnchor(a, null));
        }
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate c : certs) {
            if (!anchors.contains(c)) {
                path.add(c);
            }
        }
        try {
            PKIXParameters p = new PKIXParameters(ta);
            p.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509")
                    .generateCertPath(path), p);
        } catch (GeneralSecurityException e) {
            throw ProvenanceException.invalid("model.sig's certificate does not chain to the configured CA ("
                    + e.getMessage() + ")");
        }
    }

    static ModelManifest manifest(InTotoStatement st, SignerIdentity who) throws ProvenanceException {
        if (!PREDICATE_V1.equals(st.predicateType())) {
            throw ProvenanceException.invalid("model.sig predicate " + st.predicateType() + " is not "
                    + PREDICATE_V1 + " (pre-1.0 signatures are not accepted)");
        }
        JsonNode pred = st.predicate();
        if (pred == null || !pred.isObject()) {
            throw ProvenanceException.invalid("model.sig statement has no predicate");
        }
        JsonNode ser = Json.object(pred, "serialization", "model.sig predicate");
        String method = Json.text(ser, "method", "model.sig serialization");
        String hash = Json.text(ser, "hash_type", "model.sig serialization");
        List<String> ignore = new ArrayList<>();
        JsonNode ig = ser.get("ignore_paths");
        if (ig != null && ig.isArray()) {
            for (JsonNode p : ig) {
                ignore.add(p.asText());
            }
        }
        Map<String, byte[]> resources = new LinkedHashMap<>();
        MessageDigest all;
        try {
            all = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (JsonNode r : Json.array(pred, "resources", "model.sig predicate")) {
            String name = Json.text(r, "name", "model.sig resource");
            String alg = Json.text(r, "algorithm", "model.sig resource");
            // Shards name their algorithm after the hash and the shard size (sha256-sharded-1000000000) and their
            // resource after the byte range (path:start:end).
            if (!alg.equals(hash) && !(method.equals("shards") && alg.startsWith(hash + "-sharded-"))) {
                throw ProvenanceException.invalid("model.sig resource " + name + " uses " + alg + ", not " + hash);
            }
            byte[] digest;
            try {
                digest = HexFormat.of().parseHex(Json.text(r, "digest", "model.sig resource"));
            } catch (IllegalArgumentException e) {
                throw ProvenanceException.invalid("model.sig resource " + name + " digest is not hex");
            }
            if (resources.put(name, digest) != null) {
                throw ProvenanceException.invalid("model.sig lists " + name + " twice");
            }
            all.update(digest);
        }
        if (st.subjects().size() != 1 || st.subjects().get(0).sha256() == null) {
            throw ProvenanceException.invalid("model.sig statement must have one subject with a SHA-256");
        }
        if (hash.equals("sha256") && !MessageDigest.isEqual(all.digest(), st.subjects().get(0).sha256())) {
            // Both serializations make the subject the sha256 of the resource digests in order.
            throw ProvenanceException.invalid("model.sig subject digest does not cover its resources");
        }
        String model = st.subjects().get(0).name() == null ? "" : st.subjects().get(0).name();
        return new ModelManifest(method, hash, resources, List.copyOf(ignore), who, model);
    }
}
