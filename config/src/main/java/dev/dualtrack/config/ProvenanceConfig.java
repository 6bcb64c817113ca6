package dev.dualtrack.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Sigstore verification of PEP 740 attestations and model signatures.
 *
 * <p>{@code trusted-root} names a Sigstore TrustedRoot JSON file (a relative path is taken from the config file's
 * folder). Without it, the public-good production root embedded in this release is used. Sigstore rotates its keys
 * rarely and announces it; operators follow by replacing the file (see docs/provenance.md), since this process
 * never fetches trust material itself.
 */
public record ProvenanceConfig(Optional<Path> trustedRoot) {
}
