package dev.dualtrack.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ContentDigestsTest {
    @Test
    void directAndHeapChunksOfEverySizeGiveTheDigestsOfTheWhole() throws Exception {
        byte[] body = new byte[3 * ContentDigests.SCRATCH + 17];
        new Random(7).nextBytes(body);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(("blob " + body.length + "\0").getBytes(StandardCharsets.US_ASCII));
        String gitBlob = HexFormat.of().formatHex(sha1.digest(body));
        Random splits = new Random(11);
        for (boolean git : new boolean[] {false, true}) {
            for (boolean direct : new boolean[] {false, true}) {
                ContentDigests d = new ContentDigests(git ? Optional.of((long) body.length) : Optional.empty());
                int at = 0;
                while (at < body.length) {
                    int n = Math.min(body.length - at, 1 + splits.nextInt(2 * ContentDigests.SCRATCH));
                    ByteBuffer chunk = direct ? ByteBuffer.allocateDirect(n + 3) : ByteBuffer.allocate(n + 3);
                    chunk.position(3);
                    chunk.put(body, at, n).position(3);
                    d.update(chunk);
                    assertThat(chunk.position()).as("the chunk is not moved").isEqualTo(3);
                    at += n;
                }
                assertThat(d.computesGitBlob()).isEqualTo(git);
                assertThat(d.sha256Hex()).as("sha256, git=%s direct=%s", git, direct).isEqualTo(sha256);
                assertThat(d.gitBlobHex()).isEqualTo(git ? Optional.of(gitBlob) : Optional.empty());
            }
        }
    }
}
