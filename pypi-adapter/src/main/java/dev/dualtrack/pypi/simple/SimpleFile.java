package dev.dualtrack.pypi.simple;

import java.util.Map;
import java.util.Optional;

/**
 * One distribution file of a project page, with everything PEP 503/691/592/658/714/700 let an index say about
 * it. {@code url} is where the file really is (absolute); rendering replaces it with dualtrack's own URL.
 *
 * @param yanked       empty when not yanked; a reason (possibly "") when yanked (PEP 592)
 * @param coreMetadata empty when not advertised; hashes (possibly none) when a {@code .metadata} file exists
 *                     (PEP 658/714)
 * @param size         bytes, when the index said (PEP 700)
 * @param uploadTime   ISO 8601 UTC, when the index said (PEP 700)
 * @param provenance   the absolute URL of the file's PEP 740 provenance object, when the index said it has one
 */
public record SimpleFile(
        String filename,
        String url,
        Map<String, String> hashes,
        Optional<String> requiresPython,
        Optional<String> yanked,
        Optional<Map<String, String>> coreMetadata,
        Optional<Long> size,
        Optional<String> uploadTime,
        Optional<String> provenance) {

    /** The same file, yanked (PEP 592) with {@code reason}. */
    public SimpleFile withYanked(String reason) {
        return new SimpleFile(filename, url, hashes, requiresPython, Optional.of(reason), coreMetadata, size,
                uploadTime, provenance);
    }

    public SimpleFile {
        hashes = Map.copyOf(hashes);
        coreMetadata = coreMetadata.map(Map::copyOf);
    }

    /** A file without attestations. */
    public SimpleFile(String filename, String url, Map<String, String> hashes, Optional<String> requiresPython,
            Optional<String> yanked, Optional<Map<String, String>> coreMetadata, Optional<Long> size,
            Optional<String> uploadTime) {
        this(filename, url, hashes, requiresPython, yanked, coreMetadata, size, uploadTime, Optional.empty());
    }

    public Optional<String> sha256() {
        return Optional.ofNullable(hashes.get("sha256"));
    }
}
