package dev.dualtrack.hf;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the Hub's answer to {@code HEAD /{repo}/resolve/{rev}/{path}} says about a file, and the HEAD answer
 * dualtrack gives in its place. huggingface_hub's {@code get_hf_file_metadata} needs {@code X-Repo-Commit}, an
 * ETag ({@code X-Linked-Etag} before {@code ETag}) and a size ({@code X-Linked-Size}, or {@code Content-Length}
 * only when the answer is not a redirect); without them it raises {@code FileMetadataError}. For LFS files the
 * linked ETag is the content sha256, which the download is then verified against.
 *
 * @param lfsSha256 the LFS oid, when the linked ETag is one (64 hex); empty for regular git files
 * @param location  where the Hub sends the bytes (a CDN URL, or a relative {@code /api/resolve-cache/...})
 */
public record FileMeta(String commit, String etag, Optional<String> lfsSha256, long size, Optional<String> location) {

    /**
     * Reads an upstream HEAD answer.
     *
     * @throws IllegalArgumentException naming the missing or malformed header (the route answers 502 with it)
     */
    public static FileMeta fromUpstream(int status, HttpHeaders h) {
        String commit = h.get("x-repo-commit");
        if (commit == null || !commit.matches("[0-9a-f]{40}")) {
            throw new IllegalArgumentException("the Hub's answer has no valid X-Repo-Commit: " + commit);
        }
        String linked = h.get("x-linked-etag");
        String raw = linked != null ? linked : h.get("etag");
        if (raw == null) {
            throw new IllegalArgumentException("the Hub's answer has no ETag");
        }
        String etag = normalizeEtag(raw);
        Optional<String> sha = linked != null && etag.matches("[0-9a-f]{64}") ? Optional.of(etag) : Optional.empty();
        OptionalLong size = parseSize(h.get("x-linked-size"));
        if (size.isEmpty() && (status < 300 || status >= 400)) {
            size = parseSize(h.get("content-length"));
        }
        if (size.isEmpty()) {
            throw new IllegalArgumentException("the Hub's answer gives no file size");
        }
        return new FileMeta(commit, etag, sha, size.getAsLong(), Optional.ofNullable(h.get("location")));
    }

    /** The HEAD answer for clients: the same contract, with no Location (clients never leave dualtrack). */
    public HttpHeaders clientHeaders() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.set("X-Repo-Commit", commit);
        h.set("ETag", "\"" + etag + "\"");
        lfsSha256.ifPresent(s -> h.set("X-Linked-Etag", "\"" + s + "\""));
        h.set("X-Linked-Size", Long.toString(size));
        h.set("Content-Length", Long.toString(size));
        h.set("Accept-Ranges", "bytes");
        return h;
    }

    /** huggingface_hub's normalisation: drop a weak prefix and the quotes. */
    static String normalizeEtag(String raw) {
        String e = raw.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }

    private static OptionalLong parseSize(String v) {
        if (v == null || !v.strip().matches("[0-9]{1,18}")) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(v.strip()));
    }
}
