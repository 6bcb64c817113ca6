package dev.dualtrack.provenance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Inclusion proofs for every leaf of every tree up to 33 leaves, against a tree built the RFC 6962 way. */
class MerkleTest {
    private static byte[] node(byte[] l, byte[] r) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update((byte) 1);
        md.update(l);
        md.update(r);
        return md.digest();
    }

    /** MTH(D[lo:hi]) of RFC 6962 section 2.1. */
    private static byte[] root(List<byte[]> leaves, int lo, int hi) throws Exception {
        if (hi - lo == 1) {
            return leaves.get(lo);
        }
        int k = Integer.highestOneBit(hi - lo - 1);
        return node(root(leaves, lo, lo + k), root(leaves, lo + k, hi));
    }

    /** PATH(m, D[lo:hi]). */
    private static List<byte[]> path(List<byte[]> leaves, int m, int lo, int hi) throws Exception {
        List<byte[]> out = new ArrayList<>();
        if (hi - lo == 1) {
            return out;
        }
        int k = Integer.highestOneBit(hi - lo - 1);
        if (m < k) {
            out.addAll(path(leaves, m, lo, lo + k));
            out.add(root(leaves, lo + k, hi));
        } else {
            out.addAll(path(leaves, m - k, lo + k, hi));
            out.add(root(leaves, lo, lo + k));
        }
        return out;
    }

    @Test
    void everyLeafOfEveryTreeProvesItsInclusionAndNothingElseDoes() throws Exception {
        for (int size = 1; size <= 33; size++) {
            List<byte[]> leaves = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                leaves.add(Merkle.leafHash(("entry " + i).getBytes(StandardCharsets.UTF_8)));
            }
            byte[] root = root(leaves, 0, size);
            for (int i = 0; i < size; i++) {
                List<byte[]> proof = path(leaves, i, 0, size);
                assertThat(Merkle.verifyInclusion(i, size, leaves.get(i), proof, root)).as(i + "/" + size).isTrue();
                if (size > 1) {
                    int other = (i + 1) % size;
                    assertThat(Merkle.verifyInclusion(other, size, leaves.get(i), proof, root)).as("index " + other
                            + " for leaf " + i + "/" + size).isFalse();
                    assertThat(Merkle.verifyInclusion(i, size, leaves.get(other), proof, root)).as("leaf " + other
                            + " at " + i + "/" + size).isFalse();
                }
            }
        }
    }

    @Test
    void anIndexOutsideTheTreeIsRefused() {
        byte[] leaf = Merkle.leafHash(new byte[0]);
        assertThat(Merkle.verifyInclusion(1, 1, leaf, List.of(), leaf)).isFalse();
        assertThat(Merkle.verifyInclusion(-1, 1, leaf, List.of(), leaf)).isFalse();
        assertThat(Merkle.verifyInclusion(0, 1, leaf, List.of(), leaf)).isTrue();
    }
}
