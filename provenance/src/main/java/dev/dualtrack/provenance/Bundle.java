package dev.dualtrack.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * A Sigstore bundle, whichever of its spellings it came in: bundle JSON v0.1 to v0.3, or a PEP 740 attestation
 * (which carries the same parts under other names). Parsing checks shape only; {@link BundleVerifier} decides.
 *
 * @param certificates the signing certificate first, then any chain the bundle carries; empty for a bare key
 * @param mediaType    the bundle's media type, or {@value #PEP740} for a PEP 740 attestation
 * @param keyHint      the public-key hint of a bundle signed by a bare key, else null
 */
public record Bundle(String mediaType, List<X509Certificate> certificates, String keyHint, Content content, List<TlogEntry> tlogEntries,
        List<byte[]> rfc3161Timestamps) {

    public static final String PEP740 = "pep740";

    /** Bundles v0.1 may rely on the signed entry timestamp alone; later ones must prove inclusion. */
    public boolean proofRequired() {
        return !mediaType.equals("application/vnd.dev.sigstore.bundle+json;version=0.1");
    }

    /** What was signed. */
    public sealed interface Content permits MessageSignature, Dsse {
        byte[] signature();
    }

    /** A signature over the artifact's bytes, with the digest the signer claims for them. */
    public record MessageSignature(String digestAlgorithm, byte[] digest, byte[] signature) implements Content {
    }

    /** A DSSE envelope with one signature over PAE(payloadType, payload). */
    public record Dsse(String payloadType, byte[] payload, byte[] signature) implements Content {
        /** DSSE's pre-authentication encoding: what the signature covers. */
        public byte[] pae() {
            byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
            byte[] head = ("DSSEv1 " + type.length + " " + payloadType + " " + payload.length + " ")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[head.length + payload.length];
            System.arraycopy(head, 0, out, 0, head.length);
            System.arraycopy(payload, 0, out, head.length, payload.length);
            return out;
        }
    }

    public X509Certificate leaf() {
        return certificates.isEmpty() ? null : certificates.get(0);
    }

    /** A Sigstore bundle ({@code application/vnd.dev.sigstore.bundle…}). */
    public static Bundle parse(byte[] json) throws ProvenanceException {
        JsonNode root = Json.parse(json, "bundle");
        String media = Json.text(root, "mediaType", "bundle");
        if (!media.startsWith("application/vnd.dev.sigstore.bundle")) {
            throw ProvenanceException.invalid("bundle media type '" + media + "' is not a Sigstore bundle");
        }
        String what = "bundle";
        JsonNode vm = Json.object(root, "verificationMaterial", what);
        List<X509Certificate> certs = new ArrayList<>();
        String hint = null;
        if (vm.has("certificate")) {
            certs.add(Keys.certificate(Json.base64(Json.object(vm, "certificate", what), "rawBytes", what
                    + " certificate"), what + " certificate"));
        } else if (vm.has("x509CertificateChain")) {
            for (JsonNode c : Json.array(Json.object(vm, "x509CertificateChain", what), "certificates", what)) {
                certs.add(Keys.certificate(Json.base64(c, "rawBytes", what + " certificate"), what + " certificate"));
            }
            if (certs.isEmpty()) {
                throw ProvenanceException.invalid("bundle has an empty certificate chain");
            }
        } else if (vm.has("publicKey")) {
            hint = Json.optionalText(Json.object(vm, "publicKey", what), "hint");
            hint = hint == null ? "" : hint;
        } else {
            throw ProvenanceException.invalid("bundle has no certificate, chain or public key");
        }
        List<TlogEntry> entries = new ArrayList<>();
        JsonNode tl = vm.get("tlogEntries");
        if (tl != null && !tl.isNull()) {
            if (!tl.isArray()) {
                throw ProvenanceException.invalid("bundle tlogEntries is not an array");
            }
            for (JsonNode e : tl) {
                entries.add(TlogEntry.parse(e));
            }
        }
        List<byte[]> stamps = new ArrayList<>();
        JsonNode tvd = vm.get("timestampVerificationData");
        if (tvd != null && tvd.isObject() && tvd.has("rfc3161Timestamps")) {
            for (JsonNode t : Json.array(tvd, "rfc3161Timestamps", "bundle timestamps")) {
                stamps.add(Json.base64(t, "signedTimestamp", "bundle timestamp"));
            }
        }
        Content content;
        if (root.has("messageSignature") && root.has("dsseEnvelope")) {
            throw ProvenanceException.invalid("bundle has both a message signature and a DSSE envelope");
        } else if (root.has("messageSignature")) {
            JsonNode ms = Json.object(root, "messageSignature", what);
            JsonNode md = ms.get("messageDigest");
            content = new MessageSignature(md == null ? null : Json.text(md, "algorithm", "message digest"),
                    md == null ? null : Json.base64(md, "digest", "message digest"),
                    Json.base64(ms, "signature", "message signature"));
        } else if (root.has("dsseEnvelope")) {
            JsonNode env = Json.object(root, "dsseEnvelope", what);
            JsonNode sigs = Json.array(env, "signatures", "DSSE envelope");
            if (sigs.size() != 1) {
                throw ProvenanceException.invalid("DSSE envelope has " + sigs.size() + " signatures; exactly one is "
                        + "verifiable with one certificate");
            }
            content = new Dsse(Json.text(env, "payloadType", "DSSE envelope"), Json.base64(env, "payload",
                    "DSSE envelope"), Json.base64(sigs.get(0), "sig", "DSSE signature"));
        } else {
            throw ProvenanceException.invalid("bundle has neither a message signature nor a DSSE envelope");
        }
        return new Bundle(media, List.copyOf(certs), hint, content, List.copyOf(entries), List.copyOf(stamps));
    }

    /**
     * A PEP 740 attestation (version 1): a DSSE envelope over an in-toto statement, the signing certificate, its
     * transparency-log entries and optional RFC 3161 timestamps. The payload type is implied.
     */
    public static Bundle parsePep740(byte[] json) throws ProvenanceException {
        return fromPep740(Json.parse(json, "attestation"));
    }

    static Bundle fromPep740(JsonNode root) throws ProvenanceException {
        String what = "attestation";
        if (Json.int64(root, "version", what, true) != 1) {
            throw ProvenanceException.invalid("attestation version " + root.get("version") + " is not 1");
        }
        JsonNode vm = Json.object(root, "verification_material", what);
        X509Certificate leaf = Keys.certificate(Json.base64(vm, "certificate", what), what + " certificate");
        List<TlogEntry> entries = new ArrayList<>();
        for (JsonNode e : Json.array(vm, "transparency_entries", what)) {
            entries.add(TlogEntry.parse(e));
        }
        List<byte[]> stamps = new ArrayList<>();
        JsonNode ts = vm.get("timestamps");
        if (ts != null && !ts.isNull()) {
            if (!ts.isArray()) {
                throw ProvenanceException.invalid("attestation timestamps is not an array");
            }
            for (JsonNode t : ts) {
                if (!t.isTextual()) {
                    throw ProvenanceException.invalid("attestation timestamp is not a base64 string");
                }
                stamps.add(Json.decode(t.asText(), "attestation timestamp"));
            }
        }
        JsonNode env = Json.object(root, "envelope", what);
        Dsse dsse = new Dsse("application/vnd.in-toto+json", Json.base64(env, "statement", "attestation envelope"),
                Json.base64(env, "signature", "attestation envelope"));
        return new Bundle(PEP740, List.of(leaf), null, dsse, List.copyOf(entries), List.copyOf(stamps));
    }
}
