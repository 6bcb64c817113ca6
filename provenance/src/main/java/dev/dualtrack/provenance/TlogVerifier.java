package dev.dualtrack.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Checks one transparency-log entry offline: that a log the root trusts holds it (signed entry timestamp,
 * inclusion proof, checkpoint) and that what it logged is what the bundle carries (same signature, same
 * certificate, same digest).
 */
final class TlogVerifier {
    private TlogVerifier() {
    }

    /**
     * @param proofRequired bundles from v0.2 on must carry an inclusion proof with its checkpoint; v0.1 bundles
     *                      may rely on the signed entry timestamp alone
     * @return the entry's integrated time when its signed entry timestamp verified, else null (Rekor v2)
     */
    static Instant verify(TlogEntry e, Bundle bundle, byte[] artifactSha256, TrustedRoot root, boolean proofRequired)
            throws ProvenanceException {
        TrustedRoot.LogKey log = root.tlog(e.logId()).orElseThrow(() -> ProvenanceException.invalid(
                "transparency log " + Base64.getEncoder().encodeToString(e.logId()) + " is not in the trusted root"));
        checkBody(e, bundle, artifactSha256);
        boolean v2 = e.version().equals("0.0.2");
        Instant integrated = null;
        if (e.signedEntryTimestamp() != null) {
            String payload = "{\"body\":\"" + Base64.getEncoder().encodeToString(e.canonicalizedBody())
                    + "\",\"integratedTime\":" + e.integratedTime() + ",\"logID\":\"" + HexFormat.of().formatHex(
                    e.logId()) + "\",\"logIndex\":" + e.logIndex() + "}";
            if (!Keys.verify(log.key(), payload.getBytes(StandardCharsets.UTF_8), e.signedEntryTimestamp())) {
                throw ProvenanceException.invalid("the signed entry timestamp of log entry " + e.logIndex()
                        + " does not verify");
            }
            integrated = Instant.ofEpochSecond(e.integratedTime());
            if (!log.validAt(integrated)) {
                throw ProvenanceException.invalid("log entry " + e.logIndex() + " was integrated outside the log "
                        + "key's validity");
            }
        } else if (!v2 && e.proof() == null) {
            throw ProvenanceException.invalid("log entry " + e.logIndex() + " has neither a signed entry timestamp "
                    + "nor an inclusion proof");
        }
        if (e.proof() == null) {
            if (proofRequired || v2) {
                throw ProvenanceException.invalid("log entry " + e.logIndex() + " has no inclusion proof");
            }
            return integrated;
        }
        TlogEntry.InclusionProof p = e.proof();
        if (!Merkle.verifyInclusion(p.logIndex(), p.treeSize(), Merkle.leafHash(e.canonicalizedBody()), p.hashes(),
                p.rootHash())) {
            throw ProvenanceException.invalid("the inclusion proof of log entry " + e.logIndex()
                    + " does not lead to its root hash");
        }
        if (p.checkpoint() == null) {
            if (proofRequired || v2) {
                throw ProvenanceException.invalid("log entry " + e.logIndex() + " has no checkpoint");
            }
            return integrated;
        }
        Checkpoint cp = Checkpoint.verify(p.checkpoint(), log);
        if (cp.size() != p.treeSize() || !MessageDigest.isEqual(cp.rootHash(), p.rootHash())) {
            throw ProvenanceException.invalid("the checkpoint of log entry " + e.logIndex()
                    + " is for another tree than its inclusion proof");
        }
        return integrated;
    }

    /** The logged body must describe this bundle's signature, key and content. */
    private static void checkBody(TlogEntry e, Bundle bundle, byte[] artifactSha256) throws ProvenanceException {
        JsonNode body = Json.parse(e.canonicalizedBody(), "log entry body");
        String kind = Json.text(body, "kind", "log entry body");
        String version = Json.text(body, "apiVersion", "log entry body");
        if (!kind.equals(e.kind()) || !version.equals(e.version())) {
            throw ProvenanceException.invalid("log entry body is " + kind + " " + version + " but the entry says "
                    + e.kind() + " " + e.version());
        }
        JsonNode spec = Json.object(body, "spec", "log entry body");
        Bundle.Content c = bundle.content();
        String what = kind + " " + version + " log entry";
        switch (kind + " " + version) {
            case "hashedrekord 0.0.1" -> {
                JsonNode sig = Json.object(spec, "signature", what);
                same(Json.base64(sig, "content", what), c.signature(), what, "signature");
                sameKey(new String(Json.base64(Json.object(sig, "publicKey", what), "content", what),
                        StandardCharsets.UTF_8), bundle, what);
                JsonNode hash = Json.object(Json.object(spec, "data", what), "hash", what);
                requireSha256(Json.text(hash, "algorithm", what), what);
                same(hexBytes(Json.text(hash, "value", what), what), signedDigest(bundle, artifactSha256), what,
                        "artifact digest");
            }
            case "hashedrekord 0.0.2" -> {
                JsonNode v = Json.object(spec, "hashedRekordV002", what);
                JsonNode data = Json.object(v, "data", what);
                requireSha256(Json.text(data, "algorithm", what), what);
                same(Json.base64(data, "digest", what), signedDigest(bundle, artifactSha256), what, "digest");
                JsonNode sig = Json.object(v, "signature", what);
                same(Json.base64(sig, "content", what), c.signature(), what, "signature");
                sameVerifier(Json.object(sig, "verifier", what), bundle, what);
            }
            case "dsse 0.0.1" -> {
                Bundle.Dsse d = dsse(c, what);
                JsonNode ph = Json.object(spec, "payloadHash", what);
                requireSha256(Json.text(ph, "algorithm", what), what);
                same(hexBytes(Json.text(ph, "value", what), what), Keys.sha256(d.payload()), what, "payload hash");
                JsonNode s = signedBy(Json.array(spec, "signatures", what), d, what,
                        n -> Json.base64(n, "signature", what));
                sameKey(new String(Json.base64(s, "verifier", what), StandardCharsets.UTF_8), bundle, what);
            }
            case "dsse 0.0.2" -> {
                Bundle.Dsse d = dsse(c, what);
                JsonNode v = Json.object(spec, "dsseV002", what);
                JsonNode ph = Json.object(v, "payloadHash", what);
                requireSha256(Json.text(ph, "algorithm", what), what);
                same(Json.base64(ph, "digest", what), Keys.sha256(d.payload()), what, "payload hash");
                JsonNode s = signedBy(Json.array(v, "signatures", what), d, what, n -> Json.base64(n, "content", what));
                sameVerifier(Json.object(s, "verifier", what), bundle, what);
            }
            case "intoto 0.0.2" -> {
                Bundle.Dsse d = dsse(c, what);
                JsonNode content = Json.object(spec, "content", what);
                JsonNode env = Json.object(content, "envelope", what);
                // intoto 0.0.2 stores the envelope's base64 fields base64-encoded once more.
                same(twice(Json.text(env, "payload", what), what), d.payload(), what, "payload");
                JsonNode s = signedBy(Json.array(env, "signatures", what), d, what,
                        n -> twice(Json.text(n, "sig", what), what));
                sameKey(new String(Json.base64(s, "publicKey", what), StandardCharsets.UTF_8), bundle, what);
                JsonNode ph = content.get("payloadHash");
                if (ph != null) {
                    requireSha256(Json.text(ph, "algorithm", what), what);
                    same(hexBytes(Json.text(ph, "value", what), what), Keys.sha256(d.payload()), what,
                            "payload hash");
                }
            }
            default -> throw ProvenanceException.invalid("log entries of kind " + kind + " " + version
                    + " are not supported");
        }
    }

    /** Reads one field of a logged signature entry. */
    private interface SignatureField {
        byte[] of(JsonNode entry) throws ProvenanceException;
    }

    /** The logged signature entry that holds the envelope's signature; every entry that does must have its key. */
    private static JsonNode signedBy(JsonNode entries, Bundle.Dsse d, String what, SignatureField sig)
            throws ProvenanceException {
        for (JsonNode e : entries) {
            if (Arrays.equals(sig.of(e), d.signature())) {
                return e;
            }
        }
        throw ProvenanceException.invalid(what + " does not hold the envelope's signature");
    }

    /** What a hashedrekord entry records: the artifact's digest, or for a DSSE envelope, that of its PAE. */
    private static byte[] signedDigest(Bundle bundle, byte[] artifactSha256) {
        return bundle.content() instanceof Bundle.Dsse d ? Keys.sha256(d.pae()) : artifactSha256;
    }

    private static Bundle.Dsse dsse(Bundle.Content c, String what) throws ProvenanceException {
        if (c instanceof Bundle.Dsse d) {
            return d;
        }
        throw ProvenanceException.invalid(what + " logs a DSSE envelope, but the bundle holds a message signature");
    }

    private static byte[] twice(String b64, String what) throws ProvenanceException {
        return Json.decode(new String(Json.decode(b64, what), StandardCharsets.US_ASCII), what);
    }

    private static void sameKey(String pem, Bundle bundle, String what) throws ProvenanceException {
        X509Certificate leaf = bundle.leaf();
        if (leaf == null) {
            throw ProvenanceException.invalid(what + " names a certificate, but the bundle has none");
        }
        try {
            if (!Arrays.equals(Keys.pemCertificates(pem, what).get(0).getEncoded(), leaf.getEncoded())) {
                throw ProvenanceException.invalid(what + " was logged with another certificate");
            }
        } catch (CertificateEncodingException e) {
            throw ProvenanceException.invalid(what + " certificate is unreadable");
        }
    }

    private static void sameVerifier(JsonNode verifier, Bundle bundle, String what) throws ProvenanceException {
        JsonNode cert = verifier.get("x509Certificate");
        if (cert == null || bundle.leaf() == null) {
            throw ProvenanceException.invalid(what + " verifier is not the bundle's certificate");
        }
        try {
            same(Json.base64(cert, "rawBytes", what), bundle.leaf().getEncoded(), what, "certificate");
        } catch (CertificateEncodingException e) {
            throw ProvenanceException.invalid(what + " certificate is unreadable");
        }
    }

    private static void requireSha256(String alg, String what) throws ProvenanceException {
        if (!alg.equalsIgnoreCase("sha256") && !alg.equals("SHA2_256")) {
            throw ProvenanceException.invalid(what + " uses digest " + alg + "; only SHA-256 is supported");
        }
    }

    private static byte[] hexBytes(String hex, String what) throws ProvenanceException {
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw ProvenanceException.invalid(what + " digest is not hex");
        }
    }

    private static void same(byte[] logged, byte[] actual, String what, String part) throws ProvenanceException {
        if (actual == null || !MessageDigest.isEqual(logged, actual)) {
            throw ProvenanceException.invalid(what + " records another " + part + " than the bundle's");
        }
    }
}
