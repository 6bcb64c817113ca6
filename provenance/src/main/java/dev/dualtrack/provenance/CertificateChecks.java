package dev.dualtrack.provenance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;

/** The signing certificate's chain to a trusted authority, and its embedded certificate-transparency proofs. */
final class CertificateChecks {
    static final String SCT_LIST_OID = "1.3.6.1.4.1.11129.2.4.2";
    private static final String CODE_SIGNING = "1.3.6.1.5.5.7.3.3";

    private CertificateChecks() {
    }

    /**
     * Validates {@code leaf} (with any intermediates the bundle carried) up to the root of an authority the trusted
     * root lists, at each of {@code times}. Returns the certificate that issued the leaf.
     */
    static X509Certificate chain(X509Certificate leaf, List<TrustedRoot.Authority> authorities, List<Instant> times,
            boolean requireCodeSigning) throws ProvenanceException {
        if (requireCodeSigning) {
            try {
                List<String> eku = leaf.getExtendedKeyUsage();
                if (eku == null || !eku.contains(CODE_SIGNING)) {
                    throw ProvenanceException.invalid("signing certificate is not for code signing");
                }
            } catch (java.security.cert.CertificateParsingException e) {
                throw ProvenanceException.invalid("signing certificate's key usage is unreadable");
            }
        }
        String last = "no certificate authority in the trusted root";
        for (TrustedRoot.Authority a : authorities) {
            if (!times.stream().allMatch(a::validAt)) {
                last = "no certificate authority of the trusted root was valid at the signing time";
                continue;
            }
            List<X509Certificate> chain = a.chain();
            X509Certificate anchor = chain.get(chain.size() - 1);
            List<X509Certificate> path = new ArrayList<>();
            path.add(leaf);
            path.addAll(chain.subList(0, chain.size() - 1));
            if (path.size() == 1 && leaf.equals(anchor)) {
                continue;
            }
            try {
                PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
                params.setRevocationEnabled(false);
                CertPathValidator v = CertPathValidator.getInstance("PKIX");
                CertificateFactory cf = CertificateFactory.getInstance("X.509");
                for (Instant t : times) {
                    params.setDate(Date.from(t));
                    v.validate(cf.generateCertPath(path), params);
                }
                return path.size() > 1 ? path.get(1) : anchor;
            } catch (GeneralSecurityException e) {
                last = "the signing certificate does not chain to " + (a.uri() == null ? "a trusted authority"
                        : a.uri()) + " at the signing time (" + e.getMessage() + ")";
            }
        }
        throw ProvenanceException.invalid(last);
    }

    /** At least one embedded SCT must verify against a CT log of the trusted root. */
    static void sct(X509Certificate leaf, X509Certificate issuer, TrustedRoot root) throws ProvenanceException {
        byte[] ext = leaf.getExtensionValue(SCT_LIST_OID);
        if (ext == null) {
            throw ProvenanceException.invalid("signing certificate has no certificate-transparency timestamp");
        }
        ByteBuffer list;
        byte[] tbs;
        try {
            list = ByteBuffer.wrap(ASN1OctetString.getInstance(
                    ASN1OctetString.getInstance(ext).getOctets()).getOctets());
            tbs = precertificateTbs(leaf);
        } catch (IllegalArgumentException | IOException | java.security.cert.CertificateEncodingException e) {
            throw ProvenanceException.invalid("signing certificate's SCT list is unreadable");
        }
        byte[] issuerKeyHash = Keys.sha256(issuer.getPublicKey().getEncoded());
        String why = "no SCT is from a CT log of the trusted root";
        try {
            int total = u16(list);
            if (total != list.remaining()) {
                throw ProvenanceException.invalid("signing certificate's SCT list has a wrong length");
            }
            while (list.hasRemaining()) {
                int len = u16(list);
                ByteBuffer sct = list.slice(list.position(), len);
                list.position(list.position() + len);
                int version = sct.get() & 0xff;
                byte[] logId = new byte[32];
                sct.get(logId);
                long timestamp = sct.getLong();
                byte[] exts = new byte[u16(sct)];
                sct.get(exts);
                sct.get(); // hash algorithm
                sct.get(); // signature algorithm
                byte[] sig = new byte[u16(sct)];
                sct.get(sig);
                if (version != 0) {
                    continue;
                }
                var log = root.ctlog(logId);
                if (log.isEmpty()) {
                    continue;
                }
                ByteBuffer signed = ByteBuffer.allocate(1 + 1 + 8 + 2 + 32 + 3 + tbs.length + 2 + exts.length);
                signed.put((byte) 0).put((byte) 0).putLong(timestamp).putShort((short) 1).put(issuerKeyHash);
                signed.put((byte) (tbs.length >>> 16)).put((byte) (tbs.length >>> 8)).put((byte) tbs.length);
                signed.put(tbs).putShort((short) exts.length).put(exts);
                if (!log.get().validAt(Instant.ofEpochMilli(timestamp))) {
                    why = "the SCT's CT log key was not valid at its timestamp";
                    continue;
                }
                if (Keys.verify(log.get().key(), signed.array(), sig)) {
                    return;
                }
                why = "the SCT signature does not verify";
            }
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw ProvenanceException.invalid("signing certificate's SCT list is truncated");
        }
        throw ProvenanceException.invalid(why);
    }

    /** The TBSCertificate as the CT log signed it: without the SCT list extension. */
    private static byte[] precertificateTbs(X509Certificate leaf)
            throws IOException, java.security.cert.CertificateEncodingException {
        ASN1Sequence tbs = ASN1Sequence.getInstance(leaf.getTBSCertificate());
        ASN1EncodableVector out = new ASN1EncodableVector();
        for (ASN1Encodable e : tbs) {
            if (e instanceof ASN1TaggedObject t && t.getTagNo() == 3) {
                Extensions exts = Extensions.getInstance(t.getExplicitBaseObject());
                ASN1EncodableVector kept = new ASN1EncodableVector();
                for (var oid : exts.getExtensionOIDs()) {
                    if (!oid.getId().equals(SCT_LIST_OID)) {
                        Extension x = exts.getExtension(oid);
                        kept.add(x);
                    }
                }
                out.add(new DERTaggedObject(true, 3, new DERSequence(kept)));
            } else {
                out.add(e);
            }
        }
        return new DERSequence(out).getEncoded(ASN1Encoding.DER);
    }

    private static int u16(ByteBuffer b) {
        return b.getShort() & 0xffff;
    }
}
