package dev.dualtrack.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import dev.dualtrack.proxy.cache.SingleFlight;
import dev.dualtrack.proxy.upstream.BodyCollector;
import dev.dualtrack.proxy.upstream.RedirectPolicy;
import dev.dualtrack.proxy.upstream.UpstreamClient;
import dev.dualtrack.proxy.upstream.UpstreamRequest;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Resolves a branch or tag to its commit once ({@code GET /api/{type}s/{repo}/revision/{rev}}, field
 * {@code sha}), so every later upstream fetch names the commit and a moving branch cannot change the bytes
 * between the HEAD a client sends and its GET (huggingface_hub#4815). Answers are cached for a short time per
 * credential: a private repo's commit learnt with one token is never told to a caller without it.
 */
public final class RevisionResolver {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BYTES = 4 << 20;

    /** What a revision came to. */
    public sealed interface Resolution permits Commit, Refused {
    }

    /** The 40-hex commit. */
    public record Commit(String sha) implements Resolution {
    }

    /**
     * The Hub said no (404, 401, gated…) or could not be asked. {@code errorHeaders} carries the Hub's
     * {@code X-Error-Code}/{@code X-Error-Message}, so clients raise the exception they would raise direct.
     */
    public record Refused(int status, HttpHeaders errorHeaders, String reason) implements Resolution {
    }

    private record Key(HubPath.RepoType type, String repo, String rev, String credential) {
    }

    private final UpstreamClient client;
    private final URI hub;
    private final Optional<String> upstreamToken;
    private final Cache<Key, String> commits;
    /** Concurrent resolutions of one revision with one credential share one request. */
    private final SingleFlight<Resolution> asking = new SingleFlight<>();

    public RevisionResolver(UpstreamClient client, URI hub, Optional<String> upstreamToken, Duration ttl) {
        this(client, hub, upstreamToken, ttl, dev.dualtrack.proxy.cache.Caches.standalone(), Optional.empty());
    }

    /** In fleet mode when {@code shared} is present: revision answers shared with the other replicas. */
    public RevisionResolver(UpstreamClient client, URI hub, Optional<String> upstreamToken, Duration ttl,
            dev.dualtrack.proxy.cache.Caches caches, Optional<dev.dualtrack.proxy.store.SharedMetadata> shared) {
        this.client = client;
        this.hub = hub;
        this.upstreamToken = upstreamToken;
        this.commits = caches.bounded("hf-revisions", 100_000, ttl);
        this.shared = shared;
    }

    /**
     * @param clientAuthorization the client's own {@code Authorization}, which goes to the Hub host (and only
     *                            there); without one, the configured upstream token is used
     */
    public CompletableFuture<Resolution> resolve(HubPath.RepoType type, String repo, String rev,
            Optional<String> clientAuthorization, EventLoop loop) {
        if (rev.matches("[0-9a-f]{40}")) {
            return CompletableFuture.completedFuture(new Commit(rev));
        }
        Optional<String> auth = clientAuthorization.or(() -> upstreamToken.map(t -> "Bearer " + t));
        Key key = new Key(type, repo, rev, auth.map(RevisionResolver::fingerprint).orElse(""));
        String known = commits.getIfPresent(key);
        if (known != null) {
            return CompletableFuture.completedFuture(new Commit(known));
        }
        if (shared.isPresent()) {
            // Fleet mode: another replica may have asked the Hub already (same revision, same credential).
            String what = "hf-revision\u0000" + key;
            return shared.get().lookup(what).thenCompose(hit -> {
                Optional<String> sha = hit.map(n -> n.path("sha").asText("")).filter(s -> s.matches("[0-9a-f]{40}"));
                if (sha.isPresent()) {
                    commits.put(key, sha.get());
                    return CompletableFuture.completedFuture((Resolution) new Commit(sha.get()));
                }
                return ask(type, repo, rev, auth, key, loop).thenApply(r -> {
                    if (r instanceof Commit c) {
                        shared.get().publish(what, JSON.createObjectNode().put("sha", c.sha()));
                    }
                    return r;
                });
            });
        }
        return ask(type, repo, rev, auth, key, loop);
    }

    /** Fleet mode: revision answers are shared with the other replicas (per credential). */
    private final Optional<dev.dualtrack.proxy.store.SharedMetadata> shared;

    private CompletableFuture<Resolution> ask(HubPath.RepoType type, String repo, String rev, Optional<String> auth,
            Key key, EventLoop loop) {
        URI url = URI.create(stripSlash(hub.toString()) + "/api/" + type.apiSegment + "/" + repo + "/revision/"
                + pathSegment(rev));
        HttpHeaders headers = new DefaultHttpHeaders().set("Accept", "application/json");
        auth.ifPresent(a -> headers.set("Authorization", a));
        UpstreamRequest req = new UpstreamRequest(HttpMethod.GET, url, headers, RedirectPolicy.NONE);
        SingleFlight.Flight<Resolution> flight = asking.join(key.toString());
        if (!flight.leader()) {
            return flight.result();
        }
        BodyCollector.fetch(client, loop, req, MAX_BYTES).handle((r, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                return new Refused(502, new DefaultHttpHeaders(), "the Hub could not be asked for " + repo + "@"
                        + rev + ": " + cause.getMessage());
            }
            if (r.status() != 200) {
                HttpHeaders pass = new DefaultHttpHeaders();
                for (String h : new String[] {"X-Error-Code", "X-Error-Message"}) {
                    if (r.headers().contains(h)) {
                        pass.set(h, r.headers().get(h));
                    }
                }
                return new Refused(r.status(), pass, "the Hub answered " + r.status() + " for " + repo + "@" + rev);
            }
            try {
                JsonNode sha = JSON.readTree(r.body()).path("sha");
                if (!sha.isTextual() || !sha.asText().matches("[0-9a-f]{40}")) {
                    return new Refused(502, new DefaultHttpHeaders(), "the Hub's revision answer for " + repo + "@"
                            + rev + " has no 40-hex sha");
                }
                commits.put(key, sha.asText());
                return new Commit(sha.asText());
            } catch (java.io.IOException e) {
                return new Refused(502, new DefaultHttpHeaders(), "the Hub's revision answer for " + repo + "@" + rev
                        + " is not JSON");
            }
        }).whenComplete((resolution, bug) -> flight.complete(bug == null ? resolution
                : new Refused(502, new DefaultHttpHeaders(), "reading the Hub's revision answer failed: " + bug)));
        return flight.result();
    }

    /** As huggingface_hub quotes a revision: one segment, {@code /} and spaces encoded. */
    static String pathSegment(String rev) {
        return URLEncoder.encode(rev, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String fingerprint(String authorization) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(authorization.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
