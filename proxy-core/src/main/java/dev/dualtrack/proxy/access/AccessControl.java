package dev.dualtrack.proxy.access;

import dev.dualtrack.config.AccessConfig;
import dev.dualtrack.proxy.policy.Glob;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Who may pull what ({@code access}): authenticates a request's credentials against the tokens' hashes, says what
 * its principal may read, and works out which client a request is from behind trusted proxies. Replaced whole on
 * a config reload, like the judge: a revoked token stops working at the next request.
 *
 * <p>Credentials are taken as clients send them: HTTP basic auth (pip, uv and poetry put the index URL's
 * {@code user:password} there; the token is the password, or the user when the password is empty) and
 * {@code Authorization: Bearer} (huggingface_hub with {@code HF_TOKEN}). Only their sha256 is compared, in
 * constant time; a token is never logged, and never sent on to an upstream.
 */
public final class AccessControl {
    /** The rule every access refusal is recorded under. */
    public static final String DENIED = "access.denied";

    /** A token as compared: the sha256 bytes of its secret, decoded once per config. */
    private record KnownToken(byte[] sha256, AccessConfig.AccessToken token) {
    }

    private record State(AccessConfig config, List<KnownToken> tokens, List<Cidr> proxies) {
    }

    private volatile State state;

    public AccessControl(AccessConfig config) {
        this.state = state(config);
    }

    /** Puts a reloaded {@code access} section in force. */
    public void replace(AccessConfig config) {
        this.state = state(config);
    }

    private static State state(AccessConfig c) {
        List<KnownToken> tokens = c.tokens().stream()
                .map(t -> new KnownToken(HexFormat.of().parseHex(t.sha256()), t)).toList();
        List<Cidr> proxies = new ArrayList<>();
        c.trustedProxies().forEach(p -> proxies.add(Cidr.parse(p)));
        return new State(c, tokens, List.copyOf(proxies));
    }

    public boolean open() {
        return state.config().mode() == AccessConfig.Mode.OPEN;
    }

    /** How many principals have tokens (for the startup summary). */
    public int principals() {
        return (int) state.config().tokens().stream().map(AccessConfig.AccessToken::principal).distinct().count();
    }

    /** What authenticating a request found. */
    public sealed interface Authentication {
    }

    public record Authenticated(Principal principal) implements Authentication {
    }

    /** No credentials, or credentials that name no token: 401. */
    public record Unauthenticated(String why) implements Authentication {
    }

    /** The request's principal: {@link Principal#ANYONE} when access is open. */
    public Authentication authenticate(HttpHeaders headers) {
        State s = state;
        if (s.config().mode() == AccessConfig.Mode.OPEN) {
            return new Authenticated(Principal.ANYONE);
        }
        Optional<String> token = token(headers.get(HttpHeaderNames.AUTHORIZATION));
        if (token.isEmpty()) {
            return new Unauthenticated("this dualtrack serves clients with a dualtrack token only");
        }
        byte[] presented = sha256(token.get());
        // Every stored hash is compared, whatever matches, so the time taken says nothing about the tokens.
        AccessConfig.AccessToken found = null;
        for (KnownToken t : s.tokens()) {
            if (MessageDigest.isEqual(presented, t.sha256())) {
                found = t.token();
            }
        }
        if (found == null) {
            return new Unauthenticated("the token is not one this dualtrack knows (revoked, or mistyped)");
        }
        return new Authenticated(new Principal(found.principal(), Optional.of(found)));
    }

    /** The token in an Authorization header: a bearer token, or basic auth's password (its user if empty). */
    static Optional<String> token(String authorization) {
        if (authorization == null) {
            return Optional.empty();
        }
        String a = authorization.trim();
        int space = a.indexOf(' ');
        if (space < 0) {
            return Optional.empty();
        }
        String scheme = a.substring(0, space);
        String value = a.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return value.isEmpty() ? Optional.empty() : Optional.of(value);
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            String pair;
            try {
                pair = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
            int colon = pair.indexOf(':');
            String user = colon < 0 ? pair : pair.substring(0, colon);
            String password = colon < 0 ? "" : pair.substring(colon + 1);
            String t = password.isEmpty() ? user : password;
            return t.isEmpty() ? Optional.empty() : Optional.of(t);
        }
        return Optional.empty();
    }

    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    // ---- grants ---------------------------------------------------------------------------------------------

    /** Why {@code p} may not use track {@code track} at all, if it may not. */
    public Optional<String> deniedTrack(Principal p, String track) {
        if (p.anyone()) {
            return Optional.empty();
        }
        AccessConfig.AccessToken g = p.grant().get();
        boolean granted = g.tracks().contains(track) || (track.equals("pypi") && g.pypi().isPresent())
                || (track.equals("hf") && g.hf().isPresent());
        return granted ? Optional.empty() : Optional.of("principal " + p.name() + " may not pull from the " + track
                + " track (access tokens: its entry has no " + track + " grant)");
    }

    /** Why {@code p} may not pull PyPI project {@code project}, if it may not (before knowing its index). */
    public Optional<String> deniedProject(Principal p, String project) {
        Optional<AccessConfig.PypiGrant> g = pypiGrant(p);
        if (g.isEmpty() || Glob.anyMatches(g.get().projects(), project)) {
            return Optional.empty();
        }
        return Optional.of("principal " + p.name() + " may not pull project " + project + " (its grant: projects "
                + g.get().projects() + ")");
    }

    /** Why {@code p} may not pull from index {@code upstream}, if it may not. */
    public Optional<String> deniedUpstream(Principal p, String project, String upstream) {
        Optional<AccessConfig.PypiGrant> g = pypiGrant(p);
        if (g.isEmpty() || Glob.anyMatches(g.get().upstreams(), upstream)) {
            return Optional.empty();
        }
        return Optional.of("principal " + p.name() + " may not pull from index '" + upstream + "', which owns "
                + project + " (its grant: upstreams " + g.get().upstreams() + ")");
    }

    /** Why {@code p} may not pull Hub repo {@code repo} ({@code org/name}, {@code datasets/org/name}), if not. */
    public Optional<String> deniedRepo(Principal p, String repo) {
        if (p.anyone()) {
            return Optional.empty();
        }
        AccessConfig.AccessToken t = p.grant().get();
        if (t.hf().isEmpty() && t.tracks().contains("hf")) {
            return Optional.empty();
        }
        List<String> repos = t.hf().map(AccessConfig.HfGrant::repos).orElse(List.of());
        if (Glob.anyMatches(repos, repo)) {
            return Optional.empty();
        }
        return Optional.of("principal " + p.name() + " may not pull repo " + repo + " (its grant: repos " + repos
                + ")");
    }

    /** The principal's PyPI grant; empty when it may pull anything there (open access, or the whole track). */
    private static Optional<AccessConfig.PypiGrant> pypiGrant(Principal p) {
        if (p.anyone()) {
            return Optional.empty();
        }
        AccessConfig.AccessToken t = p.grant().get();
        if (t.pypi().isPresent()) {
            return t.pypi();
        }
        return t.tracks().contains("pypi") ? Optional.empty()
                : Optional.of(new AccessConfig.PypiGrant(List.of(), List.of()));
    }

    // ---- who is asking, behind proxies ----------------------------------------------------------------------

    /**
     * The client a request is from: its peer's address, unless the peer is a trusted proxy; then the nearest
     * address in {@code X-Forwarded-For} that is not a trusted proxy (the list is read from the right, where each
     * proxy appended what it saw). Nothing in the header is believed from an untrusted peer.
     */
    public String clientOf(String peer, List<String> forwardedFor) {
        List<Cidr> proxies = state.proxies();
        if (proxies.isEmpty() || !trusted(proxies, peer)) {
            return peer;
        }
        List<String> hops = new ArrayList<>();
        for (String header : forwardedFor) {
            for (String part : header.split(",")) {
                if (!part.isBlank()) {
                    hops.add(part.trim());
                }
            }
        }
        String client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = hops.get(i);
            try {
                Cidr.literal(hop);
            } catch (IllegalArgumentException e) {
                break; // not an address: nothing further left is believed
            }
            client = hop;
            if (!trusted(proxies, hop)) {
                break;
            }
        }
        return client;
    }

    private static boolean trusted(List<Cidr> proxies, String address) {
        for (Cidr c : proxies) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
