package dev.dualtrack.pypi;

import dev.dualtrack.pypi.policy.Filenames;
import dev.dualtrack.pypi.policy.PackagePolicy;
import dev.dualtrack.pypi.simple.SimpleFile;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.policy.Gates;
import dev.dualtrack.proxy.policy.Judge;
import dev.dualtrack.proxy.policy.Judgement;
import dev.dualtrack.proxy.relay.Refusal;
import dev.dualtrack.proxy.relay.Refusals;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.scanner.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Track 1's gates: what {@link PackagePolicy} decides, turned into the checks {@link Gates} runs before any byte,
 * and into the page filter. The route holds the protocol; this class holds every PyPI decision, so the two
 * never mix.
 *
 * <ul>
 *   <li>project gate: the typosquat rule, judged on the project page's evidence (public sources only);</li>
 *   <li>file gates, in order: project gate, file rules (entry validity, first-seen hash, malicious feed, release
 *       age), an announced sha256, a permitted file host;</li>
 *   <li>page filter: the files a standing block hides, and the ones policy kept although a rule would hide
 *       them, each summarized per rule and request.</li>
 * </ul>
 */
final class PypiGates {
    private final PackagePolicy policy;
    private final Judge judge;
    private final Gates gates;
    private final DecisionRecorder recorder;

    PypiGates(PackagePolicy policy, Judge judge, DecisionRecorder recorder) {
        this.policy = policy;
        this.judge = judge;
        this.gates = new Gates(judge, recorder);
        this.recorder = recorder;
    }

    /** A file request: runs the gates; false when it was refused (recorded and answered). */
    boolean admitFile(Exchange ex, ProjectResolver.Found found, SimpleFile f, String filename, Optional<String> sha,
            FileOrigins origins, String link, List<Verdict> fleet) {
        String project = found.page().name();
        DecisionRecorder.Subject subject = subject(ex, project, filename, f.sha256().orElse(""));
        return gates.admit(ex, Refusals.PLAIN, subject, Filenames.version(project, f.filename()), List.of(
                () -> fleet,
                () -> typosquat(subject, found),
                () -> fileRules(project, f, found.upstream().appliesPublicRules(), subject),
                () -> sha.isPresent() ? List.of() : List.of(Verdict.block(PypiRules.HASH_MISMATCH, "the index "
                        + "announced no sha256 for " + filename + ", so its bytes cannot be verified")),
                () -> origins.refusal(link).map(why -> List.of(Verdict.block(PypiRules.FILE_HOST, why)))
                        .orElse(List.of())));
    }

    /**
     * What the fleet's first-seen ledger says, as blocks: another first hash is tampering (the same rule as the
     * local ledger's); a ledger that cannot be asked refuses a first sighting, since serving it would forget what
     * the fleet knows the file to be.
     */
    static List<Verdict> fleetBlocks(dev.dualtrack.proxy.store.SharedFirstSeen.Answer answer, String filename) {
        if (answer instanceof dev.dualtrack.proxy.store.SharedFirstSeen.Conflict c) {
            return List.of(Verdict.block(PypiRules.HASH_MISMATCH, filename + " is announced with another sha256 "
                    + "than the one the fleet first saw for it (" + c.firstSha256() + "): a filename never changes "
                    + "its bytes on PyPI, so this is tampering"));
        }
        if (answer instanceof dev.dualtrack.proxy.store.SharedFirstSeen.Unreachable u || answer == null) {
            return List.of(Verdict.block(PypiRules.HASH_MISMATCH, "the fleet's first-seen ledger (the shared store) "
                    + "cannot be reached, so the first sighting of " + filename + " cannot be confirmed; it is "
                    + "refused until the store answers"));
        }
        return List.of();
    }

    /** Warnings decided before the gates ran (a regressed provenance under {@code warn}): recorded, then served. */
    void warn(Exchange ex, String project, SimpleFile f, List<Verdict> warnings) {
        DecisionRecorder.Subject subject = subject(ex, project, f.filename(), f.sha256().orElse(""));
        warnings.forEach(w -> recorder.warned(subject, w.rule(), w.reason()));
    }

    /** The project's block that stands after policy, for the routes that answer a hidden project with a 404. */
    Optional<Refusal> hiddenProject(Exchange ex, ProjectResolver.Found found) {
        DecisionRecorder.Subject subject = subject(ex, found.page().name(), "", "");
        for (Verdict v : typosquat(subject, found)) {
            Optional<Refusal> r = gates.stand(subject, Optional.empty(), v);
            if (r.isPresent()) {
                return r;
            }
        }
        return Optional.empty();
    }

    /** A reserved name its owner does not have: exactly what a dependency-confusion attempt looks like. */
    Refusal reservedName(Exchange ex, String project, String owner) {
        Verdict v = Verdict.block(PypiRules.RESERVED_NAME, project + " is reserved for index '" + owner
                + "', which does not have it; other indexes are never asked");
        // An integrity rule: it always stands.
        return gates.stand(subject(ex, project, "", ""), Optional.empty(), v).orElseThrow();
    }

    /** The page without the files whose block stands; what it hid and kept is recorded by {@link #recordPage}. */
    PackagePolicy.Filtered filterPage(Exchange ex, ProjectResolver.Found found) {
        String project = found.page().name();
        return policy.filter(project, found.page(), found.upstream().appliesPublicRules(),
                (f, d) -> judge.judge(subject(ex, project, f.filename(), f.sha256().orElse("")),
                        Filenames.version(project, f.filename()), Verdict.block(d.rule(), d.reason())).blocks());
    }

    /**
     * What a page request lost to policy, and what policy kept that a rule would hide (warn, monitor, a waiver):
     * one count and one audit line per rule and request, not per file, so the metrics show a malicious or
     * too-young release a resolver was kept from, and monitor mode shows what enforcing would hide.
     */
    void recordPage(Exchange ex, String project, List<PackagePolicy.Decision> hidden,
            List<PackagePolicy.Kept> letThrough) {
        DecisionRecorder.Subject page = subject(ex, project, "", "");
        Map<String, List<PackagePolicy.Decision>> byRule = new LinkedHashMap<>();
        hidden.forEach(d -> byRule.computeIfAbsent(d.rule(), k -> new ArrayList<>()).add(d));
        byRule.forEach((rule, ds) -> recorder.hidden(page, Verdict.block(rule, "hid " + ds.size()
                + " file(s) from the page: " + ds.get(0).reason() + more(ds.size()))));
        Map<String, List<Judgement>> byKind = new LinkedHashMap<>();
        for (PackagePolicy.Kept k : letThrough) {
            Judgement j = judge.judge(subject(ex, project, k.file().filename(), k.file().sha256().orElse("")),
                    Filenames.version(project, k.file().filename()),
                    Verdict.block(k.decision().rule(), k.decision().reason()));
            byKind.computeIfAbsent(j.kind() + "\u0000" + j.verdict().rule() + "\u0000"
                    + j.waiver().map(w -> w.label()).orElse(""), x -> new ArrayList<>()).add(j);
        }
        byKind.values().forEach(js -> {
            Judgement first = js.get(0);
            recorder.judged(page, new Judgement(first.kind(), Verdict.block(first.verdict().rule(), "policy kept "
                    + js.size() + " file(s) on the page that the rule would hide: " + first.verdict().reason()
                    + more(js.size())), first.waiver()));
        });
    }

    private static String more(int n) {
        return n > 1 ? " (and " + (n - 1) + " more)" : "";
    }

    /**
     * The project gate: the typosquat rule, for projects not owned by an internal index, weighed on the page the
     * owner served. A warning is recorded here and lets the request on.
     */
    private List<Verdict> typosquat(DecisionRecorder.Subject subject, ProjectResolver.Found found) {
        if (!found.upstream().appliesPublicRules()) {
            return List.of();
        }
        Optional<PackagePolicy.Decision> d = policy.project(found.page().name(), Optional.of(found.page()));
        if (d.isEmpty()) {
            return List.of();
        }
        if (!d.get().blocks()) {
            recorder.warned(subject, d.get().rule(), d.get().reason());
            return List.of();
        }
        return List.of(Verdict.block(d.get().rule(), d.get().reason()));
    }

    /** The file gate (entry validity, first-seen hash, malicious feed, release age); warnings recorded. */
    private List<Verdict> fileRules(String project, SimpleFile f, boolean publicSource,
            DecisionRecorder.Subject subject) {
        List<Verdict> blocks = new ArrayList<>();
        for (PackagePolicy.Decision d : policy.file(project, f, publicSource)) {
            if (d.blocks()) {
                blocks.add(Verdict.block(d.rule(), d.reason()));
            } else {
                recorder.warned(subject, d.rule(), d.reason());
            }
        }
        return blocks;
    }

    private static DecisionRecorder.Subject subject(Exchange ex, String project, String file, String sha256) {
        return new DecisionRecorder.Subject(ex.clientAddress(), "pypi", project, file, sha256);
    }
}
