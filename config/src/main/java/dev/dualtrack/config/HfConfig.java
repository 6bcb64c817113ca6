package dev.dualtrack.config;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * Track 2: the Hugging Face Hub behind {@code /hf}. Redirects are followed by dualtrack itself and only to
 * {@code redirect-hosts}; the upstream token, if any, comes from the environment variable {@code token-env}.
 * Files larger than {@code max-file-size} are refused before any byte; the default is the 50 GB (10^9) beyond
 * which huggingface_hub itself will not download over plain HTTP.
 */
public record HfConfig(
        @Default("https://huggingface.co") URI upstream,
        @Default("[cdn-lfs.hf.co, cdn-lfs-us-1.hf.co, cdn-lfs-eu-1.hf.co, cas-bridge.xethub.hf.co,"
                + " us.aws.cdn.hf.co, eu.aws.cdn.hf.co]")
        List<String> redirectHosts,
        Repos repos,
        @Default("false") boolean enforceSafetensors,
        Pickle pickle,
        @Default("50GB") DataSize maxFileSize,
        Optional<String> tokenEnv,
        @Default("[]") List<Signature> signatures) {

    public HfConfig {
        for (String host : redirectHosts) {
            if (!host.matches("[A-Za-z0-9.-]+(:[0-9]{1,5})?")) {
                throw new IllegalArgumentException("redirect-hosts entry '" + host
                        + "' must be a bare host name (optionally with :port), not a URL");
            }
        }
    }

    /**
     * Repo allow and deny lists of {@code org/name} patterns: {@code *} matches within one segment, and a lone
     * {@code *} matches every repo.
     */
    public record Repos(@Default("['*']") List<String> allow, @Default("[]") List<String> deny) {
    }

    /**
     * Repos ({@code hf.repos} patterns) whose files must be covered by an OpenSSF model signature ({@code model.sig}
     * at the pinned commit) made by this Sigstore identity (certificate email or URI) and OIDC issuer.
     * {@code model}, when given, is the model name the signature must carry (its statement's subject name), with
     * {@code {repo}} standing for the repo id ({@code acme/bert}) and {@code {name}} for its last part ({@code bert}):
     * without it, a genuine signature of another model by the same signer passes in any repo the entry covers.
     */
    public record Signature(String repos, String identity, String issuer, Optional<String> model) {
        public Signature(String repos, String identity, String issuer) {
            this(repos, identity, issuer, Optional.empty());
        }
    }

    /** The pickle import allow-list: a named profile plus extra exact {@code module.name} entries. */
    public record Pickle(@Default("weights-only") String profile, @Default("[]") List<String> extraAllowed,
            @Default("100000000") long maxObjects) {
    }
}
