package dev.dualtrack.proxy.gate;

import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.policy.Decision;
import dev.dualtrack.proxy.policy.Judge;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.scanner.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The runner of a track's gates, the checks before any byte. It is the one place that judges what a gate found
 * (action, mode, waivers: {@link Judge}), records it (count and audit line, with the decision id) and answers a
 * block that stands in the track's dialect. Gates run in their list's order on the exchange's event loop, an
 * asynchronous one resuming there; the first block that stands ends the run. A gate that throws or fails refuses
 * the request (500, logged): nothing is served because a check could not run.
 *
 * <pre>{@code
 * gates.run(request, List.of(typosquat, fileRules, known), admitted -> fetcher.deliver(ex, spec, admitted));
 * }</pre>
 */
public final class Gates {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Gates.class);
    private final Judge judge;
    private final DecisionRecorder recorder;

    public Gates(Judge judge, DecisionRecorder recorder) {
        this.judge = judge;
        this.recorder = recorder;
    }

    public Judge judge() {
        return judge;
    }

    /** What the gates of an admitted request learned, for the step after them. */
    public record Admitted(List<Object> facts) {
        public <T> Optional<T> fact(Class<T> type) {
            return facts.stream().filter(type::isInstance).map(type::cast).findFirst();
        }
    }

    /** Runs {@code gates} in order for {@code request}; {@code then} runs, on the event loop, when all pass. */
    public <R extends Gated> void run(R request, List<? extends Gate<? super R>> gates, Consumer<Admitted> then) {
        step(request, gates, 0, new ArrayList<>(), then);
    }

    private <R extends Gated> void step(R request, List<? extends Gate<? super R>> gates, int from,
            List<Object> facts, Consumer<Admitted> then) {
        Exchange ex = request.exchange();
        for (int i = from; i < gates.size(); i++) {
            if (ex.isDone()) {
                return; // the client left, or a timeout answered it
            }
            Gate<? super R> gate = gates.get(i);
            CompletableFuture<Checked> stage = ask(gate, request);
            if (!stage.isDone() || !ex.eventLoop().inEventLoop()) {
                int next = i + 1;
                stage.whenCompleteAsync((checked, error) -> {
                    try {
                        if (!ex.isDone() && settle(request, gate, checked, error, facts)) {
                            step(request, gates, next, facts, then);
                        }
                    } catch (RuntimeException | Error bug) {
                        LOG.error("gates failed for {} {}", ex.method(), ex.uri(), bug);
                        ex.internalError(bug);
                    }
                }, ex.eventLoop());
                return;
            }
            Checked checked = null;
            Throwable error = null;
            try {
                checked = stage.join();
            } catch (RuntimeException e) {
                error = e.getCause() != null ? e.getCause() : e;
            }
            if (!settle(request, gate, checked, error, facts)) {
                return;
            }
        }
        if (!ex.isDone()) {
            then.accept(new Admitted(List.copyOf(facts)));
        }
    }

    private static <R> CompletableFuture<Checked> ask(Gate<? super R> gate, R request) {
        try {
            CompletionStage<Checked> s = gate.check(request);
            return s == null ? CompletableFuture.failedFuture(new IllegalStateException("gate " + gate.name()
                    + " returned no answer")) : s.toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Judges and records what one gate found; false when the request was refused (and answered). */
    private boolean settle(Gated request, Gate<?> gate, Checked checked, Throwable error, List<Object> facts) {
        Exchange ex = request.exchange();
        if (error != null || checked == null) {
            LOG.error("gate {} failed for {} {}; the request is refused", gate.name(), ex.method(), ex.uri(), error);
            ex.internalError(error != null ? error : new IllegalStateException("gate " + gate.name() + " found null"));
            return false;
        }
        Optional<Refusal> refusal = stand(request::subject, request.version(), checked);
        if (refusal.isPresent()) {
            request.dialect().refuse(ex, refusal.get());
            return false;
        }
        facts.addAll(checked.facts());
        return true;
    }

    /**
     * Judges and records what a check found: its warnings, its judged verdicts (recorded whatever the decision),
     * its tentative blocks (recorded only when they stand). Returns the refusal of the first that stands. The one
     * place a check's findings become recorded decisions (G5). The subject is made only when there is something
     * to record: most requests pass every check, and this runs for each of them.
     */
    public Optional<Refusal> stand(java.util.function.Supplier<Subject> about, Optional<String> version,
            Checked checked) {
        if (checked.nothingToRecord()) {
            return Optional.empty();
        }
        Subject subject = about.get();
        for (Verdict w : checked.warnings()) {
            recorder.warned(subject, w.rule(), w.reason());
        }
        int judged = checked.judged().size();
        List<Verdict> all = new ArrayList<>(checked.judged());
        all.addAll(checked.tentative());
        for (int i = 0; i < all.size(); i++) {
            Decision d = judge.decide(subject, version, all.get(i));
            if (d.blocks() || i < judged) {
                Optional<String> id = recorder.record(subject, d);
                if (d.blocks()) {
                    return Optional.of(new Refusal(d.refusal(), id.orElse(""), subject));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Judges and records one block outside a request's gate list, every rule it found on its own
     * ({@link Judge#decide}); the refusal when it stands (for answers other than a 403, such as a 404).
     */
    public Optional<Refusal> stand(Subject subject, Optional<String> version, Verdict block) {
        return stand(() -> subject, version, Checked.judged(block));
    }
}
