package dev.dualtrack.pypi.provenance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.config.RuleAction;
import dev.dualtrack.provenance.TrustedRoot;
import dev.dualtrack.pypi.PypiRules;
import dev.dualtrack.pypi.simple.SimpleFile;
import dev.dualtrack.pypi.simple.SimplePage;
import dev.dualtrack.scanner.Verdict;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The gate's decisions that need no Sigstore material: what is fetched, when, and what a failure means. */
class AttestationGateTest {
    private static final String SHA = "ab".repeat(32);
    private static final PypiConfig.Publisher GITHUB = new PypiConfig.Publisher(PypiConfig.PublisherKind.GITHUB,
            Optional.of("acme/widgets"), Optional.of("release.yml"), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), false);

    private static SimpleFile file(String name, String uploaded, boolean attested) {
        return new SimpleFile(name, "https://files.example/" + name, Map.of("sha256", SHA), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.ofNullable(uploaded),
                attested ? Optional.of("https://pypi.example/integrity/" + name + "/provenance") : Optional.empty());
    }

    private static AttestationGate gate(RuleAction regressed, String... projects) {
        return new AttestationGate(java.util.Arrays.stream(projects)
                .map(p -> new PypiConfig.ProvenanceRequirement(p, GITHUB)).toList(), regressed,
                TrustedRoot.production(), Runnable::run);
    }

    private static List<String> rules(List<Verdict> vs) {
        return vs.stream().map(Verdict::rule).toList();
    }

    @Test
    void aRequiredProjectWithoutAProvenanceLinkIsRefusedWithoutAnyFetch() {
        AtomicInteger fetches = new AtomicInteger();
        SimpleFile f = file("acme_widgets-1.0-py3-none-any.whl", null, false);
        AttestationGate.Outcome o = gate(RuleAction.WARN, "acme-*").check(new SimplePage("acme-widgets", List.of(f), List.of()), f,
                f.sha256(), url -> {
                    fetches.incrementAndGet();
                    return CompletableFuture.completedFuture(new AttestationGate.Fetched(200, new byte[0]));
                }).join();
        assertThat(rules(o.blocks())).containsExactly(PypiRules.PROVENANCE_MISSING);
        assertThat(o.blocks().get(0).reason()).contains("acme/widgets/.github/workflows/release.yml");
        assertThat(fetches).hasValue(0);
    }

    @Test
    void aFailedFetchOrAnErrorStatusFailsClosedAndIsNotCached() {
        SimpleFile f = file("acme_widgets-1.0-py3-none-any.whl", null, true);
        SimplePage page = new SimplePage("acme-widgets", List.of(f), List.of());
        AttestationGate gate = gate(RuleAction.WARN, "acme-widgets");
        AtomicInteger fetches = new AtomicInteger();
        assertThat(rules(gate.check(page, f, f.sha256(), url -> {
            fetches.incrementAndGet();
            return CompletableFuture.failedFuture(new java.io.IOException("reset"));
        }).join().blocks())).containsExactly(PypiRules.PROVENANCE_MISSING);
        assertThat(rules(gate.check(page, f, f.sha256(), url -> {
            fetches.incrementAndGet();
            return CompletableFuture.completedFuture(new AttestationGate.Fetched(503, new byte[0]));
        }).join().blocks())).containsExactly(PypiRules.PROVENANCE_MISSING);
        assertThat(fetches).hasValue(2);
    }

    @Test
    void garbageProvenanceIsInvalidAndTheVerdictIsCachedBySha256() {
        SimpleFile f = file("acme_widgets-1.0-py3-none-any.whl", null, true);
        SimplePage page = new SimplePage("acme-widgets", List.of(f), List.of());
        AttestationGate gate = gate(RuleAction.WARN, "acme-widgets");
        AtomicInteger fetches = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            assertThat(rules(gate.check(page, f, f.sha256(), url -> {
                fetches.incrementAndGet();
                return CompletableFuture.completedFuture(new AttestationGate.Fetched(200, "{\"version\":1}".getBytes()));
            }).join().blocks())).containsExactly(PypiRules.PROVENANCE_INVALID);
        }
        assertThat(fetches).hasValue(1);
    }

    @Test
    void aRefusalExpiresSoATransientBadAnswerDoesNotPinTheGenuineFile() {
        SimpleFile f = file("acme_widgets-1.0-py3-none-any.whl", null, true);
        SimplePage page = new SimplePage("acme-widgets", List.of(f), List.of());
        java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
        AttestationGate gate = new AttestationGate(List.of(new PypiConfig.ProvenanceRequirement("acme-widgets",
                GITHUB)), RuleAction.WARN, TrustedRoot.production(), Runnable::run,
                dev.dualtrack.proxy.cache.Caches.standalone().withTicker(nanos::get));
        AtomicInteger fetches = new AtomicInteger();
        AttestationGate.Fetcher truncated = url -> {
            fetches.incrementAndGet();
            return CompletableFuture.completedFuture(new AttestationGate.Fetched(200, "{\"version\":1,\"att".getBytes()));
        };
        assertThat(rules(gate.check(page, f, f.sha256(), truncated).join().blocks()))
                .containsExactly(PypiRules.PROVENANCE_INVALID);
        gate.check(page, f, f.sha256(), truncated).join();
        assertThat(fetches).hasValue(1);
        nanos.addAndGet(AttestationGate.REFUSAL_TTL.plusSeconds(1).toNanos());
        gate.check(page, f, f.sha256(), truncated).join();
        assertThat(fetches).as("asked again once the refusal expired").hasValue(2);
    }

    @Test
    void concurrentFirstRequestsShareOneFetchAndOneVerification() {
        SimpleFile f = file("acme_widgets-1.0-py3-none-any.whl", null, true);
        SimplePage page = new SimplePage("acme-widgets", List.of(f), List.of());
        AttestationGate gate = gate(RuleAction.WARN, "acme-widgets");
        AtomicInteger fetches = new AtomicInteger();
        CompletableFuture<AttestationGate.Fetched> answer = new CompletableFuture<>();
        List<CompletableFuture<AttestationGate.Outcome>> all = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(gate.check(page, f, f.sha256(), url -> {
                fetches.incrementAndGet();
                return answer;
            }));
        }
        answer.complete(new AttestationGate.Fetched(200, "{\"version\":1}".getBytes()));
        for (CompletableFuture<AttestationGate.Outcome> o : all) {
            assertThat(rules(o.join().blocks())).containsExactly(PypiRules.PROVENANCE_INVALID);
        }
        assertThat(fetches).hasValue(1);
    }

    @Test
    void provenanceRegressesWhenAnEarlierReleaseWasAttested() {
        SimpleFile v1 = file("plain-1.0-py3-none-any.whl", "2024-01-01T00:00:00Z", true);
        SimpleFile v2 = file("plain-2.0-py3-none-any.whl", "2024-02-01T00:00:00Z", false);
        SimpleFile v0 = file("plain-0.9-py3-none-any.whl", "2023-01-01T00:00:00Z", false);
        SimplePage page = new SimplePage("plain", List.of(v0, v1, v2), List.of());
        AttestationGate warn = gate(RuleAction.WARN);
        AttestationGate.Outcome o = warn.check(page, v2, v2.sha256(), url -> null).join();
        assertThat(o.blocks()).isEmpty();
        assertThat(rules(o.warnings())).containsExactly(PypiRules.PROVENANCE_REGRESSED);
        assertThat(o.warnings().get(0).reason()).contains("plain-1.0-py3-none-any.whl");
        // An older release from before attestations existed is no regression.
        assertThat(warn.check(page, v0, v0.sha256(), url -> null).join()).isEqualTo(new AttestationGate.Outcome(
                List.of(), List.of()));
        assertThat(rules(gate(RuleAction.BLOCK).check(page, v2, v2.sha256(), url -> null).join().blocks()))
                .containsExactly(PypiRules.PROVENANCE_REGRESSED);
        assertThat(gate(RuleAction.OFF).check(page, v2, v2.sha256(), url -> null).join().warnings()).isEmpty();
    }

    @Test
    void withoutAnAnnouncedLinkTheIntegrityApiIsAsked() {
        SimpleFile f = file("acme_widgets-1.0-py3-none-any.whl", null, false);
        SimplePage page = new SimplePage("acme-widgets", List.of(f), List.of());
        List<String> asked = new java.util.ArrayList<>();
        AttestationGate.Outcome o = gate(RuleAction.WARN, "acme-widgets").check(page, f, f.sha256(),
                Optional.of("https://pypi.example/integrity/acme-widgets/1.0/x/provenance"), url -> {
                    asked.add(url);
                    return CompletableFuture.completedFuture(new AttestationGate.Fetched(404, new byte[0]));
                }).join();
        assertThat(asked).containsExactly("https://pypi.example/integrity/acme-widgets/1.0/x/provenance");
        assertThat(rules(o.blocks())).containsExactly(PypiRules.PROVENANCE_MISSING);
        assertThat(o.blocks().get(0).reason()).contains("its Integrity API has none");
    }

    @Test
    void theSameBytesUnderAnotherNameAreVerifiedForThatNameAndAFetchThatThrowsFailsClosed() {
        AttestationGate gate = gate(RuleAction.WARN, "acme-*");
        AtomicInteger fetches = new AtomicInteger();
        for (String name : List.of("acme_widgets-1.0-py3-none-any.whl", "acme_gadgets-1.0-py3-none-any.whl")) {
            SimpleFile f = file(name, null, true);
            gate.check(new SimplePage("acme-x", List.of(f), List.of()), f, f.sha256(), url -> {
                fetches.incrementAndGet();
                return CompletableFuture.completedFuture(new AttestationGate.Fetched(200, "{\"version\":1}".getBytes()));
            }).join();
        }
        assertThat(fetches).as("one verification per filename, not per sha256 alone").hasValue(2);
        SimpleFile f = file("acme_other-1.0-py3-none-any.whl", null, true);
        AttestationGate.Outcome o = gate.check(new SimplePage("acme-other", List.of(f), List.of()), f, f.sha256(),
                url -> {
                    throw new IllegalArgumentException("unusable URL");
                }).join();
        assertThat(rules(o.blocks())).containsExactly(PypiRules.PROVENANCE_MISSING);
    }
}
