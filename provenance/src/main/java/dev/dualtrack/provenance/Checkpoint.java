package dev.dualtrack.provenance;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;

/**
 * A transparency log's checkpoint: a signed note (C2SP signed-note) whose body names the log, the tree size and
 * the root hash. Signature lines from other keys (witness cosignatures) are ignored; one line from the log's
 * key must verify.
 */
record Checkpoint(String origin, long size, byte[] rootHash) {

    static Checkpoint verify(String note, TrustedRoot.LogKey log) throws ProvenanceException {
        int split = note.indexOf("\n\n");
        if (split < 0) {
            throw ProvenanceException.invalid("checkpoint has no signature block");
        }
        String body = note.substring(0, split + 1);
        String[] lines = body.split("\n", -1);
        if (lines.length < 4) {
            throw ProvenanceException.invalid("checkpoint body has fewer than three lines");
        }
        long size;
        byte[] root;
        try {
            size = Long.parseLong(lines[1]);
            root = Base64.getDecoder().decode(lines[2]);
        } catch (IllegalArgumentException e) {
            throw ProvenanceException.invalid("checkpoint size or root hash is unreadable");
        }
        String origin = lines[0];
        byte[] signed = body.getBytes(StandardCharsets.UTF_8);
        for (String line : note.substring(split + 2).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (!line.startsWith("\u2014 ")) {
                throw ProvenanceException.invalid("checkpoint signature line does not start with an em dash");
            }
            int sp = line.lastIndexOf(' ');
            if (sp <= 2) {
                throw ProvenanceException.invalid("checkpoint signature line has no key name");
            }
            String name = line.substring(2, sp);
            byte[] sig;
            try {
                sig = Base64.getDecoder().decode(line.substring(sp + 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            // The line's name is the log's key name, which need not be the origin ("rekor.sigstore.dev" signs
            // for "rekor.sigstore.dev - <tree id>"); the key hint says whose line it is.
            if (sig.length < 5 || !Arrays.equals(Arrays.copyOf(sig, 4), keyHint(name, log))) {
                continue;
            }
            if (Keys.verify(log.key(), signed, Arrays.copyOfRange(sig, 4, sig.length))) {
                return new Checkpoint(origin, size, root);
            }
            throw ProvenanceException.invalid("checkpoint signature of " + name + " does not verify");
        }
        throw ProvenanceException.invalid("checkpoint carries no signature by the log's key");
    }

    /**
     * The 4-byte key hint a signature line starts with: for Rekor v1's ECDSA key, the first bytes of the log id
     * (SHA-256 of its SubjectPublicKeyInfo); for an Ed25519 key, SHA-256 of name, newline, 0x01 and the raw key.
     */
    private static byte[] keyHint(String name, TrustedRoot.LogKey log) {
        PublicKey key = log.key();
        if (key.getAlgorithm().equals("EdDSA") || key.getAlgorithm().equals("Ed25519")) {
            byte[] spki = key.getEncoded();
            byte[] raw = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update((name + "\n").getBytes(StandardCharsets.UTF_8));
                md.update((byte) 1);
                md.update(raw);
                return Arrays.copyOf(md.digest(), 4);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return Arrays.copyOf(log.keyId(), 4);
    }
}
