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

    /**
     * A GitHub Actions workflow: issuer, repository and the workflow file named by the Build Config URI
     * ({@code https://github.com/<repo>/.github/workflows/<workflow>@<ref or digest>}).
     */
    record GitHub(String repository, String workflow) implements TrustedPublisher {
        @Override
        public void check(SignerIdentity who) throws ProvenanceException {
            issuer(who, GITHUB_ISSUER);
            String repo = "https://github.com/" + repository;
            if (!repo.equalsIgnoreCase(who.claim(SOURCE_REPOSITORY))) {
                throw ProvenanceException.identity("built from " + who.claim(SOURCE_REPOSITORY) + ", not " + repo);
            }
            buildConfig(who, repo + "/.github/workflows/" + workflow + "@");
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
        String suffix = uri.substring(prefix.length());
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
