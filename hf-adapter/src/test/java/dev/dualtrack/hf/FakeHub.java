package dev.dualtrack.hf;

import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A Hugging Face Hub for tests, answering with the headers of the captures in hf-protocol.md §1.3: LFS files are
 * a 302 from the Hub to a separate CDN origin carrying {@code X-Linked-Etag} (the sha256), {@code X-Linked-Size},
 * {@code X-Repo-Commit} and the Xet headers and Link rels; regular files are a relative 307 to
 * {@code /api/resolve-cache/...}. The CDN can serve other bytes than the Hub announces (tampering).
 */
public final class FakeHub implements AutoCloseable {
    private final ScriptedOrigin hub = new ScriptedOrigin();
    private final ScriptedOrigin cdn = new ScriptedOrigin();
    private final String repo;
    private final String commit;
    private final List<String> treeEntries = new ArrayList<>();

    public FakeHub(String repo, String commit) throws IOException {
        this.repo = repo;
        this.commit = commit;
        String info = "{\"_id\":\"65f0\",\"id\":\"" + repo + "\",\"sha\":\"" + commit + "\",\"private\":false}";
        for (String rev : new String[] {"main", commit}) {
            hub.on("/api/models/" + repo + "/revision/" + rev, json(info));
        }
        publishTree();
    }

    public ScriptedOrigin hub() {
        return hub;
    }

    public ScriptedOrigin cdn() {
        return cdn;
    }

    /** An LFS file: the Hub announces {@code announced}, the CDN serves {@code served}. */
    public FakeHub lfsFile(String path, byte[] announced, byte[] served) {
        String sha = sha256(announced);
        String cdnPath = "/repos/" + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha;
        cdn.on(cdnPath, Script.ok(BodySource.of(served)).header("ETag", "\"" + sha + "\"")
                .header("Accept-Ranges", "bytes"));
        for (String rev : new String[] {"main", commit}) {
            hub.on("/" + repo + "/resolve/" + rev + "/" + path,
                    Script.redirect(302, cdn.uri(cdnPath + "?X-Amz-Expires=3600&X-Amz-Signature=abc").toString())
                            .header("X-Repo-Commit", commit).header("X-Linked-Etag", "\"" + sha + "\"")
                            .header("X-Linked-Size", Long.toString(announced.length))
                            .header("ETag", "W/\"391-uHvU\"").header("X-Xet-Hash", "f".repeat(64))
                            .header("Link", "<" + hub.uri("/api/models/" + repo + "/xet-read-token/" + commit)
                                    + ">; rel=\"xet-auth\", <https://cas-server.xethub.hf.co/v1/reconstructions/"
                                    + "f".repeat(64) + ">; rel=\"xet-reconstruction-info\""));
        }
        treeEntries.add("{\"type\":\"file\",\"oid\":\"" + "a".repeat(40) + "\",\"size\":" + announced.length
                + ",\"path\":\"" + path + "\",\"xetHash\":\"" + "f".repeat(64) + "\",\"lfs\":{\"oid\":\"" + sha
                + "\",\"size\":" + announced.length + ",\"pointerSize\":134}}");
        publishTree();
        return this;
    }

    /** A regular (git) file, reached through the Hub's relative 307 to resolve-cache. */
    public FakeHub regularFile(String path, byte[] bytes) {
        String blob = gitBlobSha1(bytes);
        String cachePath = "/api/resolve-cache/models/" + repo + "/" + commit + "/" + path;
        hub.on(cachePath, Script.ok(BodySource.of(bytes)).header("X-Repo-Commit", commit)
                .header("ETag", "\"" + blob + "\""));
        for (String rev : new String[] {"main", commit}) {
            hub.on("/" + repo + "/resolve/" + rev + "/" + path, Script.redirect(307, cachePath + "?%2F" + repo
                    + "%2Fresolve%2F" + rev + "%2F" + path + "=&etag=%22" + blob + "%22"));
        }
        treeEntries.add("{\"type\":\"file\",\"oid\":\"" + blob + "\",\"size\":" + bytes.length + ",\"path\":\""
                + path + "\"}");
        publishTree();
        return this;
    }

    private void publishTree() {
        String body = "[" + String.join(",", treeEntries) + "]";
        for (String rev : new String[] {"main", commit}) {
            hub.on("/api/models/" + repo + "/tree/" + rev, json(body));
        }
    }

    private static Script json(String body) {
        return Script.ok(BodySource.of(body.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json; charset=utf-8");
    }

    public static String sha256(byte[] b) {
        return hex("SHA-256", b);
    }

    /** Git's blob id: sha1 of {@code "blob <size>\0"} and the bytes, which the Hub uses as a regular file's ETag. */
    static String gitBlobSha1(byte[] b) {
        byte[] head = ("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + b.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(b, 0, all, head.length, b.length);
        return hex("SHA-1", all);
    }

    private static String hex(String algorithm, byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        hub.close();
        cdn.close();
    }
}
