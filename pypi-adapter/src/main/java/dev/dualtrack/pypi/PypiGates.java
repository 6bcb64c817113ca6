package dev.dualtrack.pypi;

import dev.dualtrack.proxy.access.AccessControl;
import dev.dualtrack.proxy.gate.Checked;
import dev.dualtrack.proxy.gate.Gate;
import dev.dualtrack.proxy.gate.Gates;
import dev.dualtrack.proxy.gate.Refusal;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.policy.Judge;
import dev.dualtrack.proxy.policy.Judgement;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.relay.KnownVerdicts;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.store.SharedFirstSeen;
import dev.dualtrack.pypi.policy.Filenames;
import dev.dualtrack.pypi.policy.PackagePolicy;
import dev.dualtrack.pypi.provenance.AttestationGate;
import dev.dualtrack.pypi.simple.SimpleFile;
import dev.dualtrack.scanner.Verdict;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

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
    private final AccessControl access;
    /**
     * The typosquat rule's answer for the page it was weighed on, for a minute: every request for a project page
     * or file asks it, and weighing a name generates its one-edit neighbours (the largest allocation of a cached
     * page's request, measured with JFR). Only names an index has are kept, in a bounded cache.
     */
    private final com.github.benmanes.caffeine.cache.Cache<String, TyposquatOfPage> typosquatOfPage;

    private record TyposquatOfPage(dev.dualtrack.pypi.simple.SimplePage page, Checked checked) {
    }
    private final DecisionRecorder recorder;

    PypiGates(PackagePolicy policy, Judge judge, DecisionRecorder recorder) {
        this(policy, judge, recorder, new AccessControl(dev.dualtrack.config.AccessConfig.open()));
    }

    PypiGates(PackagePolicy policy, Judge judge, DecisionRecorder recorder, AccessControl access) {
        this(policy, judge, recorder, access, dev.dualtrack.proxy.cache.Caches.standalone());
    }

    PypiGates(PackagePolicy policy, Judge judge, DecisionRecorder recorder, AccessControl access,
            dev.dualtrack.proxy.cache.Caches caches) {
        this.typosquatOfPage = caches.bounded("pypi-typosquat-decisions", 20_000, java.time.Duration.ofSeconds(60));
        this.access = access;
        this.policy = policy;
        this.judge = judge;
        this.gates = new Gates(judge, recorder);
        this.recorder = recorder;
    }

    /** The runner every list of these gates goes through. */
    Gates runner() {
        return gates;
    }

    /**
     * The file gates, in order: the fleet's first-seen ledger (fleet mode), PEP 740 attestations, the typosquat
     * rule, the file rules, an announced sha256, a permitted file host, the declared license (its PEP 658 metadata),
     * then what is already known of the bytes.
     */
    List<Gate<? super PypiFile>> fileGates(Optional<SharedFirstSeen> fleet, AttestationGate attestations,
            BiFunction<PypiFile, String, CompletableFuture<AttestationGate.Fetched>> provenance,
            PypiLicenseGate licenses,
            BiFunction<PypiFile, String, CompletableFuture<dev.dualtrack.proxy.upstream.BodyCollector.Response>> index,
            Gate<KnownVerdicts.Fetching> known) {
        List<Gate<? super PypiFile>> list = new ArrayList<>();
        list.add(Gate.<PypiFile>of("access", r -> access(r.exchange(), r.project(), Optional.of(r.found()))));
        fleet.ifPresent(ledger -> list.add(Gate.<PypiFile>async("first-seen (fleet)", r -> r.file().sha256().isEmpty()
                ? CompletableFuture.completedFuture(Checked.pass())
                : ledger.confirm("pypi", r.project(), r.file().filename(), r.file().sha256().get())
                        .handle((answer, e) -> Checked.blocks(fleetBlocks(answer, r.file().filename()))))));
        list.add(Gate.<PypiFile>async("attestations", r -> r.metadata()
                ? CompletableFuture.completedFuture(Checked.pass())
                : attestations.check(r.found().page(), r.file(), r.file().sha256(), integrityApi(r),
                        url -> provenance.apply(r, url)).thenApply(o -> new Checked(o.blocks(), List.of(),
                        o.warnings(), List.of()))));
        list.add(Gate.<PypiFile>of("typosquat", r -> typosquat(r.found())));
        list.add(Gate.<PypiFile>of("file rules", r -> fileRules(r.project(), r.file(),
                r.found().upstream().appliesPublicRules())));
        list.add(Gate.<PypiFile>of("announced sha256", r -> r.sha256().isPresent() ? Checked.pass()
                : Checked.block(PypiRules.HASH_MISMATCH, "the index announced no sha256 for " + r.filename()
                        + ", so its bytes cannot be verified")));
        list.add(Gate.<PypiFile>of("file host", r -> r.origins().refusal(r.link())
                .map(why -> Checked.block(PypiRules.FILE_HOST, why)).orElse(Checked.pass())));
        list.add(Gate.<PypiFile>async("license", r -> licenses.check(r, url -> index.apply(r, url))));
        list.add(known);
        return List.copyOf(list);
    }

    /** PyPI's Integrity API address for a file: {@code /integrity/<project>/<version>/<filename>/provenance}. */
    private static Optional<String> integrityApi(PypiFile r) {
        return r.version().map(v -> r.found().upstream().url().resolve("/integrity/"
                + URLEncoder.encode(r.project(), StandardCharsets.UTF_8) + "/" + URLEncoder.encode(v,
                StandardCharsets.UTF_8) + "/" + URLEncoder.encode(r.file().filename(), StandardCharsets.UTF_8)
                + "/provenance").toString());
    }

    /**
     * What the fleet's first-seen ledger says, as blocks: another first hash is tampering (the same rule as the
     * local ledger's); a ledger that cannot be asked refuses a first sighting, since serving it would forget what
     * the fleet knows the file to be.
     */
    static List<Verdict> fleetBlocks(SharedFirstSeen.Answer answer, String filename) {
        if (answer instanceof SharedFirstSeen.Conflict c) {
            return List.of(Verdict.block(PypiRules.HASH_MISMATCH, filename + " is announced with another sha256 "
                    + "than the one the fleet first saw for it (" + c.firstSha256() + "): a filename never changes "
                    + "its bytes on PyPI, so this is tampering"));
        }
        if (answer instanceof SharedFirstSeen.Unreachable || answer == null) {
            return List.of(Verdict.block(PypiRules.HASH_MISMATCH, "the fleet's first-seen ledger (the shared store) "
                    + "cannot be reached, so the first sighting of " + filename + " cannot be confirmed; it is "
                    + "refused until the store answers"));
        }
        return List.of();
    }

    /**
     * What the request's principal may not pull: the PyPI track, this project, or (once it is known) the index
     * that owns it. Open access grants everything.
     */
    Checked access(Exchange ex, String project, Optional<ProjectResolver.Found> found) {
        dev.dualtrack.proxy.access.Principal p = ex.principal();
        return access.deniedTrack(p, "pypi").or(() -> access.deniedProject(p, project))
                .or(() -> found.flatMap(f -> access.deniedUpstream(p, project, f.upstream().name())))
                .map(why -> Checked.block(AccessControl.DENIED, why)).orElse(Checked.pass());
    }

    /** The access refusal of a page or JSON API request (recorded), if its principal may not have it. */
    Optional<Refusal> deniedPage(Exchange ex, String project, Optional<ProjectResolver.Found> found) {
        return gates.stand(() -> subject(ex, project, "", ""), Optional.empty(), access(ex, project, found));
    }

    /** The project's block that stands after policy, for the routes that answer a hidden project with a 404. */
    Optional<Refusal> hiddenProject(Exchange ex, ProjectResolver.Found found) {
        return gates.stand(() -> subject(ex, found.page().name(), "", ""), Optional.empty(), typosquat(found));
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
        Subject page = subject(ex, project, "", "");
        Map<String, List<PackagePolicy.Decision>> byRule = new LinkedHashMap<>();
        hidden.forEach(d -> byRule.computeIfAbsent(d.rule(), k -> new ArrayList<>()).add(d));
        byRule.forEach((rule, ds) -> recorder.hidden(page, Verdict.block(rule, (rule.equals(PypiRules.VULNERABLE)
                ? "yanked " + ds.size() + " file(s) on the page: " : "hid " + ds.size() + " file(s) from the page: ")
                + ds.get(0).reason() + more(ds.size()))));
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
     * owner served.
     */
    private Checked typosquat(ProjectResolver.Found found) {
        if (!found.upstream().appliesPublicRules()) {
            return Checked.pass();
        }
        TyposquatOfPage known = typosquatOfPage.getIfPresent(found.page().name());
        if (known != null && known.page() == found.page()) {
            return known.checked();
        }
        Checked checked = policy.project(found.page().name(), Optional.of(found.page())).map(PypiGates::checked)
                .orElse(Checked.pass());
        typosquatOfPage.put(found.page().name(), new TyposquatOfPage(found.page(), checked));
        return checked;
    }

    /** The file gate (entry validity, first-seen hash, malicious feed, release age). */
    private Checked fileRules(String project, SimpleFile f, boolean publicSource) {
        Checked all = Checked.pass();
        for (PackagePolicy.Decision d : policy.file(project, f, publicSource)) {
            all = all.and(checked(d));
        }
        return all;
    }

    private static Checked checked(PackagePolicy.Decision d) {
        return d.blocks() ? Checked.block(d.rule(), d.reason()) : Checked.warning(d.rule(), d.reason());
    }

    static Subject subject(Exchange ex, String project, String file, String sha256) {
        return new Subject(ex.clientAddress(), "pypi", project, file, sha256, ex.principal().name());
    }
}
