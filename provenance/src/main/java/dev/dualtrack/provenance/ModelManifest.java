package dev.dualtrack.provenance;

import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The signed list of a model's files and digests, from a verified {@code model.sig}.
 *
 * <p>With {@code method: files} and {@code hash_type: sha256} each file's digest is the SHA-256 of its bytes, which
 * the proxy computes in flight anyway, so every file is checked by itself. Other methods (shards, blake2) sign
 * digests no single download can recompute: the signature is verified, and files are reported as not checkable
 * one by one ({@link #fileLevelSha256()} false).
 *
 * @param signer the Sigstore identity, or null for certificate and key signatures
 * @param model  the name the signer gave the model (the statement's subject name: by default, the folder's name)
 */
public record ModelManifest(String method, String hashType, Map<String, byte[]> files, List<String> ignorePaths,
        SignerIdentity signer, String model) {

    public boolean fileLevelSha256() {
        return method.equals("files") && hashType.equals("sha256");
    }

    /** True when the signer chose not to cover {@code path} (its recorded ignore paths, and model.sig itself). */
    public boolean ignored(String path, Set<String> alsoIgnore) {
        if (path.equals(ModelSignature.FILE_NAME)) {
            return true;
        }
        for (String i : ignorePaths) {
            if (path.equals(i) || path.startsWith(i + "/")) {
                return true;
            }
        }
        for (String i : alsoIgnore) {
            if (path.equals(i) || path.startsWith(i + "/")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the manifest covers {@code path} at all: a file entry, or (shards) a range of it
     * ({@code path:start:end}).
     */
    public boolean lists(String path) {
        if (files.containsKey(path)) {
            return true;
        }
        if (method.equals("shards")) {
            for (String name : files.keySet()) {
                int end = name.lastIndexOf(':');
                int start = end < 0 ? -1 : name.lastIndexOf(':', end - 1);
                if (start > 0 && name.substring(0, start).equals(path)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The signed SHA-256 of {@code path}, if the manifest lists it. */
    public Optional<byte[]> sha256(String path) {
        return fileLevelSha256() ? Optional.ofNullable(files.get(path)) : Optional.empty();
    }

    /**
     * Checks a whole folder's files (relative path to SHA-256) against the manifest: the same set of files, the
     * same digests.
     */
    public void checkFolder(Map<String, byte[]> folder, Set<String> alsoIgnore) throws ProvenanceException {
        if (!fileLevelSha256()) {
            throw ProvenanceException.invalid("model.sig uses serialization " + method + "/" + hashType
                    + ", which cannot be checked file by file");
        }
        Set<String> unsigned = new TreeSet<>();
        for (var e : folder.entrySet()) {
            if (ignored(e.getKey(), alsoIgnore)) {
                continue;
            }
            byte[] signed = files.get(e.getKey());
            if (signed == null) {
                unsigned.add(e.getKey());
            } else if (!MessageDigest.isEqual(signed, e.getValue())) {
                throw ProvenanceException.invalid(e.getKey() + " differs from the signed manifest");
            }
        }
        if (!unsigned.isEmpty()) {
            throw ProvenanceException.invalid("files not in the signed manifest: " + String.join(", ", unsigned));
        }
        Set<String> missing = new TreeSet<>(files.keySet());
        missing.removeAll(folder.keySet());
        if (!missing.isEmpty()) {
            throw ProvenanceException.invalid("signed files missing: " + String.join(", ", missing));
        }
    }
}
