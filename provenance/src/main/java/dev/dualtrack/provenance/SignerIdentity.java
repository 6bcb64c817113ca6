package dev.dualtrack.provenance;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;

/**
 * Who a Fulcio certificate says signed: its subject alternative name and the claims Fulcio copied from the OIDC
 * token into extensions under 1.3.6.1.4.1.57264.1.
 *
 * @param san    the single email or URI subject alternative name
 * @param claims Fulcio extension OID suffix ("8", "12", …) to value
 */
public record SignerIdentity(String san, Map<String, String> claims) {
    static final String FULCIO_ARC = "1.3.6.1.4.1.57264.1.";

    /** The OIDC issuer: extension .8 (a DER UTF8String), or the legacy .1 (raw bytes). */
    public String issuer() {
        String v2 = claims.get("8");
        return v2 != null ? v2 : claims.get("1");
    }

    public String claim(String suffix) {
        return claims.get(suffix);
    }

    static SignerIdentity of(X509Certificate leaf) throws ProvenanceException {
        String san = null;
        try {
            Collection<List<?>> names = leaf.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    int type = (Integer) n.get(0);
                    if (type == 1 || type == 6) {
                        if (san != null) {
                            throw ProvenanceException.invalid("signing certificate has more than one identity");
                        }
                        san = (String) n.get(1);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw ProvenanceException.invalid("signing certificate's subject alternative names are unreadable");
        }
        Map<String, String> claims = new LinkedHashMap<>();
        for (int i = 1; i <= 40; i++) {
            byte[] ext = leaf.getExtensionValue(FULCIO_ARC + i);
            if (ext == null) {
                continue;
            }
            byte[] inner = ASN1OctetString.getInstance(ext).getOctets();
            String value;
            if (i <= 6) {
                // The first Fulcio extensions hold the raw bytes of the claim.
                value = new String(inner, java.nio.charset.StandardCharsets.UTF_8);
            } else {
                try {
                    ASN1Primitive p = ASN1Primitive.fromByteArray(inner);
                    if (!(p instanceof ASN1String s)) {
                        throw ProvenanceException.invalid("Fulcio extension ." + i + " is not a string");
                    }
                    value = s.getString();
                } catch (java.io.IOException e) {
                    throw ProvenanceException.invalid("Fulcio extension ." + i + " is not DER");
                }
            }
            claims.put(Integer.toString(i), value);
        }
        return new SignerIdentity(san, Map.copyOf(claims));
    }
}
