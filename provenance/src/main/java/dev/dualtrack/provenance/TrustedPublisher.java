package dev.dualtrack.provenance;

import java.util.Locale;

/**
 * PyPI Trusted Publishers as PEP 740 identities: the CI workflow (GitHub, GitLab) or service account (Google)
 * that is allowed to upload a project, matched against the Fulcio claims of the attestation's certificate.
 */
public sealed interface TrustedPublisher extends IdentityPolicy {
    String GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
    String GITLAB_ISSUER = "https://gitlab.com";
    String GOOGLE_ISSUER = "https://accounts.google.com";

    /** Fulcio claim .12, Source Repository URI; .13 its digest; .14 its ref; .18 Build Config URI. */
    String SOURCE_REPOSITORY = "12";
    String SOURCE_DIGEST = "13";
    String SOURCE_REF = "14";
    String BUILD_CONFIG = "18";
    /** Fulcio claim .20, Build Trigger: the event that ran the workflow ({@code push}, {@code pull_request}, …). */
    String BUILD_TRIGGER = "20";

    /**
     * A GitHub Actions workflow: issuer, repository and the workflow file named by the Build Config URI
     * ({@code https://github.com/<repo>/.github/workflows/<workflow>@<ref or digest>}).
     *
     * <p>GitHub owner and repository names are case-insensitive, so the repository is compared without case; the
     * workflow is a path in that repository, compared exactly ({@code Release.yml} is another file than
     * {@code release.yml}). A run for a pull request (a {@code refs/pull/} ref, or a {@code pull_request} or
     * {@code pull_request_target} trigger) builds code someone proposed, not code the project merged: it is refused
     * unless {@code allowPullRequests}.
     */
    record GitHub(String repository, String workflow, boolean allowPullRequests) implements TrustedPublisher {
        public GitHub(String repository, String workflow) {
            this(repository, workflow, false);
        }

        @Override
        public void check(SignerIdentity who) throws ProvenanceException {
            issuer(who, GITHUB_ISSUER);
            String repo = "https://github.com/" + repository;
            if (!repo.equalsIgnoreCase(who.claim(SOURCE_REPOSITORY))) {
                throw ProvenanceException.identity("built from " + who.claim(SOURCE_REPOSITORY) + ", not " + repo);
            }
            String uri = who.claim(BUILD_CONFIG);
            String path = "/.github/workflows/" + workflow + "@";
            if (uri == null || uri.length() < repo.length() || !uri.substring(0, repo.length()).equalsIgnoreCase(repo)
                    || !uri.startsWith(path, repo.length())) {
                throw ProvenanceException.identity("built by " + uri + ", not " + repo + path + "…");
            }
            refOrDigest(who, uri, uri.substring(repo.length() + path.length()));
            if (!allowPullRequests) {
                String ref = who.claim(SOURCE_REF);
                String trigger = who.claim(BUILD_TRIGGER);
                if (ref != null && ref.startsWith("refs/pull/")) {
                    throw ProvenanceException.identity("built for the pull request ref " + ref + ", not from the "
                            + "repository's own branches or tags");
                }
                if ("pull_request".equals(trigger) || "pull_request_target".equals(trigger)) {
                    throw ProvenanceException.identity("built by a " + trigger + " run, for code proposed to the "
                            + "repository rather than merged into it");
                }
            }
        }
    }

    /** A GitLab CI pipeline: {@code https://gitlab.com/<repo>//<workflow_filepath>@<ref or sha>}. */
    record GitLab(String repository, String workflowFilepath) implements TrustedPublisher {
        @Override
        public void check(SignerIdentity who) throws ProvenanceException {
            issuer(who, GITLAB_ISSUER);
            buildConfig(who, "https://gitlab.com/" + repository + "//" + workflowFilepath + "@");
        }
    }

    /** A Google service account, by its email. */
    record Google(String email) implements TrustedPublisher {
        @Override
        public void check(SignerIdentity who) throws ProvenanceException {
            issuer(who, GOOGLE_ISSUER);
            if (!email.equalsIgnoreCase(who.san())) {
                throw ProvenanceException.identity("signed by " + who.san() + ", not the service account " + email);
            }
        }
    }

    /** No requirement. */
    record Any() implements TrustedPublisher {
        @Override
        public void check(SignerIdentity who) {
        }
    }

    private static void issuer(SignerIdentity who, String expected) throws ProvenanceException {
        if (!expected.equals(who.issuer())) {
            throw ProvenanceException.identity("signed by " + who.san() + ", an identity issued by " + who.issuer()
                    + ", not " + expected);
        }
    }

    /**
     * The Build Config URI must be {@code prefix} followed by the source ref or digest the certificate also
     * carries: a workflow of that name on some other ref is still that workflow, but the suffix must be one of
     * the two the certificate states (at least one must exist).
     */
    private static void buildConfig(SignerIdentity who, String prefix) throws ProvenanceException {
        String uri = who.claim(BUILD_CONFIG);
        if (uri == null || !uri.toLowerCase(Locale.ROOT).startsWith(prefix.toLowerCase(Locale.ROOT))) {
            throw ProvenanceException.identity("built by " + uri + ", not " + prefix + "…");
        }
        refOrDigest(who, uri, uri.substring(prefix.length()));
    }

    /** The Build Config URI's suffix must be the source ref or the digest the certificate also states. */
    private static void refOrDigest(SignerIdentity who, String uri, String suffix) throws ProvenanceException {
        String ref = who.claim(SOURCE_REF);
        String digest = who.claim(SOURCE_DIGEST);
        if (ref == null && digest == null) {
            throw ProvenanceException.identity("the certificate states neither the source ref nor its digest");
        }
        if (!suffix.equals(ref) && !suffix.equals(digest)) {
            throw ProvenanceException.identity("built by " + uri + ", whose ref is neither " + ref + " nor " + digest);
        }
    }
}
