package dev.dualtrack.provenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The attacker's edits to a real PEP 740 attestation (GitHub Actions, production Rekor v1, with an RFC 3161
 * timestamp): every one must turn a verifying attestation into a refused one, for the reason it attacks.
 */
class TamperTest {
    private static final String ATTESTATION = "pep740/pypi_attestations-0.0.19.tar.gz.publish.attestation.with_timestamp";
    private static final String DIST = "pep740/pypi_attestations-0.0.19.tar.gz";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TrustedRoot PRODUCTION = SigstoreMaterial.root("trusted_root/trusted_root.production.json");
    private static final IdentityPolicy WHO = new IdentityPolicy.Exact("jku@goto.fi", "https://github.com/login/oauth");

    private static byte[] verifyEdited(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode a = (ObjectNode) JSON.readTree(SigstoreMaterial.bytes(ATTESTATION));
        edit.accept(a);
        byte[] bytes = JSON.writeValueAsBytes(a);
        new Pep740(PRODUCTION).verify(bytes, "pypi_attestations-0.0.19.tar.gz",
                Keys.sha256(SigstoreMaterial.bytes(DIST)), WHO);
        return bytes;
    }

    @Test
    void theUneditedAttestationVerifies() throws Exception {
        verifyEdited(a -> { });
    }

    @Test
    void theEmbeddedProductionRootIsTheOneShipped() throws Exception {
        new Pep740(TrustedRoot.production()).verify(SigstoreMaterial.bytes(ATTESTATION),
                "pypi_attestations-0.0.19.tar.gz", Keys.sha256(SigstoreMaterial.bytes(DIST)), WHO);
    }

    private static ObjectNode entry(ObjectNode a) {
        return (ObjectNode) a.path("verification_material").path("transparency_entries").get(0);
    }

    private static String flip(String b64, int at) {
        byte[] b = Base64.getDecoder().decode(b64);
        b[Math.floorMod(at, b.length)] ^= 1;
        return Base64.getEncoder().encodeToString(b);
    }

    static Stream<Arguments> edits() {
        return Stream.of(
                Arguments.of("statement", (Consumer<ObjectNode>) a -> ((ObjectNode) a.get("envelope")).put("statement",
                        flip(a.get("envelope").get("statement").asText(), 40)), "payload hash"),
                Arguments.of("signature", (Consumer<ObjectNode>) a -> ((ObjectNode) a.get("envelope")).put("signature",
                        flip(a.get("envelope").get("signature").asText(), -3)), "does not hold the envelope's signature"),
                Arguments.of("certificate", (Consumer<ObjectNode>) a -> ((ObjectNode) a.get("verification_material"))
                        .put("certificate", flip(a.get("verification_material").get("certificate").asText(), -20)),
                        ""),
                Arguments.of("signed entry timestamp", (Consumer<ObjectNode>) a -> ((ObjectNode) entry(a)
                        .get("inclusionPromise")).put("signedEntryTimestamp", flip(entry(a).get("inclusionPromise")
                        .get("signedEntryTimestamp").asText(), -2)), "signed entry timestamp"),
                Arguments.of("integrated time", (Consumer<ObjectNode>) a -> entry(a).put("integratedTime",
                        entry(a).get("integratedTime").asLong() + 1), "signed entry timestamp"),
                Arguments.of("proof hash", (Consumer<ObjectNode>) a -> {
                    ArrayNode hashes = (ArrayNode) entry(a).get("inclusionProof").get("hashes");
                    hashes.set(0, JSON.getNodeFactory().textNode(flip(hashes.get(0).asText(), 0)));
                }, "does not lead to its root hash"),
                Arguments.of("checkpoint", (Consumer<ObjectNode>) a -> {
                    ObjectNode cp = (ObjectNode) entry(a).get("inclusionProof").get("checkpoint");
                    cp.put("envelope", cp.get("envelope").asText().replaceFirst("\n(\\d+)\n", "\n1$1\n"));
                }, "checkpoint"),
                Arguments.of("log id", (Consumer<ObjectNode>) a -> ((ObjectNode) entry(a).get("logId")).put("keyId",
                        flip(entry(a).get("logId").get("keyId").asText(), 0)), "not in the trusted root"),
                Arguments.of("logged body", (Consumer<ObjectNode>) a -> entry(a).put("canonicalizedBody",
                        flip(entry(a).get("canonicalizedBody").asText(), 30)), ""),
                Arguments.of("timestamp", (Consumer<ObjectNode>) a -> {
                    ArrayNode ts = (ArrayNode) a.get("verification_material").get("timestamps");
                    ts.set(0, JSON.getNodeFactory().textNode(flip(ts.get(0).asText(), -10)));
                }, "RFC 3161"),
                Arguments.of("no log entry", (Consumer<ObjectNode>) a -> ((ArrayNode) a.get("verification_material")
                        .get("transparency_entries")).removeAll(), "no transparency-log entry"),
                Arguments.of("version", (Consumer<ObjectNode>) a -> a.put("version", 2), "version"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edits")
    void anEditIsRefused(String what, Consumer<ObjectNode> edit, String reason) {
        assertThatThrownBy(() -> verifyEdited(edit)).isInstanceOfSatisfying(ProvenanceException.class, e -> {
            assertThat(e.getMessage()).contains(reason);
            assertThat(e.kind()).isEqualTo(ProvenanceException.Kind.INVALID);
        });
    }

    @Test
    void anAttestationIsNotValidForAnotherFileOfTheSameRelease() {
        assertThatThrownBy(() -> new Pep740(PRODUCTION).verify(SigstoreMaterial.bytes(ATTESTATION),
                "pypi_attestations-0.0.19-py3-none-any.whl", Keys.sha256(SigstoreMaterial.bytes(DIST)), WHO))
                .isInstanceOf(ProvenanceException.class).hasMessageContaining("not pypi_attestations-0.0.19-py3");
    }

    @Test
    void wheelTagOrderDoesNotMatterButTagsDo() throws Exception {
        assertThat(DistributionName.parse("spt3g-1.0-cp310-cp310-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"))
                .isEqualTo(DistributionName.parse("spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"));
        assertThat(DistributionName.parse("spt3g-1.0-cp310-cp310-manylinux2014_x86_64.whl"))
                .isNotEqualTo(DistributionName.parse("spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"));
        assertThat(DistributionName.parse("Foo.Bar-1.0.tar.gz")).isEqualTo(DistributionName.parse("foo_bar-1.0.tar.gz"));
        assertThat(DistributionName.parse("foo-1.0.tar.gz")).isNotEqualTo(DistributionName.parse("foo-1.0.zip"));
    }

    /** The unsigned model-transparency goldens: both serializations read, and only files/sha256 is per-file. */
    @Test
    void shardedManifestsAreReadButNotCheckableFileByFile() throws Exception {
        ModelManifest files = ModelSignature.manifest(InTotoStatement.parse(SigstoreMaterial.bytes(
                "model-signing/payload-goldens/sample_model_folder.json")), null);
        assertThat(files.fileLevelSha256()).isTrue();
        assertThat(files.files()).hasSize(10);
        ModelManifest shards = ModelSignature.manifest(InTotoStatement.parse(SigstoreMaterial.bytes(
                "model-signing/payload-goldens/sample_model_folder_shard.json")), null);
        assertThat(shards.fileLevelSha256()).isFalse();
        assertThat(shards.lists("d0/f00")).isTrue();
        assertThat(shards.lists("d0/f0")).isFalse();
        assertThat(shards.sha256("d0/f00")).isEmpty();
        assertThatThrownBy(() -> shards.checkFolder(java.util.Map.of(), java.util.Set.of()))
                .isInstanceOf(ProvenanceException.class).hasMessageContaining("cannot be checked file by file");
    }

    /** A Rekor v2 entry has no time of its own: its log must have been in service at the timestamp's time. */
    @Test
    void aRekorV2LogRetiredBeforeTheTimestampProvesNothing() throws Exception {
        String attestation = "pep740/pypi_attestations-0.0.19.tar.gz.publish.attestation.with_rekor2_timestamp";
        byte[] sha = Keys.sha256(SigstoreMaterial.bytes(DIST));
        IdentityPolicy who = new IdentityPolicy.Exact("jku@goto.fi", "https://github.com/login/oauth");
        ObjectNode root = (ObjectNode) JSON.readTree(SigstoreMaterial.bytes("trusted_root/trusted_root.staging.json"));
        new Pep740(TrustedRoot.parse(JSON.writeValueAsBytes(root))).verify(SigstoreMaterial.bytes(attestation),
                "pypi_attestations-0.0.19.tar.gz", sha, who);
        for (var log : root.withArray("tlogs")) {
            if (log.path("baseUrl").asText().contains("log2025-alpha3")) {
                ((ObjectNode) log.path("publicKey").path("validFor")).put("end", "2025-01-01T00:00:00Z");
            }
        }
        TrustedRoot retired = TrustedRoot.parse(JSON.writeValueAsBytes(root));
        assertThatThrownBy(() -> new Pep740(retired).verify(SigstoreMaterial.bytes(attestation),
                "pypi_attestations-0.0.19.tar.gz", sha, who)).isInstanceOf(ProvenanceException.class)
                .hasMessageContaining("was not in service at the signing time");
    }
}
