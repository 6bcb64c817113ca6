package dev.dualtrack.proxy.relay;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The digests of a body in flight: its sha256, and its git blob id when the source announced one. Netty hands the
 * relay direct buffers. SHA-256 alone reads them in place: JMH ({@code RelayHashing}) measured that at parity with
 * hashing 64 KiB heap arrays on this JDK, so a copy would only add work to every chunk. With a git blob id as well,
 * the chunk is copied once into a reusable 64 KiB array that both digests read, rather than having each digest
 * pull the direct buffer through its own small staging array.
 */
public final class ContentDigests {
    static final int SCRATCH = 64 * 1024;

    private final MessageDigest sha256;
    private final MessageDigest gitSha1;
    private final byte[] scratch = new byte[SCRATCH];

    /** @param gitBlobSize the announced size when a git blob id must be computed ({@code blob <size>\0} header) */
    public ContentDigests(Optional<Long> gitBlobSize) {
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
            if (gitBlobSize.isPresent()) {
                this.gitSha1 = MessageDigest.getInstance("SHA-1");
                gitSha1.update(("blob " + gitBlobSize.get() + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } else {
                this.gitSha1 = null;
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 and SHA-1 are required of every JDK", e);
        }
    }

    /** Reads {@code b} (position to limit) into every digest; {@code b} itself is not moved. */
    public void update(ByteBuffer b) {
        if (b.hasArray()) {
            int from = b.arrayOffset() + b.position();
            sha256.update(b.array(), from, b.remaining());
            if (gitSha1 != null) {
                gitSha1.update(b.array(), from, b.remaining());
            }
            return;
        }
        if (gitSha1 == null) {
            sha256.update(b.duplicate());
            return;
        }
        ByteBuffer src = b.duplicate();
        while (src.hasRemaining()) {
            int n = Math.min(SCRATCH, src.remaining());
            src.get(scratch, 0, n);
            sha256.update(scratch, 0, n);
            gitSha1.update(scratch, 0, n);
        }
    }

    public void update(ByteBuffer[] views) {
        for (ByteBuffer b : views) {
            update(b);
        }
    }

    /** The sha256 of everything read, as lower-case hex; ends this digest. */
    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256.digest());
    }

    /** The git blob id of everything read, when one is computed; ends that digest. */
    public Optional<String> gitBlobHex() {
        return gitSha1 == null ? Optional.empty() : Optional.of(HexFormat.of().formatHex(gitSha1.digest()));
    }

    public boolean computesGitBlob() {
        return gitSha1 != null;
    }
}
