package dev.dualtrack.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A Sigstore TrustedRoot ({@code application/vnd.dev.sigstore.trustedroot+json}): the certificate authorities,
 * transparency logs, certificate-transparency logs and timestamp authorities whose signatures are believed, each
 * for a window of time. Operators replace the file to follow Sigstore's key rotations (see docs/provenance.md);
 * fetching it through TUF is not this class's job.
 */
public final class TrustedRoot {
    /** A key that signs for a window of time: a Rekor log, a CT log. */
    public record LogKey(String baseUrl, byte[] keyId, PublicKey key, Instant start, Instant end) {
        boolean validAt(Instant t) {
            return !t.isBefore(start) && (end == null || !t.isAfter(end));
        }
    }

    /** A certificate chain (issuing certificate first, root last) and the window it may issue in. */
    public record Authority(String uri, List<X509Certificate> chain, Instant start, Instant end) {
        boolean validAt(Instant t) {
            return !t.isBefore(start) && (end == null || !t.isAfter(end));
        }
    }

    private final List<LogKey> tlogs;
    private final List<LogKey> ctlogs;
    private final List<Authority> certificateAuthorities;
    private final List<Authority> timestampAuthorities;

    private TrustedRoot(List<LogKey> tlogs, List<LogKey> ctlogs, List<Authority> cas, List<Authority> tsas) {
        this.tlogs = List.copyOf(tlogs);
        this.ctlogs = List.copyOf(ctlogs);
        this.certificateAuthorities = List.copyOf(cas);
        this.timestampAuthorities = List.copyOf(tsas);
    }

    /** Sigstore's public-good production root, as shipped with this release. */
    public static TrustedRoot production() {
        try (InputStream in = TrustedRoot.class.getResourceAsStream("trusted_root.production.json")) {
            return parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ProvenanceException e) {
            throw new IllegalStateException("the embedded trusted root does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * The root in {@code file} ({@code provenance.trusted-root}), or the production root when none is named. A
     * file that cannot be read or parsed is an error at start, said with the setting's name.
     */
    public static TrustedRoot fromFile(java.util.Optional<java.nio.file.Path> file) {
        if (file.isEmpty()) {
            return production();
        }
        try {
            return parse(java.nio.file.Files.readAllBytes(file.get()));
        } catch (IOException | ProvenanceException e) {
            throw new IllegalStateException("provenance.trusted-root " + file.get() + " cannot be used: "
                    + e.getMessage(), e);
        }
    }

    public static TrustedRoot parse(byte[] json) throws ProvenanceException {
        JsonNode root = Json.parse(json, "trusted root");
        String media = Json.optionalText(root, "mediaType");
        if (media != null && !media.startsWith("application/vnd.dev.sigstore.trustedroot")) {
            throw ProvenanceException.invalid("trusted root has media type " + media);
        }
        List<LogKey> tlogs = new ArrayList<>();
        for (JsonNode n : arrayOrEmpty(root, "tlogs")) {
            tlogs.add(logKey(n, "trusted root tlog"));
        }
        List<LogKey> ctlogs = new ArrayList<>();
        for (JsonNode n : arrayOrEmpty(root, "ctlogs")) {
            ctlogs.add(logKey(n, "trusted root ctlog"));
        }
        List<Authority> cas = new ArrayList<>();
        for (JsonNode n : arrayOrEmpty(root, "certificateAuthorities")) {
            cas.add(authority(n, "trusted root certificate authority"));
        }
        List<Authority> tsas = new ArrayList<>();
        for (JsonNode n : arrayOrEmpty(root, "timestampAuthorities")) {
            tsas.add(authority(n, "trusted root timestamp authority"));
        }
        return new TrustedRoot(tlogs, ctlogs, cas, tsas);
    }

    private static Iterable<JsonNode> arrayOrEmpty(JsonNode root, String field) throws ProvenanceException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw ProvenanceException.invalid("trusted root '" + field + "' is not an array");
        }
        return n;
    }

    private static LogKey logKey(JsonNode n, String what) throws ProvenanceException {
        JsonNode pk = Json.object(n, "publicKey", what);
        byte[] raw = Json.base64(pk, "rawBytes", what + " publicKey");
        JsonNode validFor = pk.get("validFor");
        byte[] keyId = Json.base64(Json.object(n, "logId", what), "keyId", what + " logId");
        String details = Json.optionalText(pk, "keyDetails");
        if (details != null && details.startsWith("PKCS1_RSA")) {
            raw = Keys.spkiOfPkcs1Rsa(raw, what + " key");
        }
        return new LogKey(Json.optionalText(n, "baseUrl"), keyId, Keys.publicKey(raw, what + " key"),
                time(validFor, "start", Instant.MIN), time(validFor, "end", null));
    }

    private static Authority authority(JsonNode n, String what) throws ProvenanceException {
        List<X509Certificate> chain = new ArrayList<>();
        for (JsonNode c : Json.array(Json.object(n, "certChain", what), "certificates", what + " certChain")) {
            chain.add(Keys.certificate(Json.base64(c, "rawBytes", what + " certificate"), what + " certificate"));
        }
        if (chain.isEmpty()) {
            throw ProvenanceException.invalid(what + " has an empty certificate chain");
        }
        JsonNode validFor = n.get("validFor");
        return new Authority(Json.optionalText(n, "uri"), chain, time(validFor, "start", Instant.MIN),
                time(validFor, "end", null));
    }

    private static Instant time(JsonNode validFor, String field, Instant absent) throws ProvenanceException {
        String t = validFor == null ? null : Json.optionalText(validFor, field);
        if (t == null) {
            return absent;
        }
        try {
            return Instant.parse(t);
        } catch (DateTimeParseException e) {
            throw ProvenanceException.invalid("trusted root time '" + t + "' is not RFC 3339");
        }
    }

    /** The transparency log with this id, if the root trusts it. */
    Optional<LogKey> tlog(byte[] keyId) {
        return tlogs.stream().filter(k -> Arrays.equals(k.keyId(), keyId)).findFirst();
    }

    Optional<LogKey> ctlog(byte[] keyId) {
        return ctlogs.stream().filter(k -> Arrays.equals(k.keyId(), keyId)).findFirst();
    }

    List<LogKey> tlogs() {
        return tlogs;
    }

    List<Authority> certificateAuthorities() {
        return certificateAuthorities;
    }

    List<Authority> timestampAuthorities() {
        return timestampAuthorities;
    }
}
