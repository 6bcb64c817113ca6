package dev.dualtrack.config.policy;

import dev.dualtrack.config.RuleAction;
import dev.dualtrack.config.policy.Rule.Scope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every rule dualtrack has, listed once. Metrics priming, the validation of rule ids in the configuration, the
 * {@code dualtrack rules} command and {@code docs/rules.md} are all made from this list, and tests fail when a
 * rule id used in the code is missing from it. To add a rule: add its id constant where it fires, add it here,
 * and run {@code bin/dualtrack rules --markdown > docs/rules.md}.
 */
public final class RuleRegistry {
    /** The rules defined here: the built-in tracks', the relay's and {@code dualtrack scan}'s. */
    private static final Map<String, Rule> BUILT_IN = new LinkedHashMap<>();

    private static void rule(String id, Scope scope, RuleAction action, boolean integrity, String description) {
        Rule r = new Rule(id, scope, action, integrity, description);
        if (BUILT_IN.putIfAbsent(id, r) != null) {
            throw new IllegalStateException("rule " + id + " is listed twice");
        }
    }

    private static final RuleAction BLOCK = RuleAction.BLOCK;
    private static final RuleAction WARN = RuleAction.WARN;
    private static final RuleAction OFF = RuleAction.OFF;

    static {
        // Track 1: package indexes.
        Scope pypi = Scope.track(TrackDefinition.PYPI);
        Scope hf = Scope.track(TrackDefinition.HF);
        rule("pypi.reserved-name", pypi, BLOCK, true,
                "a name reserved for an internal index was asked of another index (dependency confusion)");
        rule("pypi.typosquat", pypi, BLOCK, false,
                "a young project whose name imitates a popular one (established projects pass): its pages are hidden "
                        + "and its files refused");
        rule("pypi.malicious-feed", pypi, BLOCK, false,
                "a project, release or file named by the malicious-package feed (OSV)");
        rule("pypi.vulnerable", pypi, BLOCK, false,
                "a release a known-vulnerability advisory affects (pypi.vulnerabilities): yanked on the page, its files "
                        + "refused, naming the advisory and the version to upgrade to");
        rule("pypi.license", pypi, BLOCK, false,
                "a distribution whose core metadata declares a license that licenses.deny names, or whose license "
                        + "could not be read (metadata not fetched, or not matching its hash)");
        rule("pypi.license-unknown", pypi, OFF, false,
                "a distribution that states no license, or one licenses.allow does not name; its action is "
                        + "licenses.unknown unless policy.rules sets it");
        rule("pypi.min-release-age", pypi, OFF, false,
                "a file younger than min-release-age, or uploaded after exclude-newer");
        rule("pypi.hash-mismatch", pypi, BLOCK, true,
                "a file's bytes differ from the sha256 its index announced, or from the one first seen for it");
        rule("pypi.redirect-host", pypi, BLOCK, true,
                "an index redirected a download to a host it may not use");
        rule("pypi.invalid-entry", pypi, BLOCK, true,
                "an index entry with a filename outside the distribution formats or a malformed hash");
        rule("pypi.file-host", pypi, BLOCK, true,
                "a file link to a host, port or scheme that is neither the index's origin nor one of its file-hosts");
        rule("pypi.provenance-missing", pypi, BLOCK, false,
                "a file of a project that pypi.provenance requires to be attested has no PEP 740 attestation");
        rule("pypi.provenance-invalid", pypi, BLOCK, false,
                "a PEP 740 attestation whose signature, certificate chain, log proof, timestamp or subject fails");
        rule("pypi.provenance-identity", pypi, BLOCK, false,
                "a PEP 740 attestation that verifies but was made by another publisher than pypi.provenance names");
        rule("pypi.provenance-regressed", pypi, WARN, false,
                "a file without attestations in a project whose earlier releases were attested");

        // Track 2: the Hub, and the scanner's verdicts on model files.
        rule("hf.pickle.dangerous-import", hf, BLOCK, false,
                "a pickle imports something known to run code or touch the system (os.system, eval, gadgets)");
        rule("hf.pickle.unknown-import", hf, BLOCK, false,
                "a pickle imports something outside the allow-list of the active profiles");
        rule("hf.pickle.malformed", hf, BLOCK, false,
                "a pickle that cannot be read exactly as CPython would (truncated, unknown opcode, bad operand)");
        rule("hf.pickle.dangerous-opcode", hf, BLOCK, false,
                "a pickle construct that only serves code execution or scanner evasion (EXT codes, BUILD on a class)");
        rule("hf.pickle.resource", hf, BLOCK, false,
                "a pickle bomb: a structure that expands past hf.pickle.max-objects, or a huge allocation");
        rule("hf.safetensors.invalid", hf, BLOCK, false,
                "a safetensors file whose header or layout is not exactly what the format allows");
        rule("hf.zip.inconsistent", hf, BLOCK, false,
                "a zip whose central directory disagrees with what was streamed, or that loaders read differently");
        rule("hf.torchscript", hf, BLOCK, false, "a TorchScript archive, which carries executable code");
        rule("hf.numpy.invalid", hf, BLOCK, false, "a .npy file whose header or length is invalid");
        rule("hf.unsupported-format", hf, BLOCK, false,
                "a container that cannot be opened (7z, tar, unknown compression), so nothing inside can be seen");
        rule("hf.unrecognized-weights", hf, BLOCK, false,
                "a file named like model weights whose content is no format dualtrack knows");
        rule("hf.unscanned", hf, WARN, false,
                "a format that is recognised but not inspected: served and reported (no format is in this state today)");
        rule("hf.enforce-safetensors", hf, BLOCK, false,
                "a pickle-based weight file while enforce-safetensors is on, however clean");
        rule("hf.keras.code", hf, BLOCK, false,
                "a Keras model that carries code: a Lambda layer or a class from outside Keras");
        rule("hf.signature-missing", hf, BLOCK, false,
                "a repo that hf.signatures requires to be signed has no model.sig at the commit");
        rule("hf.signature-invalid", hf, BLOCK, false,
                "a model.sig whose signature, certificate chain, log proof or manifest fails to verify");
        rule("hf.signature-identity", hf, BLOCK, false,
                "a model.sig that verifies but was signed by another identity than hf.signatures names");
        rule("hf.signature-mismatch", hf, BLOCK, false,
                "a file whose bytes differ from the digest the signed manifest gives it, or that it does not list");
        rule("hf.tf.unsafe-op", hf, BLOCK, false,
                "a TensorFlow SavedModel or GraphDef with an op that runs Python or touches files or the network");
        rule("hf.gguf.chat-template", hf, BLOCK, false,
                "a GGUF chat template whose Jinja reaches Python internals (CVE-2024-34359)");
        rule("hf.gguf.invalid", hf, BLOCK, false, "a GGUF file whose metadata cannot be read");
        rule("hf.lfs-oid-mismatch", hf, BLOCK, true,
                "an LFS file's bytes differ from the sha256 the Hub announced, or none was announced");
        rule("hf.blob-oid-mismatch", hf, BLOCK, true,
                "a regular file's bytes differ from the git blob id the Hub announced, or none was announced");
        rule("hf.redirect-host", hf, BLOCK, true,
                "the Hub redirected a download to a host outside hf.redirect-hosts");
        rule("hf.repo-denied", hf, BLOCK, false, "a repo that hf.repos does not allow");
        rule("hf.file-too-large", hf, BLOCK, false, "a file larger than hf.max-file-size");
        rule("hf.license", hf, BLOCK, false,
                "a repo whose model or dataset card at the commit declares a license that licenses.deny names, or "
                        + "whose card could not be fetched");
        rule("hf.license-unknown", hf, OFF, false,
                "a repo whose card states no license, or one licenses.allow does not name; its action is "
                        + "licenses.unknown unless policy.rules sets it");

        // Both tracks' relay.
        rule("proxy.inspector-error", Scope.PROXY, BLOCK, false,
                "the inspector of a file failed or gave no verdict: nothing is allowed because it could not be read");
        rule("proxy.hold-limit", Scope.PROXY, BLOCK, false,
                "a body had to be held back beyond relay.max-hold or relay.hold-whole-below to be judged");
        rule("proxy.hash-mismatch", Scope.PROXY, BLOCK, true,
                "a body's bytes differ from the hash its source announced");
        rule("proxy.redirect-host", Scope.PROXY, BLOCK, true, "an upstream redirected to a host it may not use");
        rule("access.denied", Scope.PROXY, BLOCK, true, "the principal a client's token names may not pull this "
                + "project, index, repo or track (access tokens); like an integrity rule, nothing relaxes it");

        // dualtrack scan only: manifests and Git LFS.
        rule("deps.index-confusion", Scope.SCAN, BLOCK, false,
                "an extra index that would let a public index answer for a reserved name");
        rule("deps.insecure-index", Scope.SCAN, BLOCK, false, "an index URL over plain http");
        rule("deps.typosquat", Scope.SCAN, BLOCK, false, "a requirement whose name imitates a popular project and "
                + "is not in the snapshot of established names");
        rule("deps.malicious", Scope.SCAN, BLOCK, false, "a requirement the malicious-package feed names");
        rule("deps.vulnerable", Scope.SCAN, BLOCK, false, "a pinned or locked version a known-vulnerability advisory "
                + "affects");
        rule("deps.unpinned", Scope.SCAN, WARN, false, "a requirement not pinned to one version");
        rule("deps.unhashed", Scope.SCAN, WARN, false, "a pinned requirement without a hash");
        rule("deps.direct-reference", Scope.SCAN, WARN, false,
                "a URL, VCS or local-path requirement, which bypasses the index and its checks");
        rule("deps.not-locked", Scope.SCAN, BLOCK, false,
                "under --strict-lockfile, a requirement not pinned with a sha256");
        rule("deps.unreadable", Scope.SCAN, BLOCK, false, "a manifest line or file that cannot be read");
        rule("lfs.pointer-mismatch", Scope.SCAN, BLOCK, true,
                "a Git LFS pointer whose object is present with another sha256 or size");
        rule("lfs.invalid-pointer", Scope.SCAN, BLOCK, false,
                "a file that starts like an LFS pointer but does not follow the pointer format");
        rule("lfs.object-missing", Scope.SCAN, WARN, false,
                "an LFS pointer whose object is not in the checkout, so there is nothing to inspect");
        rule("lfs.foreign-endpoint", Scope.SCAN, BLOCK, false,
                "lfs.url points to another host than the repository's remote");
        rule("lfs.pickle-weights", Scope.SCAN, WARN, false,
                ".gitattributes stores pickle-format weights in LFS (prefer safetensors)");
    }

    private RuleRegistry() {
    }

    /** Every rule: the built-in ones, then those of tracks registered elsewhere (computed on first use). */
    private static final class All {
        static final Map<String, Rule> RULES = compute();

        private static Map<String, Rule> compute() {
            Map<String, Rule> all = new LinkedHashMap<>(BUILT_IN);
            for (TrackDefinition t : Tracks.registered()) {
                for (Rule r : t.rules()) {
                    if (!r.scope().equals(Scope.track(t.name()))) {
                        throw new IllegalStateException("track " + t.name() + " defines rule " + r.id()
                                + " in scope " + r.scope().label() + ", not its own");
                    }
                    if (all.putIfAbsent(r.id(), r) != null) {
                        throw new IllegalStateException("rule " + r.id() + " is defined twice");
                    }
                }
            }
            return all;
        }
    }

    /** Every rule, in registry order (by track, then as listed). */
    public static List<Rule> all() {
        return Collections.unmodifiableList(new ArrayList<>(All.RULES.values()));
    }

    public static Optional<Rule> find(String id) {
        return Optional.ofNullable(All.RULES.get(id));
    }

    /** The rules of the built-in tracks, the relay and {@code dualtrack scan}: the ones docs/rules.md lists. */
    public static List<Rule> builtIn() {
        return List.copyOf(BUILT_IN.values());
    }

    /** The rules of one built-in track ({@link TrackDefinition#PYPI}, {@link TrackDefinition#HF}). */
    static List<Rule> ofBuiltInTrack(String track) {
        return BUILT_IN.values().stream().filter(r -> r.scope().equals(Scope.track(track))).toList();
    }

    /** The rules that can fire on proxy track {@code track}. */
    public static List<Rule> firingOn(String track) {
        return All.RULES.values().stream().filter(r -> r.scope().firesOn(track)).toList();
    }

    /** The registered id nearest to {@code id} by edit distance, for "did you mean" messages. */
    public static Optional<String> nearest(String id) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String known : All.RULES.keySet()) {
            int d = dev.dualtrack.config.RecordBinder.editDistance(id, known);
            if (d < bestDistance) {
                bestDistance = d;
                best = known;
            }
        }
        if (bestDistance <= Math.max(2, id.length() / 4)) {
            return Optional.ofNullable(best);
        }
        // A shortened id ("hf.pickle.unknown"): the one registered id it begins.
        List<String> longer = All.RULES.keySet().stream().filter(k -> k.startsWith(id)).toList();
        return longer.size() == 1 ? Optional.of(longer.get(0)) : Optional.empty();
    }

    /** The registry as the Markdown table of {@code docs/rules.md}. */
    public static String markdown() {
        // The built-in rules only: a track registered from elsewhere documents its own.
        StringBuilder b = new StringBuilder();
        b.append("# Rules\n\n")
                .append("Generated from `RuleRegistry` by `bin/dualtrack rules --markdown`; a test fails when it is ")
                .append("out of date.\n\n")
                .append("Every refusal names one of these ids: in the response (`X-Dualtrack-Rule`), in ")
                .append("`dualtrack_blocked_total{track,rule}` and in the audit log. Ids are never renamed.\n\n")
                .append("- **scope**: `pypi` and `hf` are the proxy's tracks, `proxy` is the relay of both, `scan` is ")
                .append("`dualtrack scan` only.\n")
                .append("- **integrity**: the bytes, or where they come from, cannot be trusted. Such a rule always ")
                .append("blocks, and nothing relaxes it: a proxy that serves tampered bytes is worse than none.\n\n")
                .append("| rule | scope | default | integrity | what it catches |\n")
                .append("|---|---|---|---|---|\n");
        for (Rule r : BUILT_IN.values()) {
            b.append("| `").append(r.id()).append("` | ").append(r.scope().label()).append(" | ")
                    .append(r.defaultAction().name().toLowerCase(java.util.Locale.ROOT)).append(" | ")
                    .append(r.integrity() ? "yes" : "").append(" | ").append(r.description()).append(" |\n");
        }
        return b.toString();
    }
}
