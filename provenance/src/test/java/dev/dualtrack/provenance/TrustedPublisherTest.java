package dev.dualtrack.provenance;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The GitHub publisher's match: the repository without case, the workflow path exactly, no pull-request runs. */
class TrustedPublisherTest {
    static SignerIdentity github(String repo, String workflowPath, String ref, String trigger) {
        Map<String, String> claims = new HashMap<>();
        claims.put("8", TrustedPublisher.GITHUB_ISSUER);
        claims.put("12", "https://github.com/" + repo);
        claims.put("13", "a".repeat(40));
        claims.put("14", ref);
        claims.put("18", "https://github.com/" + repo + "/" + workflowPath + "@" + ref);
        if (trigger != null) {
            claims.put("20", trigger);
        }
        return new SignerIdentity("https://github.com/" + repo + "/" + workflowPath + "@" + ref, claims);
    }

    static final TrustedPublisher.GitHub RELEASE = new TrustedPublisher.GitHub("acme/lib", "release.yml");

    @Test
    void theRepositoryIsMatchedWithoutCaseAndTheWorkflowPathExactly() {
        assertThatCode(() -> RELEASE.check(github("Acme/Lib", ".github/workflows/release.yml", "refs/tags/v1",
                "push"))).doesNotThrowAnyException();
        assertThatThrownBy(() -> RELEASE.check(github("acme/lib", ".github/workflows/Release.yml", "refs/tags/v1",
                "push"))).isInstanceOf(ProvenanceException.class).hasMessageContaining("built by");
        assertThatThrownBy(() -> RELEASE.check(github("acme/lib", ".github/workflows/release.yml.evil.yml",
                "refs/tags/v1", "push"))).isInstanceOf(ProvenanceException.class);
    }

    @Test
    void aPullRequestRunIsRefusedUnlessAllowed() {
        assertThatThrownBy(() -> RELEASE.check(github("acme/lib", ".github/workflows/release.yml",
                "refs/pull/42/merge", "pull_request"))).isInstanceOf(ProvenanceException.class)
                .hasMessageContaining("pull request ref refs/pull/42/merge");
        assertThatThrownBy(() -> RELEASE.check(github("acme/lib", ".github/workflows/release.yml",
                "refs/heads/main", "pull_request_target"))).isInstanceOf(ProvenanceException.class)
                .hasMessageContaining("pull_request_target");
        TrustedPublisher.GitHub allowing = new TrustedPublisher.GitHub("acme/lib", "release.yml", true);
        assertThatCode(() -> allowing.check(github("acme/lib", ".github/workflows/release.yml",
                "refs/pull/42/merge", "pull_request"))).doesNotThrowAnyException();
    }
}
