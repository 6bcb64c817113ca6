package dev.dualtrack.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face Hub for tests, answering with the headers of the real Hub's (docs/protocols.md) and the
 * shapes of §1.6:
 * <ul>
 *   <li>LFS files are a 302 from the Hub to a separate CDN origin, carrying {@code X-Linked-Etag} (the sha256),
 *       {@code X-Linked-Size}, {@code X-Repo-Commit}, a weak {@code ETag}, and the Xet headers and Link rels.
 *       The CDN can serve other bytes than the Hub announced (tampering).</li>
 *   <li>Regular files are a relative 307 to {@code /api/resolve-cache/...}, whose answer has the git blob id as
 *       its ETag.</li>
 *   <li>Repo info ({@code siblings}, {@code sha}), {@code /tree} with {@code xetHash} and absolute
 *       {@code Link rel="next"} pages, {@code /paths-info} for form and JSON bodies; unknown files are a 404
 *       with {@code X-Error-Code: EntryNotFound}.</li>
 * </ul>
 */
public final class FakeHub implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ScriptedOrigin hub;
    private final ScriptedOrigin cdn;
    /** Whether this fake owns the origins (another repo on the same fake Hub does not). */
    private final boolean owner;
    private final String repo;
    private final String commit;
    /** {@code models} or {@code datasets}: the API segment; the resolve prefix follows from it. */
    private final String type;
    /** path → tree entry, in insertion order. */
    private final Map<String, ObjectNode> entries =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>());
    private volatile int pageSize = 1000;
    /** A private repo's token: every request about it must carry {@code Authorization: Bearer} it. */
    private final String token;

    public FakeHub(String repo, String commit) throws IOException {
        this(new ScriptedOrigin(), new ScriptedOrigin(), true, "models", repo, commit, null);
    }

    /** Another model repo on the same Hub and CDN. */
    public FakeHub anotherRepo(String otherRepo, String otherCommit) {
        return new FakeHub(hub, cdn, false, "models", otherRepo, otherCommit, null);
    }

    /**
     * A private model repo on the same Hub: without {@code Authorization: Bearer token}, every request about it is
     * answered as the Hub answers one about a repo the caller cannot see (401, {@code RepoNotFound}).
     */
    public FakeHub privateRepo(String otherRepo, String otherCommit, String token) {
        return new FakeHub(hub, cdn, false, "models", otherRepo, otherCommit, token);
    }

    /** A dataset repo on the same Hub and CDN ({@code /api/datasets/...}, {@code /datasets/{repo}/resolve/...}). */
    public FakeHub dataset(String otherRepo, String otherCommit) {
        return new FakeHub(hub, cdn, false, "datasets", otherRepo, otherCommit, null);
    }

    private FakeHub(ScriptedOrigin hub, ScriptedOrigin cdn, boolean owner, String type, String repo, String commit,
            String token) {
        this.token = token;
        this.hub = hub;
        this.cdn = cdn;
        this.owner = owner;
        this.type = type;
        this.repo = repo;
        this.commit = commit;
        for (String rev : new String[] {"main", commit}) {
            serve("/api/" + type + "/" + repo + "/revision/" + rev, req -> json(info()));
            serve("/api/" + type + "/" + repo + "/tree/" + rev, req -> tree(rev, req.pathAndQuery()));
            serve("/api/" + type + "/" + repo + "/paths-info/" + rev, req -> pathsInfo(req));
        }
        serve("/api/" + type + "/" + repo, req -> json(info()));
        if (owner) {
            hub.otherwise(this::missing);
        }
    }

    /** Answers {@code path}, a private repo's only with its token. */
    private void serve(String path, java.util.function.Function<ScriptedOrigin.Request, Script> answer) {
        hub.onRequest(path, req -> token == null || ("Bearer " + token).equals(req.headers().get("authorization"))
                ? answer.apply(req) : Script.status(401).header("X-Error-Code", "RepoNotFound")
                        .header("X-Error-Message", "Repository not found"));
    }

    private void serve(String path, Script script) {
        serve(path, req -> script);
    }

    /** The Hub's 404s: a file not in the repo (with the commit, for the client's negative cache), or no repo. */
    private Script missing(ScriptedOrigin.Request req) {
        if (req.pathAndQuery().contains("/resolve/")) {
            return Script.status(404).header("X-Error-Code", "EntryNotFound").header("X-Repo-Commit", commit)
                    .header("X-Error-Message", "Entry not found");
        }
        return Script.status(401).header("X-Error-Code", "RepoNotFound").header("X-Error-Message",
                "Repository not found");
    }

    public ScriptedOrigin hub() {
        return hub;
    }

    public ScriptedOrigin cdn() {
        return cdn;
    }

    public String repo() {
        return repo;
    }

    public String commit() {
        return commit;
    }

    /** Splits {@code /tree} answers into pages of {@code n} entries linked by {@code Link: rel="next"}. */
    public FakeHub pageSize(int n) {
        this.pageSize = n;
        return this;
    }

    /** An LFS file: the Hub announces {@code announced}, the CDN serves {@code served}. */
    public FakeHub lfsFile(String path, byte[] announced, byte[] served) {
        String sha = sha256(announced);
        String cdnPath = "/repos/" + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha;
        cdn.on(cdnPath, Script.ok(BodySource.of(served)).header("ETag", "\"" + sha + "\"")
                .header("Accept-Ranges", "bytes"));
        return lfsRedirect(path, announced, cdn.uri(cdnPath + "?X-Amz-Expires=3600&X-Amz-Signature=abc"));
    }

    /** An LFS file the Hub sends to {@code location}, which may be any host (an off-hub redirect). */
    public FakeHub lfsRedirect(String path, byte[] announced, URI location) {
        String sha = sha256(announced);
        for (String rev : new String[] {"main", commit}) {
            serve(resolvePrefix() + repo + "/resolve/" + rev + "/" + path, Script.redirect(302, location.toString())
                    .header("X-Repo-Commit", commit).header("X-Linked-Etag", "\"" + sha + "\"")
                    .header("X-Linked-Size", Long.toString(announced.length))
                    .header("ETag", "W/\"391-uHvU\"").header("X-Xet-Hash", "f".repeat(64))
                    .header("Access-Control-Expose-Headers", "X-Repo-Commit,X-Linked-Size,X-Linked-ETag,X-Xet-Hash")
                    .header("Link", "<" + hub.uri("/api/" + type + "/" + repo + "/xet-read-token/" + commit)
                            + ">; rel=\"xet-auth\", <https://cas-server.xethub.hf.co/v1/reconstructions/"
                            + "f".repeat(64) + ">; rel=\"xet-reconstruction-info\""));
        }
        ObjectNode e = entry(path, "a".repeat(40), announced.length);
        e.put("xetHash", "f".repeat(64));
        e.putObject("lfs").put("oid", sha).put("size", announced.length).put("pointerSize", 134);
        entries.put(path, e);
        return this;
    }

    /** A regular (git) file, reached through the Hub's relative 307 to resolve-cache. */
    public FakeHub regularFile(String path, byte[] bytes) {
        return regularFile(path, bytes, bytes);
    }

    /** A regular file whose resolve-cache answer serves {@code served} under the blob id of {@code announced}. */
    public FakeHub regularFile(String path, byte[] announced, byte[] served) {
        String blob = gitBlobSha1(announced);
        String cachePath = "/api/resolve-cache/" + type + "/" + repo + "/" + commit + "/" + path;
        serve(cachePath, Script.ok(BodySource.of(served)).header("X-Repo-Commit", commit)
                .header("ETag", "\"" + blob + "\"").header("Content-Type", "text/plain; charset=utf-8"));
        for (String rev : new String[] {"main", commit}) {
            serve(resolvePrefix() + repo + "/resolve/" + rev + "/" + path, Script.redirect(307, cachePath
                    + "?%2F" + repo
                    + "%2Fresolve%2F" + rev + "%2F" + path + "=&etag=%22" + blob + "%22")
                    .header("X-Repo-Commit", commit));
        }
        entries.put(path, entry(path, blob, announced.length));
        return this;
    }

    private String resolvePrefix() {
        return type.equals("models") ? "/" : "/datasets/";
    }

    private ObjectNode entry(String path, String oid, long size) {
        return JSON.createObjectNode().put("type", "file").put("oid", oid).put("size", size).put("path", path);
    }

    private String info() {
        ObjectNode info = JSON.createObjectNode().put("_id", "65f0c0ffee").put("id", repo).put("modelId", repo)
                .put("sha", commit).put("private", false).put("gated", false).put("disabled", false)
                .put("pipeline_tag", "fill-mask").put("downloads", 1).put("likes", 0)
                .put("lastModified", "2026-11-01T10:00:00.000Z");
        ArrayNode siblings = info.putArray("siblings");
        snapshot().forEach(e -> siblings.addObject().put("rfilename", e.path("path").asText()));
        return info.toString();
    }

    private List<ObjectNode> snapshot() {
        synchronized (entries) {
            return new ArrayList<>(entries.values());
        }
    }

    private Script tree(String rev, String pathAndQuery) {
        List<ObjectNode> all = snapshot();
        int from = 0;
        String query = pathAndQuery.contains("?") ? pathAndQuery.substring(pathAndQuery.indexOf('?') + 1) : "";
        for (String kv : query.split("&")) {
            if (kv.startsWith("cursor=")) {
                from = Integer.parseInt(kv.substring("cursor=".length()));
            }
        }
        int to = Math.min(all.size(), from + pageSize);
        ArrayNode page = JSON.createArrayNode();
        all.subList(from, to).forEach(page::add);
        Script s = json(page.toString());
        if (to < all.size()) {
            s.header("Link", "<" + hub.uri("/api/" + type + "/" + repo + "/tree/" + rev + "?recursive=true&expand=false"
                    + "&cursor=" + to) + ">; rel=\"next\"");
        }
        return s;
    }

    /** huggingface_hub posts a form ({@code paths=a&paths=b}); the JS client posts JSON ({@code {"paths":[...]}}). */
    private Script pathsInfo(ScriptedOrigin.Request req) {
        List<String> paths = new ArrayList<>();
        String body = new String(req.body(), StandardCharsets.UTF_8);
        if (String.valueOf(req.headers().get("content-type")).startsWith("application/json")) {
            try {
                JSON.readTree(body).path("paths").forEach(p -> paths.add(p.asText()));
            } catch (IOException e) {
                return Script.status(400);
            }
        } else {
            for (String kv : body.split("&")) {
                if (kv.startsWith("paths=")) {
                    paths.add(URLDecoder.decode(kv.substring("paths=".length()), StandardCharsets.UTF_8));
                }
            }
        }
        ArrayNode out = JSON.createArrayNode();
        for (String p : paths) {
            JsonNode e = entries.get(p);
            if (e != null) {
                out.add(e.deepCopy());
            }
        }
        return json(out.toString());
    }

    private static Script json(String body) {
        return Script.ok(BodySource.of(body.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json; charset=utf-8")
                .header("RateLimit", "\"api\";r=499;t=300");
    }

    public static String sha256(byte[] b) {
        return hex("SHA-256", b);
    }

    /** Git's blob id: sha1 of {@code "blob <size>\0"} and the bytes, which the Hub uses as a regular file's ETag. */
    public static String gitBlobSha1(byte[] b) {
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
        if (!owner) {
            return;
        }
        hub.close();
        cdn.close();
    }
}
