package dev.dualtrack.hf;

import com.github.benmanes.caffeine.cache.Cache;
import dev.dualtrack.config.LicensesConfig;
import dev.dualtrack.licenses.DeclaredLicense;
import dev.dualtrack.licenses.LicensePolicy;
import dev.dualtrack.licenses.ModelCardLicense;
import dev.dualtrack.proxy.gate.Checked;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code licenses} on the Hub: the license a repo declares at the commit a client asked for, read once per commit
 * from its card's front matter ({@code README.md}, where the Hub's {@code cardData.license} comes from), judged
 * before any file of the commit is served, HEAD answers included. What it read is kept for the AI-BOM.
 *
 * <p>Fails closed: a card that cannot be fetched refuses the commit's files (and is asked again next time); a repo
 * with no card, or a card without a license, is an unknown license ({@code licenses.unknown}).
 */
final class LicenseGate {
    static final String CARD = "README.md";

    /** What a commit's card says, as the policy judged it; {@code lasting} is false for a card not fetched. */
    record Decision(DeclaredLicense declared, Optional<LicensePolicy.Decision> judged, Optional<String> failure,
            boolean lasting) {
    }

    private final LicensesConfig.Effective config;
    private final LicensePolicy policy;
    private final Cache<String, CompletableFuture<Decision>> decisions;

    LicenseGate(LicensesConfig licenses, dev.dualtrack.proxy.cache.Caches caches) {
        this.config = licenses.track("hf");
        this.policy = new LicensePolicy(config.allow(), config.deny());
        this.decisions = caches.bounded("hf-license-decisions", 10_000, java.time.Duration.ZERO);
    }

    boolean active() {
        return config.active();
    }

    /** The gate's answer for a file of {@code p} at {@code commit}. */
    CompletableFuture<Checked> check(HubPath p, String commit, CommitFileFetcher card) {
        if (!active()) {
            return CompletableFuture.completedFuture(Checked.pass());
        }
        return decision(p, commit, card).handle((d, error) -> {
            if (d == null || d.failure().isPresent()) {
                return Checked.block(HfRules.LICENSE, d != null ? d.failure().get() : "the model card of " + at(p,
                        commit) + " could not be read, so its license cannot be judged; its files are refused until "
                        + "it can be");
            }
            LicensePolicy.Decision judged = d.judged().orElseThrow();
            // An unknown license is a block of its own rule, whose action licenses.unknown sets (ConfigLoader).
            return switch (judged.kind()) {
                case ALLOWED -> Checked.pass();
                case DENIED -> Checked.block(HfRules.LICENSE, judged.reason());
                case UNKNOWN -> Checked.block(HfRules.LICENSE_UNKNOWN, judged.reason());
            };
        });
    }

    /** What is known of a commit's license without asking the Hub: for the AI-BOM. */
    Optional<DeclaredLicense> known(HubPath p, String commit) {
        CompletableFuture<Decision> d = decisions.getIfPresent(key(p, commit));
        return d != null && d.isDone() && !d.isCompletedExceptionally() ? Optional.of(d.join().declared())
                : Optional.empty();
    }

    private static String key(HubPath p, String commit) {
        return p.type().apiSegment + "/" + p.repo() + "@" + commit;
    }

    CompletableFuture<Decision> decision(HubPath p, String commit, CommitFileFetcher card) {
        String key = key(p, commit);
        CompletableFuture<Decision> d = decisions.get(key, k -> fetch(card, new HubPath(p.kind(), p.type(), p.repo(),
                Optional.of(commit), CARD), commit).handle((answer, error) -> decide(answer, p, commit)));
        return d.whenComplete((decision, error) -> {
            if (error != null || !decision.lasting()) {
                decisions.asMap().remove(key, d);
            }
        });
    }

    private static CompletableFuture<CommitFileFetcher.Fetched> fetch(CommitFileFetcher card, HubPath p,
            String commit) {
        try {
            return card.fetch(p, commit);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Decision decide(CommitFileFetcher.Fetched answer, HubPath p, String commit) {
        String what = p.type().resolvePrefix + p.repo() + " at " + commit.substring(0, Math.min(12, commit.length()));
        if (answer == null || (answer.status() != 200 && answer.status() != 404)) {
            String why = answer == null ? "could not be fetched" : "was answered " + answer.status() + " by the Hub";
            return new Decision(DeclaredLicense.none("model card", "card " + why), Optional.empty(),
                    Optional.of("the model card of " + what + " " + why + ", so its license cannot be judged; its "
                            + "files are refused until it can be"), false);
        }
        DeclaredLicense declared = answer.status() == 404
                ? DeclaredLicense.none("model card", "has no model card (README.md), so it states no license")
                : ModelCardLicense.read(new String(answer.body(), StandardCharsets.UTF_8));
        return new Decision(declared, Optional.of(policy.judge(declared, what)), Optional.empty(), true);
    }

    private static String at(HubPath p, String commit) {
        return p.repo() + " at " + commit.substring(0, Math.min(12, commit.length()));
    }
}
