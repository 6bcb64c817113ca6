package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.provenance.SigstoreMaterial;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.pypi.FakeIndex;
import dev.dualtrack.pypi.WheelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEP 740 with the real pip against the real process, on a real attested wheel (rfc8785 0.1.2 and its
 * Sigstore attestation from the public test material, staging root): it installs when its project must be
 * attested by its signer; with another required publisher, or a tampered attestation, it is refused before the
 * index is ever asked for the wheel, and the rule says why.
 */
class ProvenanceEndToEndIT {
    private static final String WHEEL = "rfc8785-0.1.2-py3-none-any.whl";
    private static final String SIGNER = "{kind: identity, identity: william@yossarian.net, "
            + "issuer: 'https://github.com/login/oauth'}";

    @TempDir
    static Path dir;
    static Path venv;
    static Path root;
    static FakeIndex good;
    static FakeIndex tampered;
    static CliIT.Served trusting;
    static CliIT.Served otherPublisher;
    static CliIT.Served onTampered;
    static FakeIndex flaky;
    static CliIT.Served onFlaky;

    /** A PyPI provenance object holding one attestation, as the Integrity API serves it. */
    static byte[] provenance(String attestation) {
        return ("{\"version\":1,\"attestation_bundles\":[{\"publisher\":{\"kind\":\"GitHub\",\"repository\":"
                + "\"trailofbits/rfc8785.py\",\"workflow\":\"release.yml\"},\"attestations\":[" + attestation + "]}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @BeforeAll
    static void start() throws Exception {
        byte[] wheel = SigstoreMaterial.bytes("pep740/" + WHEEL);
        String attestation = SigstoreMaterial.text("pep740/" + WHEEL + ".attestation");
        root = dir.resolve("trusted_root.staging.json");
        Files.write(root, SigstoreMaterial.bytes("trusted_root/trusted_root.staging.json"));

        good = new FakeIndex(false);
        good.attested("rfc8785", WHEEL, wheel, "2024-05-01T10:00:00.000000Z", provenance(attestation));
        byte[] unattested = WheelBuilder.wheel("dualtrack-unattested-demo", "1.0", "VERSION = 'plain'\n");
        good.file("dualtrack-unattested-demo", WheelBuilder.filename("dualtrack-unattested-demo", "1.0"), unattested);
        // Release 1.0 was attested, 2.0 is not: provenance regressed (warn by default).
        byte[] old = WheelBuilder.wheel("dualtrack-regress-demo", "1.0", "VERSION = '1'\n");
        good.attested("dualtrack-regress-demo", WheelBuilder.filename("dualtrack-regress-demo", "1.0"), old,
                "2024-05-01T10:00:00.000000Z", provenance(attestation));
        byte[] next = WheelBuilder.wheel("dualtrack-regress-demo", "2.0", "VERSION = '2'\n");
        good.file("dualtrack-regress-demo", WheelBuilder.filename("dualtrack-regress-demo", "2.0"), next, next,
                "2024-06-01T10:00:00.000000Z");

        // The same attestation with one bit of its signature flipped.
        String sig = attestation.replaceAll("(?s).*\"signature\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        byte[] raw = Base64.getDecoder().decode(sig);
        raw[raw.length - 3] ^= 1;
        tampered = new FakeIndex(true);
        tampered.attested("rfc8785", WHEEL, wheel, "2024-05-01T10:00:00.000000Z",
                provenance(attestation.replace(sig, Base64.getEncoder().encodeToString(raw))));

        // The genuine attestation, but the first answer for it is cut short (a proxy or CDN fault).
        flaky = new FakeIndex(false);
        flaky.attested("rfc8785", WHEEL, wheel, "2024-05-01T10:00:00.000000Z", provenance(attestation));
        byte[] genuine = provenance(attestation);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        flaky.origin().onRequest(FakeIndex.provenancePath("rfc8785", WHEEL), req -> dev.dualtrack.proxy.testing
                .ScriptedOrigin.Script.ok(dev.dualtrack.proxy.testing.BodySource.of(asked.getAndIncrement() == 0
                        ? java.util.Arrays.copyOf(genuine, genuine.length / 2) : genuine))
                .header("Content-Type", "application/vnd.pypi.integrity.v1+json"));

        trusting = CliIT.serve(config("trusting", good, SIGNER));
        onFlaky = CliIT.serve(config("flaky", flaky, SIGNER));
        otherPublisher = CliIT.serve(config("other", good, "{kind: github, repository: someone/rfc8785, "
                + "workflow: release.yml}"));
        onTampered = CliIT.serve(config("tampered", tampered, SIGNER));
        venv = dir.resolve("venv");
        assertThat(ClientTools.run(dir, Map.of(), List.of("python3", "-m", "venv", venv.toString())).exit()).isZero();
    }

    static Path config(String name, FakeIndex index, String publisher) throws Exception {
        Path data = Files.createDirectories(dir.resolve(name));
        Path cfg = data.resolve("dualtrack.yaml");
        Files.writeString(cfg, "listen: {port: 0}\ncache: {dir: '" + data.resolve("cache") + "'}\naudit: {output: '"
                + data.resolve("audit.log") + "'}\n"
                + "provenance: {trusted-root: '" + root + "'}\n"
                + "pypi:\n  upstreams: [{name: pypi, url: '" + index.simpleUrl() + "'}]\n"
                + "  provenance:\n"
                + "    - {project: rfc8785, publisher: " + publisher + "}\n"
                + "    - {project: 'dualtrack-unattested-*', publisher: " + SIGNER + "}\n");
        return cfg;
    }

    @AfterAll
    static void stop() throws Exception {
        for (CliIT.Served s : new CliIT.Served[] {trusting, otherPublisher, onTampered, onFlaky}) {
            if (s != null) {
                s.stop();
            }
        }
        good.close();
        tampered.close();
        flaky.close();
    }

    static ClientTools.Result pip(CliIT.Served proxy, String... args) throws Exception {
        return ClientTools.pipInstall(dir, venv, proxy.port(), args);
    }

    static String ruleOf(CliIT.Served proxy, String project, String file) throws Exception {
        return RawHttpClient.get(proxy.port(), "/pypi/files/" + project + "/" + file).headers()
                .get("x-dualtrack-rule");
    }

    @Test
    void anAttestedWheelInstallsWhenItsSignerIsTheRequiredOne() throws Exception {
        ClientTools.Result r = pip(trusting, "rfc8785==0.1.2");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(ClientTools.run(dir, Map.of(), List.of(venv.resolve("bin/python").toString(), "-c",
                "import rfc8785; print(rfc8785.dumps({'b': 1, 'a': 2}).decode())")).out().trim())
                .isEqualTo("{\"a\":2,\"b\":1}");
        assertThat(good.origin().requests(FakeIndex.provenancePath("rfc8785", WHEEL))).isPositive();
    }

    @Test
    void anotherPublisherIsRefusedBeforeTheWheelIsFetched() throws Exception {
        int before = good.origin().requests("/packages/" + WHEEL);
        ClientTools.Result r = pip(otherPublisher, "rfc8785==0.1.2");
        assertThat(r.exit()).as(r.out()).isNotZero();
        assertThat(r.out()).contains("Blocked by dualtrack rule pypi.provenance-identity");
        assertThat(ruleOf(otherPublisher, "rfc8785", WHEEL)).isEqualTo("pypi.provenance-identity");
        String body = RawHttpClient.get(otherPublisher.port(), "/pypi/files/rfc8785/" + WHEEL).text();
        assertThat(body).contains("william@yossarian.net").contains("someone/rfc8785");
        assertThat(good.origin().requests("/packages/" + WHEEL)).as("the index was never asked for the wheel")
                .isEqualTo(before);
    }

    @Test
    void aTamperedAttestationIsRefusedAndTheWheelNeverFetched() throws Exception {
        ClientTools.Result r = pip(onTampered, "rfc8785==0.1.2");
        assertThat(r.exit()).as(r.out()).isNotZero();
        assertThat(r.out()).contains("403 Client Error: Blocked by dualtrack rule pypi.provenance-invalid");
        assertThat(ruleOf(onTampered, "rfc8785", WHEEL)).isEqualTo("pypi.provenance-invalid");
        assertThat(tampered.origin().requests("/packages/" + WHEEL)).isZero();
        assertThat(RawHttpClient.get(onTampered.port(), "/metrics").text())
                .containsPattern("dualtrack_blocked_total\\{rule=\"pypi.provenance-invalid\",track=\"pypi\"} [1-9]");
    }

    @Test
    void aTransientBadProvenanceAnswerDoesNotStickToTheGenuineWheel() throws Exception {
        ClientTools.Result first = pip(onFlaky, "rfc8785==0.1.2");
        assertThat(first.exit()).as(first.out()).isNotZero();
        assertThat(first.out()).contains("pypi.provenance-invalid");
        // A refusal is remembered for seconds, not for the life of the process: then the genuine answer counts.
        Thread.sleep(11_000);
        ClientTools.Result again = pip(onFlaky, "rfc8785==0.1.2");
        assertThat(again.exit()).as(again.out()).isZero();
        assertThat(flaky.origin().requests(FakeIndex.provenancePath("rfc8785", WHEEL))).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aRequiredProjectWithoutAttestationsIsRefused() throws Exception {
        ClientTools.Result r = pip(trusting, "dualtrack-unattested-demo");
        assertThat(r.exit()).as(r.out()).isNotZero();
        String wheel = WheelBuilder.filename("dualtrack-unattested-demo", "1.0");
        assertThat(ruleOf(trusting, "dualtrack-unattested-demo", wheel)).isEqualTo("pypi.provenance-missing");
        // The page announces no attestation; the Integrity API is asked all the same, and has none.
        assertThat(good.origin().requests(FakeIndex.provenancePath("dualtrack-unattested-demo", wheel))).isPositive();
        assertThat(good.origin().requests("/packages/" + wheel)).isZero();
    }

    @Test
    void aReleaseThatLostItsAttestationsInstallsWithAWarning() throws Exception {
        ClientTools.Result r = pip(trusting, "dualtrack-regress-demo==2.0");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(RawHttpClient.get(trusting.port(), "/metrics").text()).containsPattern(
                "dualtrack_warned_total\\{rule=\"pypi.provenance-regressed\",track=\"pypi\"} [1-9]");
    }
}
