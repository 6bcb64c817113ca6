package dev.dualtrack.hf;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A request path below {@code /hf}, taken apart the way the Hub routes it. Repo ids are {@code ns/name} or a
 * legacy single segment ({@code bert-base-uncased}), so the repo is found by the route marker after it
 * ({@code resolve}, {@code tree}, …), never by counting segments. Revisions arrive percent-encoded as one
 * segment ({@code refs%2Fpr%2F3}, as huggingface_hub sends them). Anything else is {@link Kind#UNKNOWN}, which
 * the route refuses: a path dualtrack does not understand is not forwarded.
 *
 * @param rev  the revision as the client named it, empty for repo info without {@code /revision/}
 * @param path the file or folder inside the repo, empty when the route has none
 */
public record HubPath(Kind kind, RepoType type, String repo, Optional<String> rev, String path) {

    /** The routes dualtrack serves, and the ones it recognises in order to refuse them. */
    public enum Kind { REPO_INFO, TREE, PATHS_INFO, RESOLVE, RESOLVE_CACHE, XET_READ_TOKEN, UNKNOWN }

    /** Repo types this track serves; spaces and kernels carry code, not weights, and are not served. */
    public enum RepoType {
        MODEL("models", ""), DATASET("datasets", "datasets/");

        /** The segment after {@code /api/}. */
        public final String apiSegment;
        /** What comes before the repo id in a resolve URL. */
        public final String resolvePrefix;

        RepoType(String apiSegment, String resolvePrefix) {
            this.apiSegment = apiSegment;
            this.resolvePrefix = resolvePrefix;
        }

        static Optional<RepoType> ofApiSegment(String s) {
            for (RepoType t : values()) {
                if (t.apiSegment.equals(s)) {
                    return Optional.of(t);
                }
            }
            return Optional.empty();
        }
    }

    /** The Hub's own rule for names: letters, digits, {@code -_.}, at most 96, no {@code --}/{@code ..}. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?");
    private static final Set<String> API_MARKERS = Set.of("revision", "tree", "paths-info", "xet-read-token");
    private static final HubPath UNKNOWN = new HubPath(Kind.UNKNOWN, RepoType.MODEL, "", Optional.empty(), "");

    /** Parses the raw (still percent-encoded) path after {@code /hf}, without the query. */
    public static HubPath parse(String rawPath) {
        List<String> seg = segments(rawPath);
        if (seg == null || seg.isEmpty()) {
            return UNKNOWN;
        }
        if (seg.get(0).equals("api")) {
            return api(seg.subList(1, seg.size()));
        }
        RepoType type = RepoType.MODEL;
        List<String> rest = seg;
        if (seg.get(0).equals("datasets")) {
            type = RepoType.DATASET;
            rest = seg.subList(1, seg.size());
        }
        for (int repoLen = 2; repoLen >= 1; repoLen--) {
            if (rest.size() >= repoLen + 3 && rest.get(repoLen).equals("resolve")) {
                return withRepo(Kind.RESOLVE, type, rest.subList(0, repoLen), Optional.of(rest.get(repoLen + 1)),
                        rest.subList(repoLen + 2, rest.size()));
            }
        }
        return UNKNOWN;
    }

    private static HubPath api(List<String> seg) {
        if (seg.isEmpty()) {
            return UNKNOWN;
        }
        if (seg.get(0).equals("resolve-cache")) {
            // /api/resolve-cache/{type}s/{repo}/{commit}/{path}: the repo is one or two segments before a
            // 40-hex commit.
            Optional<RepoType> type = seg.size() > 1 ? RepoType.ofApiSegment(seg.get(1)) : Optional.empty();
            if (type.isEmpty()) {
                return UNKNOWN;
            }
            List<String> rest = seg.subList(2, seg.size());
            for (int repoLen = 2; repoLen >= 1; repoLen--) {
                if (rest.size() >= repoLen + 2 && rest.get(repoLen).matches("[0-9a-f]{40}")) {
                    return withRepo(Kind.RESOLVE_CACHE, type.get(), rest.subList(0, repoLen),
                            Optional.of(rest.get(repoLen)), rest.subList(repoLen + 1, rest.size()));
                }
            }
            return UNKNOWN;
        }
        Optional<RepoType> type = RepoType.ofApiSegment(seg.get(0));
        if (type.isEmpty()) {
            return UNKNOWN;
        }
        List<String> rest = seg.subList(1, seg.size());
        for (int repoLen = 2; repoLen >= 1; repoLen--) {
            if (rest.size() >= repoLen + 2 && API_MARKERS.contains(rest.get(repoLen))) {
                Kind kind = switch (rest.get(repoLen)) {
                    case "revision" -> Kind.REPO_INFO;
                    case "tree" -> Kind.TREE;
                    case "paths-info" -> Kind.PATHS_INFO;
                    default -> Kind.XET_READ_TOKEN;
                };
                List<String> path = rest.subList(repoLen + 2, rest.size());
                if (!path.isEmpty() && kind != Kind.TREE) {
                    return UNKNOWN;
                }
                return withRepo(kind, type.get(), rest.subList(0, repoLen), Optional.of(rest.get(repoLen + 1)), path);
            }
        }
        if (rest.size() == 1 || rest.size() == 2) {
            return withRepo(Kind.REPO_INFO, type.get(), rest, Optional.empty(), List.of());
        }
        return UNKNOWN;
    }

    private static HubPath withRepo(Kind kind, RepoType type, List<String> repo, Optional<String> rev,
            List<String> path) {
        for (String s : repo) {
            if (!NAME.matcher(s).matches() || s.contains("--") || s.contains("..")) {
                return UNKNOWN;
            }
        }
        if (rev.isPresent() && (rev.get().isEmpty() || rev.get().contains("..") || rev.get().startsWith("/")
                || hasControl(rev.get()))) {
            return UNKNOWN;
        }
        for (String p : path) {
            if (p.isEmpty() || p.equals(".") || p.equals("..") || p.contains("/") || p.contains("\\") || hasControl(p)) {
                return UNKNOWN; // an encoded slash or a dot segment would address another file than it names
            }
        }
        if (kind == Kind.RESOLVE && path.isEmpty()) {
            return UNKNOWN;
        }
        return new HubPath(kind, type, String.join("/", repo), rev, String.join("/", path));
    }

    /** Whether {@code s} is a valid owner or repo name, by the Hub's own rule. */
    static boolean validRepoPart(String s) {
        return NAME.matcher(s).matches() && !s.contains("--") && !s.contains("..");
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    }

    /** Splits on {@code /} first, then decodes each segment, so {@code %2F} stays inside its segment. */
    private static List<String> segments(String rawPath) {
        if (!rawPath.startsWith("/")) {
            return null;
        }
        String[] raw = rawPath.substring(1).split("/", -1);
        List<String> out = new ArrayList<>(raw.length);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i].isEmpty() && i == raw.length - 1 && i > 0) {
                continue; // one trailing slash, as clients add to folder paths
            }
            try {
                // URLDecoder turns '+' into ' ', which a path does not: keep '+' literal.
                out.add(URLDecoder.decode(raw[i].replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return out;
    }
}
