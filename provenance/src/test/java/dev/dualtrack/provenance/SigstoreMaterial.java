package dev.dualtrack.provenance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The public Sigstore test material under {@code src/test/resources/sigstore}: real PEP 740 attestations,
 * model.sig bundles, sigstore-conformance cases and trusted roots. Its README names the upstream source and commit
 * of every file.
 */
public final class SigstoreMaterial {
    private SigstoreMaterial() {
    }

    public static byte[] bytes(String path) {
        try (InputStream in = SigstoreMaterial.class.getResourceAsStream("/sigstore/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no test material " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(String path) {
        return new String(bytes(path), StandardCharsets.UTF_8);
    }

    public static boolean exists(String path) {
        return SigstoreMaterial.class.getResource("/sigstore/" + path) != null;
    }

    public static TrustedRoot root(String path) {
        try {
            return TrustedRoot.parse(bytes(path));
        } catch (ProvenanceException e) {
            throw new IllegalStateException(path + ": " + e.getMessage(), e);
        }
    }
}
