package dev.dualtrack.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.ops.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobCacheTest {
    @TempDir
    Path dir;

    static final StoredVerdict CLEAN = new StoredVerdict(StoredVerdict.NOT_INSPECTED,
            dev.dualtrack.scanner.Verdict.allow());

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static String put(BlobCache cache, byte[] content) throws Exception {
        BlobCache.Writer w = cache.newWriter();
        ByteBuf buf = Unpooled.wrappedBuffer(content);
        try {
            w.write(buf);
        } finally {
            buf.release();
        }
        String sha = sha(content);
        w.commit(sha, CLEAN);
        return sha;
    }

    @Test
    void committedBlobsAreFoundByHashAndPartialOnesNever() throws Exception {
        BlobCache cache = new BlobCache(dir, 1 << 20, new ProxyMetrics());
        String sha = put(cache, "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(cache.find(sha)).hasValueSatisfying(c -> assertThat(c.blob()).hasContent("hello"));

        BlobCache.Writer half = cache.newWriter();
        ByteBuf buf = Unpooled.wrappedBuffer("half-written".getBytes(StandardCharsets.UTF_8));
        half.write(buf);
        buf.release();
        String halfSha = sha("half-written".getBytes(StandardCharsets.UTF_8));
        assertThat(cache.find(halfSha)).isEmpty();
        half.abort();
        assertThat(Files.list(dir.resolve("tmp")).count()).isZero();
    }

    @Test
    void restartKeepsCommittedBlobsAndDeletesTempFiles() throws Exception {
        BlobCache cache = new BlobCache(dir, 1 << 20, new ProxyMetrics());
        String sha = put(cache, "survives".getBytes(StandardCharsets.UTF_8));
        // A crash mid-write leaves a temp file behind.
        BlobCache.Writer crashed = cache.newWriter();
        ByteBuf buf = Unpooled.wrappedBuffer(new byte[1000]);
        crashed.write(buf);
        buf.release();

        BlobCache reopened = new BlobCache(dir, 1 << 20, new ProxyMetrics());
        assertThat(reopened.find(sha)).isPresent();
        assertThat(reopened.sizeBytes()).isEqualTo(8);
        try (Stream<Path> tmp = Files.list(dir.resolve("tmp"))) {
            assertThat(tmp).isEmpty();
        }
    }

    @Test
    void evictsLeastRecentlyUsedBlobsToStayUnderTheBound() throws Exception {
        BlobCache cache = new BlobCache(dir, 2500, new ProxyMetrics());
        String a = put(cache, filled(1000, 'a'));
        String b = put(cache, filled(1000, 'b'));
        assertThat(cache.find(a)).isPresent();          // a is now more recent than b
        String c = put(cache, filled(1000, 'c'));
        assertThat(cache.contains(b)).isFalse();
        assertThat(cache.contains(a)).isTrue();
        assertThat(cache.contains(c)).isTrue();
        assertThat(Files.exists(cache.pathOf(b))).isFalse();
        assertThat(cache.sizeBytes()).isEqualTo(2000);
    }

    @Test
    void recencySurvivesARestartThroughModificationTimes() throws Exception {
        BlobCache cache = new BlobCache(dir, 10_000, new ProxyMetrics());
        String old = put(cache, filled(1000, 'o'));
        String recent = put(cache, filled(1000, 'r'));
        Files.setLastModifiedTime(cache.pathOf(old), FileTime.fromMillis(1_000));
        Files.setLastModifiedTime(cache.pathOf(recent), FileTime.fromMillis(2_000));
        BlobCache small = new BlobCache(dir, 1500, new ProxyMetrics());
        assertThat(small.contains(old)).isFalse();
        assertThat(small.contains(recent)).isTrue();
    }

    @Test
    void aBlobKeepsEveryFindingAndTheInspectionAcrossARestart() throws Exception {
        BlobCache cache = new BlobCache(dir, 1 << 20, new ProxyMetrics());
        dev.dualtrack.scanner.Finding unknown = new dev.dualtrack.scanner.Finding("hf.pickle.unknown-import",
                dev.dualtrack.scanner.Severity.UNKNOWN, "imports acme.Thing");
        dev.dualtrack.scanner.Finding system = new dev.dualtrack.scanner.Finding("hf.pickle.dangerous-import",
                dev.dualtrack.scanner.Severity.DANGEROUS, "imports posix.system", 0);
        StoredVerdict found = new StoredVerdict("scanner:abc", new dev.dualtrack.scanner.Verdict(true,
                "hf.pickle.dangerous-import", "imports posix.system", java.util.List.of(unknown, system)));
        BlobCache.Writer w = cache.newWriter();
        ByteBuf buf = Unpooled.wrappedBuffer("let through once".getBytes(StandardCharsets.UTF_8));
        w.write(buf);
        buf.release();
        String sha = sha("let through once".getBytes(StandardCharsets.UTF_8));
        w.commit(sha, found);

        BlobCache reopened = new BlobCache(dir, 1 << 20, new ProxyMetrics());
        BlobCache.Cached c = reopened.find(sha).orElseThrow();
        assertThat(c.verdict()).isEqualTo(found);
        assertThat(c.verdict().answers("scanner:abc")).isTrue();
        assertThat(c.verdict().answers(StoredVerdict.NOT_INSPECTED)).isTrue();
        assertThat(c.verdict().answers("scanner:other")).isFalse();

        StoredVerdict again = new StoredVerdict("scanner:other", dev.dualtrack.scanner.Verdict.allow());
        assertThat(reopened.restate(sha, again)).isTrue();
        assertThat(reopened.find(sha).orElseThrow().verdict()).isEqualTo(again);
    }

    @Test
    void aBlobWithoutItsVerdictIsNotACacheEntry() throws Exception {
        BlobCache cache = new BlobCache(dir, 1 << 20, new ProxyMetrics());
        String kept = put(cache, "kept".getBytes(StandardCharsets.UTF_8));
        String bare = put(cache, "bare".getBytes(StandardCharsets.UTF_8));
        String damaged = put(cache, "damaged".getBytes(StandardCharsets.UTF_8));
        // An older version's blob (no findings kept), and one whose verdict is damaged.
        Files.delete(BlobCache.verdictOf(cache.pathOf(bare)));
        Files.writeString(BlobCache.verdictOf(cache.pathOf(damaged)), "{\"v\":1,");
        // A verdict whose blob never arrived (a crash between the two renames).
        Path orphan = BlobCache.verdictOf(cache.pathOf("f".repeat(64)));
        Files.createDirectories(orphan.getParent());
        Files.writeString(orphan, "{}");

        BlobCache reopened = new BlobCache(dir, 1 << 20, new ProxyMetrics());
        assertThat(reopened.find(kept)).isPresent();
        assertThat(reopened.find(bare)).isEmpty();
        assertThat(reopened.find(damaged)).isEmpty();
        assertThat(Files.exists(cache.pathOf(bare))).isFalse();
        assertThat(Files.exists(cache.pathOf(damaged))).isFalse();
        assertThat(Files.exists(orphan)).isFalse();
        assertThat(reopened.sizeBytes()).isEqualTo(4);

        // A verdict lost while running: the blob is no longer served either.
        Files.delete(BlobCache.verdictOf(cache.pathOf(kept)));
        assertThat(reopened.find(kept)).isEmpty();
        assertThat(reopened.contains(kept)).isFalse();
    }

    @Test
    void evictionTakesTheVerdictWithTheBlob() throws Exception {
        BlobCache cache = new BlobCache(dir, 1500, new ProxyMetrics());
        String a = put(cache, filled(1000, 'a'));
        put(cache, filled(1000, 'b'));
        assertThat(Files.exists(cache.pathOf(a))).isFalse();
        assertThat(Files.exists(BlobCache.verdictOf(cache.pathOf(a)))).isFalse();
    }

    @Test
    void rejectsWhatIsNotAHash() throws Exception {
        BlobCache cache = new BlobCache(dir, 10_000, new ProxyMetrics());
        assertThat(cache.find("../../etc/passwd")).isEmpty();
        assertThat(BlobCache.isSha256("A".repeat(64))).isFalse();
    }

    private static byte[] filled(int n, char c) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) c);
        return b;
    }
}
