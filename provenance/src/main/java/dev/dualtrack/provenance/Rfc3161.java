package dev.dualtrack.provenance;

import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.cms.SignerInformationVerifier;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampToken;

/**
 * RFC 3161 timestamps over a bundle's signature: the time a timestamp authority of the trusted root vouches the
 * signature already existed. Rekor v2 entries carry no time of their own, so there this is the only time.
 */
final class Rfc3161 {
    private Rfc3161() {
    }

    /** Verifies the timestamp response and returns its time. */
    static Instant verify(byte[] response, byte[] signature, List<TrustedRoot.Authority> tsas)
            throws ProvenanceException {
        TimeStampToken token;
        try {
            TimeStampResponse r = new TimeStampResponse(response);
            token = r.getTimeStampToken();
        } catch (Exception e) {
            throw ProvenanceException.invalid("RFC 3161 timestamp is unreadable");
        }
        if (token == null) {
            throw ProvenanceException.invalid("RFC 3161 timestamp response holds no token");
        }
        var imprint = token.getTimeStampInfo().getMessageImprintAlgOID();
        byte[] expected;
        if (imprint.equals(NISTObjectIdentifiers.id_sha256)) {
            expected = Keys.sha256(signature);
        } else if (imprint.equals(NISTObjectIdentifiers.id_sha384) || imprint.equals(NISTObjectIdentifiers.id_sha512)) {
            try {
                expected = MessageDigest.getInstance(imprint.equals(NISTObjectIdentifiers.id_sha384) ? "SHA-384"
                        : "SHA-512").digest(signature);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        } else {
            throw ProvenanceException.invalid("RFC 3161 timestamp uses digest " + imprint + ", not SHA-2");
        }
        if (!MessageDigest.isEqual(expected, token.getTimeStampInfo().getMessageImprintDigest())) {
            throw ProvenanceException.invalid("RFC 3161 timestamp is over another signature");
        }
        Instant time = token.getTimeStampInfo().getGenTime().toInstant();
        String why = "no timestamp authority of the trusted root signed the RFC 3161 timestamp";
        for (TrustedRoot.Authority a : tsas) {
            if (!a.validAt(time)) {
                continue;
            }
            X509Certificate leaf = a.chain().get(0);
            try {
                SignerInformationVerifier v = new JcaSimpleSignerInfoVerifierBuilder().build(leaf);
                // validate() also requires the signer certificate to be valid at the token's time, and to be for
                // time stamping only.
                token.validate(v);
            } catch (Exception e) {
                why = "RFC 3161 timestamp does not verify with " + (a.uri() == null ? "the timestamp authority"
                        : a.uri()) + " (" + e.getMessage() + ")";
                continue;
            }
            if (!chains(a.chain(), time)) {
                why = "the timestamp authority's chain is not valid at " + time;
                continue;
            }
            return time;
        }
        throw ProvenanceException.invalid(why);
    }

    private static boolean chains(List<X509Certificate> chain, Instant t) {
        try {
            for (int i = 0; i < chain.size(); i++) {
                X509Certificate c = chain.get(i);
                c.checkValidity(java.util.Date.from(t));
                c.verify((i + 1 < chain.size() ? chain.get(i + 1) : c).getPublicKey());
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
