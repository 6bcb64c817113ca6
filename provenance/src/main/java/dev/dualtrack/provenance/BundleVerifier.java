package dev.dualtrack.provenance;

import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Verifies a Sigstore bundle offline against a trusted root, in the order of the Sigstore client spec:
 * <ol>
 *   <li>the transparency-log entries (signed entry timestamp, inclusion proof, checkpoint, logged body);</li>
 *   <li>RFC 3161 timestamps;</li>
 *   <li>the certificate chain to a Fulcio CA at every verified time, and its SCT;</li>
 *   <li>the signature (message, or DSSE over PAE) with the certificate's key;</li>
 *   <li>the identity, last, so that "signed by someone else" is only said of a signature that verifies.</li>
 * </ol>
 * What was signed (the statement's subject) is the caller's to bind: {@link Verified#statement()}.
 */
public final class BundleVerifier {
    private final TrustedRoot root;

    public BundleVerifier(TrustedRoot root) {
        this.root = root;
    }

    /** A bundle that verified: who signed it, and for a DSSE bundle, the statement it signed. */
    public record Verified(SignerIdentity identity, InTotoStatement statement, List<Instant> times) {
    }

    /**
     * Verifies a bundle for an artifact: a message signature over it, or an in-toto statement that names it among
     * its subjects.
     */
    public Verified verifyArtifact(Bundle bundle, byte[] artifactSha256, IdentityPolicy policy)
            throws ProvenanceException {
        Verified v = verify(bundle, artifactSha256, policy, bundle.proofRequired());
        if (v.statement() != null && v.statement().subjects().stream()
                .noneMatch(s -> s.sha256() != null && MessageDigest.isEqual(s.sha256(), artifactSha256))) {
            throw ProvenanceException.invalid("the signed statement does not name the artifact's SHA-256");
        }
        return v;
    }

    /**
     * @param artifactSha256 the SHA-256 of the signed artifact, for a message signature or a hashedrekord entry;
     *                       for a DSSE bundle, the statement carries the subject and this may be null
     * @param proofRequired  false only for v0.1 bundles, which may lack an inclusion proof
     */
    public Verified verify(Bundle bundle, byte[] artifactSha256, IdentityPolicy policy, boolean proofRequired)
            throws ProvenanceException {
        X509Certificate leaf = bundle.leaf();
        if (leaf == null) {
            throw ProvenanceException.invalid("a Sigstore bundle must carry its signing certificate");
        }
        if (bundle.content() instanceof Bundle.MessageSignature ms) {
            if (artifactSha256 == null) {
                throw ProvenanceException.invalid("a message signature needs the artifact's digest");
            }
            if (ms.digest() != null && !MessageDigest.isEqual(ms.digest(), artifactSha256)) {
                throw ProvenanceException.invalid("the bundle's message digest is not the artifact's SHA-256");
            }
        }
        if (bundle.tlogEntries().isEmpty()) {
            throw ProvenanceException.invalid("the bundle has no transparency-log entry");
        }
        List<Instant> times = new ArrayList<>();
        for (TlogEntry e : bundle.tlogEntries()) {
            Instant t = TlogVerifier.verify(e, bundle, artifactSha256, root, proofRequired);
            if (t != null) {
                times.add(t);
            }
        }
        for (byte[] ts : bundle.rfc3161Timestamps()) {
            times.add(Rfc3161.verify(ts, bundle.content().signature(), root.timestampAuthorities()));
        }
        if (times.isEmpty()) {
            throw ProvenanceException.invalid("no verified time: the log entry has no signed timestamp and there is "
                    + "no RFC 3161 timestamp");
        }
        for (TlogEntry e : bundle.tlogEntries()) {
            // A Rekor v2 entry carries no time of its own: its log's key must have been in service when the
            // timestamps say the signature existed (a v1 entry's integrated time was checked with its SET).
            TrustedRoot.LogKey log = root.tlog(e.logId()).orElseThrow();
            if (!times.stream().allMatch(log::validAt)) {
                throw ProvenanceException.invalid("transparency log " + log.baseUrl() + " was not in service at the "
                        + "signing time");
            }
        }
        X509Certificate issuer = CertificateChecks.chain(leaf, root.certificateAuthorities(), times, true);
        CertificateChecks.sct(leaf, issuer, root);
        InTotoStatement statement = checkSignature(bundle, leaf.getPublicKey(), artifactSha256);
        SignerIdentity who = SignerIdentity.of(leaf);
        if (who.san() == null) {
            throw ProvenanceException.invalid("the signing certificate names no identity");
        }
        policy.check(who);
        return new Verified(who, statement, List.copyOf(times));
    }

    /** Checks the bundle's signature with {@code key}; returns the DSSE statement, if any. */
    static InTotoStatement checkSignature(Bundle bundle, java.security.PublicKey key, byte[] artifactSha256)
            throws ProvenanceException {
        if (bundle.content() instanceof Bundle.MessageSignature ms) {
            if (!Keys.verifyPrehashed(key, artifactSha256, ms.signature())) {
                throw ProvenanceException.invalid("the signature does not verify over the artifact");
            }
            return null;
        }
        Bundle.Dsse d = (Bundle.Dsse) bundle.content();
        if (!Keys.verify(key, d.pae(), d.signature())) {
            throw ProvenanceException.invalid("the DSSE envelope's signature does not verify");
        }
        if (!d.payloadType().equals(InTotoStatement.MEDIA_TYPE)) {
            throw ProvenanceException.invalid("the DSSE payload is " + d.payloadType() + ", not an in-toto statement");
        }
        return InTotoStatement.parse(d.payload());
    }
}
