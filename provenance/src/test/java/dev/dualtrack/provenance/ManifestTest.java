package dev.dualtrack.provenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every verification of the Sigstore material's MANIFEST.tsv (50 rows: PEP 740 attestations from GitHub, GitLab
 * and Google publishers, model.sig bundles, sigstore-conformance cases) comes out as the manifest expects.
 */
class ManifestTest {
    record Row(String id, String bundle, String artifact, String trustedRoot, String identity, String issuer,
            String expected, String reason) {
        @Override
        public String toString() {
            return id;
        }
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        for (String line : SigstoreMaterial.text("MANIFEST.tsv").split("\n")) {
            if (line.isBlank() || line.startsWith("id\t")) {
                continue;
            }
            String[] c = line.split("\t", -1);
            rows.add(new Row(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]));
        }
        return rows;
    }

    @Test
    void theManifestHasItsFiftyRows() {
        assertThat(rows()).hasSize(50);
        assertThat(rows().stream().map(Row::expected)).containsOnly("valid", "invalid", "valid-legacy");
    }

    /**
     * Why each row that must fail fails: a refusal for another reason than the one the row tests would hide a
     * missing check. IDENTITY marks rows refused as "verified, but signed by someone else".
     */
    private static final Map<String, String> REASONS = Map.ofEntries(
            Map.entry("pep740-publish-wrong-root", "is not in the trusted root"),
            Map.entry("pep740-rekor2-wrong-root", "is not in the trusted root"),
            Map.entry("pep740-rfc8785-wrong-identity", "IDENTITY signed by william@yossarian.net, not fake@"),
            Map.entry("pep740-rfc8785-wrong-digest", "SHA-256 is not that of"),
            Map.entry("pep740-rfc8785-wrong-name", "not wrong_name-0.1.2"),
            Map.entry("pep740-rfc8785-wrong-root", "is not in the trusted root"),
            Map.entry("pep740-models-wrong-workflow", "IDENTITY built by"),
            Map.entry("pep740-gitlab-wrong-workflow", "IDENTITY built by"),
            Map.entry("pep740-gcb-wrong-account", "IDENTITY signed by 919436158236"),
            Map.entry("ms-v1.1.0-sigstore-wrong-identity", "IDENTITY signed by stefanb@us.ibm.com"),
            Map.entry("ms-v1.1.0-sigstore-wrong-root", "is not in the trusted root"),
            Map.entry("ms-v1.0.1-sigstore-extra-file", "not in the signed manifest: ignore-me"),
            // Upstream accepts this pre-1.0 signature only through a compatibility path (it signed a Python bytes
            // literal, not the payload); we accept no pre-1.0 signature.
            Map.entry("ms-v0.2.0-certificate", "signature does not verify"),
            Map.entry("conf-happy-path-v0.3-wrong-identity", "IDENTITY signed by"),
            Map.entry("conf-happy-path-v0.3-wrong-issuer", "IDENTITY identity issued by"),
            Map.entry("conf-signature-mismatch_fail", "another signature"),
            Map.entry("conf-dsse-invalid-sig_fail", "does not hold the envelope's signature"),
            Map.entry("conf-wrong-material_fail", "message digest is not the artifact's"),
            Map.entry("conf-message-digest-mismatch_fail", "message digest is not the artifact's"),
            Map.entry("conf-intoto-missing-inclusion-proof_fail", "has no inclusion proof"),
            Map.entry("conf-rekor2-no-inclusion-proof_fail", "has no inclusion proof"),
            Map.entry("conf-invalid-checkpoint-signature_fail", "checkpoint signature of rekor.sigstore.dev"),
            Map.entry("conf-checkpoint-wrong-roothash_fail", "for another tree"),
            Map.entry("conf-invalid-inclusion-proof_fail", "does not lead to its root hash"),
            Map.entry("conf-set-invalid-signature_fail", "signed entry timestamp"),
            Map.entry("conf-bundle-from-wrong-instance_fail", "is not in the trusted root"));

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void rowComesOutAsExpected(Row row) throws Exception {
        if (row.expected().equals("valid")) {
            verify(row);
            return;
        }
        String reason = REASONS.get(row.id());
        assertThat(reason).as("the expected reason of " + row.id()).isNotNull();
        boolean identity = reason.startsWith("IDENTITY ");
        assertThatThrownBy(() -> verify(row)).isInstanceOfSatisfying(ProvenanceException.class, e -> {
            assertThat(e.getMessage()).contains(identity ? reason.substring(9) : reason);
            assertThat(e.kind()).isEqualTo(identity ? ProvenanceException.Kind.IDENTITY
                    : ProvenanceException.Kind.INVALID);
        });
    }

    @Test
    void everyReasonBelongsToARowThatMustFail() {
        assertThat(REASONS.keySet()).containsExactlyInAnyOrderElementsOf(rows().stream()
                .filter(r -> !r.expected().equals("valid")).map(Row::id).toList());
    }

    private static void verify(Row row) throws Exception {
        IdentityPolicy policy = policy(row.identity(), row.issuer());
        if (row.artifact().startsWith("dir:")) {
            verifyModel(row, policy);
            return;
        }
        String filename;
        byte[] sha256;
        if (row.artifact().startsWith("name=")) {
            Map<String, String> kv = keyValues(row.artifact());
            filename = kv.get("name");
            sha256 = HexFormat.of().parseHex(kv.get("sha256"));
        } else {
            filename = row.artifact().substring(row.artifact().lastIndexOf('/') + 1);
            sha256 = Keys.sha256(SigstoreMaterial.bytes(row.artifact()));
        }
        TrustedRoot root = SigstoreMaterial.root(row.trustedRoot());
        byte[] bundle = SigstoreMaterial.bytes(row.bundle());
        if (row.bundle().startsWith("pep740/")) {
            Pep740 pep740 = new Pep740(root);
            if (row.bundle().endsWith(".provenance")) {
                assertThat(pep740.verifyProvenance(bundle, filename, sha256, policy)).isNotEmpty();
            } else {
                pep740.verify(bundle, filename, sha256, policy);
            }
        } else {
            new BundleVerifier(root).verifyArtifact(Bundle.parse(bundle), sha256, policy);
        }
    }

    private static void verifyModel(Row row, IdentityPolicy policy) throws Exception {
        Map<String, String> kv = keyValues("dir=" + row.artifact().substring(4));
        String dir = kv.get("dir");
        ModelSignature.Trust trust;
        if (row.trustedRoot().startsWith("x509:")) {
            trust = new ModelSignature.CertificateAuthority(Keys.pemCertificates(
                    SigstoreMaterial.text(row.trustedRoot().substring(5)), "CA"));
        } else if (row.trustedRoot().startsWith("key:")) {
            trust = new ModelSignature.Key(Keys.pemPublicKey(SigstoreMaterial.text(row.trustedRoot().substring(4)),
                    "key"));
        } else {
            trust = new ModelSignature.Sigstore(SigstoreMaterial.root(row.trustedRoot()), policy);
        }
        ModelManifest m = ModelSignature.verify(SigstoreMaterial.bytes(row.bundle()), trust);
        m.checkFolder(folder(dir), kv.containsKey("ignore") ? Set.of(kv.get("ignore")) : Set.of());
    }

    /** The folder's files, relative path to SHA-256. */
    private static Map<String, byte[]> folder(String dir) throws URISyntaxException, java.io.IOException {
        Path base = Path.of(ManifestTest.class.getResource("/sigstore/" + dir).toURI());
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(base)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(base.relativize(p).toString().replace('\\', '/'), Keys.sha256(Files.readAllBytes(p)));
            }
        }
        return out;
    }

    static IdentityPolicy policy(String identity, String issuer) {
        if (identity.equals("-")) {
            return IdentityPolicy.ANY;
        }
        if (identity.startsWith("publisher:")) {
            String[] parts = identity.substring("publisher:".length()).split(" ");
            Map<String, String> kv = new TreeMap<>();
            for (int i = 1; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                kv.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
            }
            return switch (parts[0]) {
                case "GitHub" -> new TrustedPublisher.GitHub(kv.get("repository"), kv.get("workflow"));
                case "GitLab" -> new TrustedPublisher.GitLab(kv.get("repository"), kv.get("workflow_filepath"));
                case "Google" -> new TrustedPublisher.Google(kv.get("email"));
                default -> throw new IllegalArgumentException(identity);
            };
        }
        return new IdentityPolicy.Exact(identity, issuer.equals("-") ? null : issuer);
    }

    private static Map<String, String> keyValues(String s) {
        Map<String, String> out = new TreeMap<>();
        for (String part : s.split(";")) {
            int eq = part.indexOf('=');
            out.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return out;
    }
}
