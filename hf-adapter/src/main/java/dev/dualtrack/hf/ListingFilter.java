package dev.dualtrack.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.dualtrack.scanner.Verdict;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Rewrites the Hub's listings ({@code /tree} and {@code /paths-info} arrays, repo info {@code siblings}) for
 * clients: every {@code xetHash} goes (a v1.22+ huggingface_hub would otherwise skip dualtrack for Xet), and a
 * file whose sha256 already has a blocking verdict is left out, so {@code snapshot_download} never asks for it.
 * Nothing waits for a scan: a file not yet judged is listed, and judged when it is fetched.
 *
 * <p>Repo info lists siblings by name only, unless asked with {@code blobs=true}; their sha256 is then taken
 * from what earlier listings and HEAD answers taught us for the same commit.
 */
final class ListingFilter {
    /** One hidden file: its path and the verdict that hid it. */
    record Hidden(String path, Verdict verdict) {
    }

    private final Function<String, Optional<Verdict>> verdictOf;
    private final Function<String, Optional<Verdict>> verdictOfBlobId;
    /** {@code type/repo@commit:path} → LFS sha256, learnt from listings and HEAD answers. */
    private final Cache<String, String> oids = Caffeine.newBuilder().maximumSize(200_000).build();

    /**
     * @param verdictOf       the verdict cached for an LFS file's sha256
     * @param verdictOfBlobId the verdict cached for a regular file's git blob id
     */
    ListingFilter(Function<String, Optional<Verdict>> verdictOf, Function<String, Optional<Verdict>> verdictOfBlobId) {
        this(verdictOf, verdictOfBlobId, (artifact, path, sha256, v) -> v.blocked());
    }

    /** Whether a known block hides a listed file: the policy section may let it through (a waiver). */
    interface Stands {
        boolean test(String artifact, String path, String sha256, Verdict block);
    }

    private final Stands stands;

    /** @param stands asked about each known block before its file is hidden */
    ListingFilter(Function<String, Optional<Verdict>> verdictOf, Function<String, Optional<Verdict>> verdictOfBlobId,
            Stands stands) {
        this.verdictOf = verdictOf;
        this.verdictOfBlobId = verdictOfBlobId;
        this.stands = stands;
    }

    void learn(HubPath.RepoType type, String repo, String commit, String path, String sha256) {
        oids.put(key(type, repo, commit, path), sha256);
    }

    Optional<String> knownOid(HubPath.RepoType type, String repo, String commit, String path) {
        return Optional.ofNullable(oids.getIfPresent(key(type, repo, commit, path)));
    }

    /**
     * Filters a {@code /tree} or {@code /paths-info} answer in place.
     *
     * @param commit the revision when it is a commit (only then are oids learnt), else empty
     */
    List<Hidden> filterEntries(JsonNode listing, HubPath.RepoType type, String repo, Optional<String> commit) {
        XetStripping.stripJson(listing);
        List<Hidden> hidden = new ArrayList<>();
        if (!(listing instanceof ArrayNode entries)) {
            return hidden;
        }
        for (Iterator<JsonNode> it = entries.elements(); it.hasNext(); ) {
            JsonNode e = it.next();
            String path = e.path("path").asText("");
            String sha = e.path("lfs").path("oid").asText("");
            String blobId = e.path("oid").asText("");
            Optional<Verdict> v;
            if (sha.matches("[0-9a-f]{64}")) {
                commit.ifPresent(c -> learn(type, repo, c, path, sha));
                v = verdictOf.apply(sha);
            } else if (!e.has("lfs") && blobId.matches("[0-9a-f]{40}")) {
                v = verdictOfBlobId.apply(blobId);
            } else {
                continue;
            }
            if (v.isPresent() && stands.test(type.resolvePrefix + repo, path, sha, v.get())) {
                hidden.add(new Hidden(path, v.get()));
                it.remove();
            }
        }
        return hidden;
    }

    /** Filters repo info ({@code /api/models/{repo}[/revision/{rev}]}) in place: its {@code siblings}. */
    List<Hidden> filterRepoInfo(JsonNode info, HubPath.RepoType type, String repo) {
        XetStripping.stripJson(info);
        List<Hidden> hidden = new ArrayList<>();
        String commit = info.path("sha").asText("");
        if (!(info instanceof ObjectNode) || !(info.get("siblings") instanceof ArrayNode siblings)) {
            return hidden;
        }
        for (Iterator<JsonNode> it = siblings.elements(); it.hasNext(); ) {
            JsonNode s = it.next();
            String path = s.path("rfilename").asText("");
            String sha = s.path("lfs").path("sha256").asText("");
            String blobId = s.path("blobId").asText("");
            if (sha.matches("[0-9a-f]{64}") && !commit.isEmpty()) {
                learn(type, repo, commit, path, sha);
            }
            Optional<String> oid = sha.matches("[0-9a-f]{64}") ? Optional.of(sha)
                    : commit.isEmpty() ? Optional.empty() : knownOid(type, repo, commit, path);
            Optional<Verdict> v = oid.flatMap(verdictOf);
            if (v.isEmpty() && !s.has("lfs") && blobId.matches("[0-9a-f]{40}")) {
                v = verdictOfBlobId.apply(blobId);
            }
            if (v.isPresent() && stands.test(type.resolvePrefix + repo, path, oid.orElse(""), v.get())) {
                hidden.add(new Hidden(path, v.get()));
                it.remove();
            }
        }
        return hidden;
    }

    private static String key(HubPath.RepoType type, String repo, String commit, String path) {
        return type.apiSegment + "/" + repo + "@" + commit + ":" + path;
    }
}
