package dev.dualtrack.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import java.util.Optional;

/**
 * Rewrites the Hub's listings ({@code /tree} and {@code /paths-info} arrays, repo info {@code siblings}) for
 * clients: every {@code xetHash} goes (a v1.22+ huggingface_hub would otherwise skip dualtrack for Xet), and the LFS
 * sha256 of each file is learnt for its commit, so a later download of it is judged by what is known of those
 * bytes before the Hub is asked. Nothing waits for a scan.
 *
 * <p>A file whose verdict is a block is <b>listed</b>, not hidden. The Hub has no resolver that would fall back to
 * another file: hidden, the file made {@code snapshot_download} end with a partial snapshot and exit 0, and the
 * model failed later for a reason nobody could see. Listed, its download is refused with the rule in
 * {@code X-Error-Message}, which huggingface_hub raises and the JavaScript client prints (docs/policy.md, "Hidden or
 * refused").
 *
 * <p>Repo info lists siblings by name only, unless asked with {@code blobs=true}; their sha256 is then taken
 * from what earlier listings and HEAD answers taught us for the same commit.
 */
final class ListingFilter {
    /** {@code type/repo@commit:path} → LFS sha256, learnt from listings and HEAD answers. */
    private final Cache<String, String> oids;

    ListingFilter(dev.dualtrack.proxy.cache.Caches caches) {
        this.oids = caches.bounded("hf-listed-oids", 200_000, java.time.Duration.ZERO);
    }

    void learn(HubPath.RepoType type, String repo, String commit, String path, String sha256) {
        oids.put(key(type, repo, commit, path), sha256);
    }

    Optional<String> knownOid(HubPath.RepoType type, String repo, String commit, String path) {
        return Optional.ofNullable(oids.getIfPresent(key(type, repo, commit, path)));
    }

    /**
     * Rewrites a {@code /tree} or {@code /paths-info} answer in place.
     *
     * @param commit the revision when it is a commit (only then are oids learnt), else empty
     */
    void filterEntries(JsonNode listing, HubPath.RepoType type, String repo, Optional<String> commit) {
        XetStripping.stripJson(listing);
        if (!(listing instanceof ArrayNode entries) || commit.isEmpty()) {
            return;
        }
        for (JsonNode e : entries) {
            String sha = e.path("lfs").path("oid").asText("");
            if (sha.matches("[0-9a-f]{64}")) {
                learn(type, repo, commit.get(), e.path("path").asText(""), sha);
            }
        }
    }

    /** Rewrites repo info ({@code /api/models/{repo}[/revision/{rev}]}) in place: its {@code siblings}. */
    void filterRepoInfo(JsonNode info, HubPath.RepoType type, String repo) {
        XetStripping.stripJson(info);
        String commit = info.path("sha").asText("");
        if (!(info instanceof ObjectNode) || !(info.get("siblings") instanceof ArrayNode siblings)
                || commit.isEmpty()) {
            return;
        }
        for (JsonNode s : siblings) {
            String sha = s.path("lfs").path("sha256").asText("");
            if (sha.matches("[0-9a-f]{64}")) {
                learn(type, repo, commit, s.path("rfilename").asText(""), sha);
            }
        }
    }

    private static String key(HubPath.RepoType type, String repo, String commit, String path) {
        return type.apiSegment + "/" + repo + "@" + commit + ":" + path;
    }
}
