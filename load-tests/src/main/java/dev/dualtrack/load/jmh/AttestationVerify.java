package dev.dualtrack.load.jmh;

import dev.dualtrack.provenance.IdentityPolicy;
import dev.dualtrack.provenance.Pep740;
import dev.dualtrack.provenance.TrustedRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What verifying a PEP 740 attestation costs the first download of a file (later ones hit the cache by sha256):
 * one uncached verification of a real attestation (Rekor v1 entry with SET, inclusion proof and checkpoint, an
 * RFC 3161 timestamp, the Fulcio chain and SCT), next to SHA-256 of the 210 MB a large wheel would be, measured in
 * the same run. Run from the repository root (it reads the test material):
 *
 * <pre>
 * java -cp "load-tests/target/classes:$(cat load-tests/target/classpath.txt)" org.openjdk.jmh.Main AttestationVerify
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class AttestationVerify {
    private static final Path MATERIAL = Path.of("provenance/src/test/resources/sigstore");

    private byte[] attestation;
    private byte[] distSha256;
    private byte[] bigWheel;
    private Pep740 pep740;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        attestation = Files.readAllBytes(MATERIAL.resolve(
                "pep740/pypi_attestations-0.0.19.tar.gz.publish.attestation.with_timestamp"));
        distSha256 = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(MATERIAL.resolve(
                "pep740/pypi_attestations-0.0.19.tar.gz")));
        pep740 = new Pep740(TrustedRoot.production());
        bigWheel = new byte[210 << 20];
        new java.util.Random(1).nextBytes(bigWheel);
        verify();
    }

    @Benchmark
    public Object verify() throws Exception {
        return pep740.verify(attestation, "pypi_attestations-0.0.19.tar.gz", distSha256,
                new IdentityPolicy.Exact("jku@goto.fi", "https://github.com/login/oauth"));
    }

    @Benchmark
    public byte[] sha256Of210MB() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (int off = 0; off < bigWheel.length; off += 64 * 1024) {
            md.update(bigWheel, off, 64 * 1024);
        }
        return md.digest();
    }
}
