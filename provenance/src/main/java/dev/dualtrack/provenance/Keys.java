package dev.dualtrack.provenance;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/** Public keys, certificates and signature checks, all through the JDK's JCA; BouncyCastle only reads ASN.1. */
final class Keys {
    private Keys() {
    }

    static PublicKey publicKey(byte[] spki, String what) throws ProvenanceException {
        String alg;
        try {
            ASN1ObjectIdentifier oid = SubjectPublicKeyInfo.getInstance(spki).getAlgorithm().getAlgorithm();
            if (oid.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
                alg = "EC";
            } else if (oid.equals(EdECObjectIdentifiers.id_Ed25519)) {
                alg = "Ed25519";
            } else if (oid.equals(PKCSObjectIdentifiers.rsaEncryption)) {
                alg = "RSA";
            } else {
                throw ProvenanceException.invalid(what + " uses key algorithm " + oid + ", which is not supported");
            }
            return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException | IllegalArgumentException | IllegalStateException e) {
            throw ProvenanceException.invalid(what + " is not a readable public key");
        }
    }

    /** Trusted roots give some RSA keys as a bare PKCS#1 RSAPublicKey; wraps one into a SubjectPublicKeyInfo. */
    static byte[] spkiOfPkcs1Rsa(byte[] pkcs1, String what) throws ProvenanceException {
        try {
            return new SubjectPublicKeyInfo(new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                    PKCSObjectIdentifiers.rsaEncryption, org.bouncycastle.asn1.DERNull.INSTANCE),
                    org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(pkcs1)).getEncoded();
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw ProvenanceException.invalid(what + " is not a PKCS#1 RSA public key");
        }
    }

    static PublicKey pemPublicKey(String pem, String what) throws ProvenanceException {
        return publicKey(pemBlocks(pem, "PUBLIC KEY", what).get(0), what);
    }

    static X509Certificate certificate(byte[] der, String what) throws ProvenanceException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | ClassCastException e) {
            throw ProvenanceException.invalid(what + " is not a readable X.509 certificate");
        }
    }

    static List<X509Certificate> pemCertificates(String pem, String what) throws ProvenanceException {
        List<X509Certificate> out = new ArrayList<>();
        for (byte[] der : pemBlocks(pem, "CERTIFICATE", what)) {
            out.add(certificate(der, what));
        }
        return out;
    }

    /** The DER bodies of every {@code -----BEGIN <label>-----} block, in order. */
    static List<byte[]> pemBlocks(String pem, String label, String what) throws ProvenanceException {
        List<byte[]> out = new ArrayList<>();
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int at = 0;
        while ((at = pem.indexOf(begin, at)) >= 0) {
            int stop = pem.indexOf(end, at);
            if (stop < 0) {
                throw ProvenanceException.invalid(what + " has an unterminated PEM block");
            }
            String body = pem.substring(at + begin.length(), stop).replaceAll("\\s", "");
            out.add(Json.decode(body, what));
            at = stop + end.length();
        }
        if (out.isEmpty()) {
            throw ProvenanceException.invalid(what + " holds no PEM " + label);
        }
        return out;
    }

    static String pem(X509Certificate c) {
        try {
            return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                    .encodeToString(c.getEncoded()) + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Verifies {@code sig} over {@code data} with {@code key}: ECDSA with the hash its curve's Sigstore key
     * details name (P-256: SHA-256, P-384: SHA-384, P-521: SHA-512), Ed25519 over the raw message, RSA PKCS#1
     * with SHA-256.
     */
    static boolean verify(PublicKey key, byte[] data, byte[] sig) {
        try {
            Signature s = Signature.getInstance(algorithm(key));
            s.initVerify(key);
            s.update(data);
            return s.verify(sig);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Verifies an ECDSA signature over a message of which only its SHA-256 digest is known. */
    static boolean verifyPrehashed(PublicKey key, byte[] sha256, byte[] sig) {
        if (!"EC".equals(key.getAlgorithm()) || ecBits(key) != 256) {
            return false;
        }
        try {
            Signature s = Signature.getInstance("NONEwithECDSA");
            s.initVerify(key);
            s.update(sha256);
            return s.verify(sig);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    static String algorithm(PublicKey key) {
        return switch (key.getAlgorithm()) {
            case "EC" -> switch (ecBits(key)) {
                case 384 -> "SHA384withECDSA";
                case 521 -> "SHA512withECDSA";
                default -> "SHA256withECDSA";
            };
            case "EdDSA", "Ed25519" -> "Ed25519";
            default -> "SHA256withRSA";
        };
    }

    static int ecBits(PublicKey key) {
        return key instanceof java.security.interfaces.ECPublicKey ec
                ? ec.getParams().getCurve().getField().getFieldSize() : 0;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }
}
