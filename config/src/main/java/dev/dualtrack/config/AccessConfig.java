package dev.dualtrack.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Who may pull what through dualtrack. {@code open} (the default) serves anyone who can reach the port, as a plain
 * mirror does; {@code token} serves only clients that present a dualtrack token, each naming a principal and what
 * it may pull.
 *
 * <pre>{@code
 * access:
 *   mode: token
 *   tokens-file: tokens.yaml          # {tokens: [...]}, owned by another team, reloaded like waivers
 *   trusted-proxies: [10.0.0.0/8]     # X-Forwarded-For is believed only from these
 * }</pre>
 *
 * <p>A token is stored as its sha256, never as itself: {@code dualtrack token} prints a new one and the line to add.
 *
 * @param tokens         inline tokens; those of {@code tokens-file} are added to them
 * @param trustedProxies addresses or CIDR ranges of the proxies in front of dualtrack (an ingress, a load
 *                       balancer): a request from one of them is attributed to the client {@code X-Forwarded-For}
 *                       names; from anyone else, to its own address
 */
public record AccessConfig(
        @Default("open") Mode mode,
        Optional<Path> tokensFile,
        @Default("[]") List<AccessToken> tokens,
        @Default("[]") List<String> trustedProxies) {

    public enum Mode { OPEN, TOKEN }

    public AccessConfig {
        tokens = List.copyOf(tokens);
        trustedProxies = List.copyOf(trustedProxies);
        java.util.Set<String> hashes = new java.util.HashSet<>();
        for (AccessToken t : tokens) {
            if (!hashes.add(t.sha256())) {
                throw new IllegalArgumentException("two tokens have the same sha256 (principal " + t.principal()
                        + "): every token must be its own");
            }
        }
        for (String p : trustedProxies) {
            if (!p.matches("[0-9a-fA-F:.]+(/\\d{1,3})?")) {
                throw new IllegalArgumentException("trusted-proxies entry '" + p + "' is not an address or a CIDR "
                        + "range (10.0.0.0/8, fd00::/8)");
            }
        }
    }

    /** Open access, the default: anyone who reaches the port. */
    public static AccessConfig open() {
        return new AccessConfig(Mode.OPEN, Optional.empty(), List.of(), List.of());
    }

    /** The same section with {@code more} tokens (a tokens file's). */
    public AccessConfig withTokens(List<AccessToken> more) {
        List<AccessToken> all = new java.util.ArrayList<>(tokens);
        all.addAll(more);
        return new AccessConfig(mode, tokensFile, all, trustedProxies);
    }

    /**
     * One client credential: the principal it names and what that principal may pull. A section that is absent
     * grants nothing on its track; within one, every glob list defaults to everything.
     *
     * @param sha256 the sha256 of the token, lower-case hex: the token itself is never written down
     * @param tracks tracks granted whole (any other track by its name; {@code pypi} and {@code hf} may be given
     *               here too, or narrowed with their own sections)
     */
    public record AccessToken(
            String principal,
            String sha256,
            @Default("[]") List<String> tracks,
            Optional<PypiGrant> pypi,
            Optional<HfGrant> hf) {

        public AccessToken {
            if (!principal.matches("[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")) {
                throw new IllegalArgumentException("a principal is a name of letters, digits and ._@+- (was '"
                        + principal + "')");
            }
            if (!sha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("a token's sha256 is 64 lower-case hex digits (dualtrack token "
                        + "prints one); the token itself is never written down");
            }
            tracks = List.copyOf(tracks);
        }
    }

    /** What a principal may pull from PyPI: projects, and the indexes they come from, by glob. */
    public record PypiGrant(@Default("['*']") List<String> projects, @Default("['*']") List<String> upstreams) {
        public PypiGrant {
            projects = List.copyOf(projects);
            upstreams = List.copyOf(upstreams);
        }
    }

    /** What a principal may pull from the Hub: repos ({@code org/name}, datasets as {@code datasets/org/name}). */
    public record HfGrant(@Default("['*']") List<String> repos) {
        public HfGrant {
            repos = List.copyOf(repos);
        }
    }
}
