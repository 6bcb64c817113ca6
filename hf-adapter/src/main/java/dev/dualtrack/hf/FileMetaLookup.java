package dev.dualtrack.hf;

import com.github.benmanes.caffeine.cache.Cache;
import dev.dualtrack.proxy.cache.SingleFlight;
import dev.dualtrack.proxy.upstream.BodyCollector;
import dev.dualtrack.proxy.upstream.RedirectPolicy;
import dev.dualtrack.proxy.upstream.UpstreamClient;
import dev.dualtrack.proxy.upstream.UpstreamException;
import dev.dualtrack.proxy.upstream.UpstreamRequest;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Asks the Hub what a file at a commit is: {@code HEAD /{prefix}{repo}/resolve/{commit}/{path}}, following its
 * relative 307 to resolve-cache (regular files) but stopping at the 302 to a CDN (LFS files), because the
 * contract (X-Repo-Commit, X-Linked-Etag = sha256, X-Linked-Size) is on that 302. Answers are kept for the
 * metadata TTL per credential: a file at a commit never changes, but access to it can.
 */
public final class FileMetaLookup {
    /** Headers of a Hub refusal that clients act on: the exception class, its message, the commit. */
    static final String[] ERROR_HEADERS = {"X-Error-Code", "X-Error-Message", "X-Repo-Commit"};

    /** What the Hub said of a file. */
    public sealed interface Answer permits Found, Refused {
    }

    public record Found(FileMeta meta) implements Answer {
    }

    /** The Hub's refusal (its status and error headers), or 502 when its answer could not be used. */
    public record Refused(int status, HttpHeaders errorHeaders, String reason) implements Answer {
    }

    private record Key(String url, String credential) {
    }

    private final UpstreamClient client;
    private final Cache<Key, FileMeta> known;
    private final SingleFlight<Answer> asking = new SingleFlight<>();

    public FileMetaLookup(UpstreamClient client, Duration ttl) {
        this(client, ttl, dev.dualtrack.proxy.cache.Caches.standalone(), Optional.empty());
    }

    /** In fleet mode when {@code shared} is present: file metadata shared with the other replicas. */
    public FileMetaLookup(UpstreamClient client, Duration ttl, dev.dualtrack.proxy.cache.Caches caches,
            Optional<dev.dualtrack.proxy.store.SharedMetadata> shared) {
        this.client = client;
        this.known = caches.bounded("hf-file-metadata", 100_000, ttl);
        this.secondHand = caches.bounded("hf-file-metadata-second-hand", 100_000, Duration.ZERO);
        this.bypassFleet = caches.bounded("hf-file-metadata-bypass-fleet", 100_000, Duration.ofMinutes(10));
        this.shared = shared;
    }

    /** @param authorization sent to the Hub host only (the client drops it on a cross-host redirect) */
    public CompletableFuture<Answer> lookup(URI resolveUrl, Optional<String> authorization, EventLoop loop) {
        Key key = new Key(resolveUrl.toString(), authorization.map(RevisionResolver::fingerprint).orElse(""));
        FileMeta cached = known.getIfPresent(key);
        if (cached != null) {
            return CompletableFuture.completedFuture(new Found(cached));
        }
        if (shared.isPresent() && bypassFleet.getIfPresent(key) == null) {
            // Fleet mode: the file's metadata at a commit, as another replica learnt it with the same credential.
            String what = "hf-file-meta\u0000" + key.url() + "\u0000" + key.credential();
            return shared.get().lookup(what).thenCompose(hit -> {
                Optional<FileMeta> meta = hit.flatMap(FileMetaLookup::fromJson);
                if (meta.isPresent()) {
                    known.put(key, meta.get());
                    secondHand.put(key, Boolean.TRUE);
                    return CompletableFuture.completedFuture((Answer) new Found(meta.get()));
                }
                return ask(resolveUrl, authorization, loop, key).thenApply(a -> {
                    if (a instanceof Found f) {
                        shared.get().publish(what, toJson(f.meta()));
                    }
                    return a;
                });
            });
        }
        return ask(resolveUrl, authorization, loop, key);
    }

    /** Fleet mode: file metadata is shared with the other replicas (per credential). */
    private final Optional<dev.dualtrack.proxy.store.SharedMetadata> shared;
    /** The cached answers that came from the fleet's bucket, not from the Hub itself. */
    private final com.github.benmanes.caffeine.cache.Cache<Key, Boolean> secondHand;

    /**
     * Whether the answer cached for this file came second-hand (another replica's, through the bucket); if so, the
     * action that forgets it, so the next lookup asks the Hub.
     */
    public Optional<Runnable> secondHand(URI resolveUrl, Optional<String> authorization) {
        Key key = new Key(resolveUrl.toString(), authorization.map(RevisionResolver::fingerprint).orElse(""));
        if (secondHand.getIfPresent(key) == null) {
            return Optional.empty();
        }
        return Optional.of(() -> {
            known.invalidate(key);
            secondHand.invalidate(key);
            bypassFleet.put(key, Boolean.TRUE);
        });
    }

    /** Files whose shared answer was found wrong: asked of the Hub directly for the metadata TTL. */
    private final com.github.benmanes.caffeine.cache.Cache<Key, Boolean> bypassFleet;

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    static com.fasterxml.jackson.databind.JsonNode toJson(FileMeta m) {
        com.fasterxml.jackson.databind.node.ObjectNode n = JSON.createObjectNode().put("commit", m.commit())
                .put("etag", m.etag()).put("size", m.size());
        m.lfsSha256().ifPresent(s -> n.put("lfsSha256", s));
        m.location().ifPresent(l -> n.put("location", l));
        return n;
    }

    /** A shared answer, checked as strictly as the Hub's own headers are. */
    static Optional<FileMeta> fromJson(com.fasterxml.jackson.databind.JsonNode n) {
        String commit = n.path("commit").asText("");
        String etag = n.path("etag").asText("");
        Optional<String> sha = n.has("lfsSha256") ? Optional.of(n.path("lfsSha256").asText()) : Optional.empty();
        if (!commit.matches("[0-9a-f]{40}") || etag.isEmpty() || !n.path("size").canConvertToLong()
                || n.path("size").asLong() < 0 || sha.filter(s -> !s.matches("[0-9a-f]{64}")).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new FileMeta(commit, etag, sha, n.path("size").asLong(),
                n.has("location") ? Optional.of(n.path("location").asText()) : Optional.empty()));
    }

    private CompletableFuture<Answer> ask(URI resolveUrl, Optional<String> authorization, EventLoop loop, Key key) {
        HttpHeaders headers = new DefaultHttpHeaders();
        authorization.ifPresent(a -> headers.set("Authorization", a));
        UpstreamRequest head = new UpstreamRequest(HttpMethod.HEAD, resolveUrl, headers,
                RedirectPolicy.STOP_AT_OTHER_HOSTS);
        // One question to the Hub per file and credential at a time: a snapshot of one model by fifty CI jobs
        // spends one request of the shared rate limit, not fifty.
        SingleFlight.Flight<Answer> flight = asking.join(key.url() + "\u0000" + key.credential());
        if (!flight.leader()) {
            return flight.result();
        }
        BodyCollector.fetch(client, loop, head, 64 << 10).handle((r, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                int status = cause instanceof UpstreamException u && u.kind() == UpstreamException.Kind.TIMEOUT
                        ? 504 : 502;
                return new Refused(status, new DefaultHttpHeaders(), "the Hub could not be asked about the file: "
                        + cause.getMessage());
            }
            boolean redirect = r.status() >= 300 && r.status() < 400;
            if (r.status() != 200 && !redirect) {
                HttpHeaders pass = new DefaultHttpHeaders();
                for (String h : ERROR_HEADERS) {
                    if (r.headers().contains(h)) {
                        pass.set(h, r.headers().get(h));
                    }
                }
                return new Refused(r.status(), pass, "the Hub answered " + r.status() + " for the file");
            }
            try {
                FileMeta meta = FileMeta.fromUpstream(r.status(), r.headers());
                if (redirect && meta.location().isEmpty()) {
                    return new Refused(502, new DefaultHttpHeaders(), "the Hub redirected without a Location");
                }
                known.put(key, meta);
                return new Found(meta);
            } catch (IllegalArgumentException bad) {
                return new Refused(502, new DefaultHttpHeaders(), bad.getMessage());
            }
        }).whenComplete((answer, bug) -> flight.complete(bug == null ? answer
                : new Refused(502, new DefaultHttpHeaders(), "reading the Hub's answer failed: " + bug)));
        return flight.result();
    }
}
