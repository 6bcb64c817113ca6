package dev.dualtrack.hf;

import dev.dualtrack.proxy.relay.Inspector;
import dev.dualtrack.scanner.Verdict;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Verifies a regular (non-LFS) file against its git blob id, which the Hub gives as its ETag:
 * {@code sha1("blob <size>\0" + bytes)}. The relay's sha256 check has nothing to compare with for these files
 * (config.json, tokenizers, a repo's {@code *.py} remote code), so without this a tampered one would pass. Wraps
 * the scanner so the relay still sees one inspector.
 */
final class GitBlobCheck implements Inspector {
    private final Inspector inner;
    private final String expectedOid;
    private final long size;
    private final MessageDigest sha1;
    private final java.util.function.BiConsumer<String, Verdict> blocked;
    private long seen;

    /** @param blocked told the blob id and the verdict when the scanner blocks these bytes */
    GitBlobCheck(Inspector inner, String expectedOid, long size, java.util.function.BiConsumer<String, Verdict> blocked) {
        this.inner = inner;
        this.blocked = blocked;
        this.expectedOid = expectedOid;
        this.size = size;
        try {
            this.sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JDK", e);
        }
        sha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public Status feed(ByteBuffer chunk) {
        seen += chunk.remaining();
        sha1.update(chunk.duplicate());
        return inner.feed(chunk);
    }

    @Override
    public Verdict finish() {
        Verdict scanned = inner.finish();
        if (scanned.blocked()) {
            // Only a body read whole is remembered by blob id, its own. One blocked early (a pickle's GLOBAL comes
            // first) is remembered by the fetcher for its location: the announced id is the Hub's word, and a repo
            // could announce the id of another repo's clean file.
            if (seen == size) {
                blocked.accept(HexFormat.of().formatHex(sha1.digest()), scanned);
            }
            return scanned;
        }
        String actual = HexFormat.of().formatHex(sha1.digest());
        if (seen != size || !actual.equals(expectedOid)) {
            return Verdict.block(HfRules.BLOB_OID_MISMATCH, "the file's git blob id is " + (seen == size ? actual
                    : "unknown (" + seen + " bytes, the Hub announced " + size + ")") + " but the Hub announced "
                    + expectedOid);
        }
        return scanned;
    }

    @Override
    public long holdFrom() {
        return inner.holdFrom();
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    public String name() {
        return inner.name() + "+git-blob-id";
    }
}
