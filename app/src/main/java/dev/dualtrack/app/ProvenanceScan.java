package dev.dualtrack.app;

import dev.dualtrack.hf.HfRules;
import dev.dualtrack.provenance.IdentityPolicy;
import dev.dualtrack.provenance.ModelManifest;
import dev.dualtrack.provenance.ModelSignature;
import dev.dualtrack.provenance.Pep740;
import dev.dualtrack.provenance.ProvenanceException;
import dev.dualtrack.provenance.TrustedRoot;
import dev.dualtrack.pypi.PypiRules;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanReport;
import dev.dualtrack.scanner.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code dualtrack scan} adds for provenance, once the walk has hashed every file:
 * <ul>
 *   <li>a {@code model.sig} verifies, and the files of its folder are exactly the ones it signed;</li>
 *   <li>a PEP 740 provenance object ({@code X.provenance}) or attestation ({@code X.attestation},
 *       {@code X.publish.attestation}) beside a distribution {@code X} verifies for that distribution.</li>
 * </ul>
 * The identity is {@code --signer}/{@code --issuer} when given (for PEP 740, a {@code pypi.provenance} entry of
 * {@code --policy} for the project comes first); without one the signature is verified and its signer reported.
 */
final class ProvenanceScan {
    private static final List<String> ATTESTATION_SUFFIXES = List.of(".provenance", ".publish.attestation",
            ".attestation");

    private final TrustedRoot root;
    private final Optional<IdentityPolicy> signer;
    private final List<dev.dualtrack.config.PypiConfig.ProvenanceRequirement> requirements;
    /** What verified, and by whom: printed on stderr, so reports stay findings only. */
    final List<String> notes = new ArrayList<>();

    ProvenanceScan(TrustedRoot root, Optional<IdentityPolicy> signer,
            List<dev.dualtrack.config.PypiConfig.ProvenanceRequirement> requirements) {
        this.root = root;
        this.signer = signer;
        this.requirements = requirements;
    }

    /**
     * @param walked every file the walk read: absolute path to the path as shown
     * @param results the walk's results, in order; findings are added to them
     */
    void check(Map<Path, String> walked, List<ScanCommand.Result> results) throws IOException {
        Map<String, Integer> byShown = new LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            byShown.put(results.get(i).path(), i);
        }
        for (Map.Entry<Path, String> e : walked.entrySet()) {
            Path file = e.getKey();
            String name = file.getFileName().toString();
            if (name.equals(ModelSignature.FILE_NAME)) {
                modelSignature(file, walked, byShown, results);
            } else {
                for (String suffix : ATTESTATION_SUFFIXES) {
                    if (name.endsWith(suffix) && name.length() > suffix.length()) {
                        Path dist = file.resolveSibling(name.substring(0, name.length() - suffix.length()));
                        if (walked.containsKey(dist)) {
                            attestation(file, suffix, dist, walked, byShown, results);
                        }
                        break;
                    }
                }
            }
        }
    }

    private void modelSignature(Path sigFile, Map<Path, String> walked, Map<String, Integer> byShown,
            List<ScanCommand.Result> results) throws IOException {
        String shown = walked.get(sigFile);
        ModelManifest m;
        try {
            m = ModelSignature.verify(Files.readAllBytes(sigFile), new ModelSignature.Sigstore(root,
                    signer.orElse(IdentityPolicy.ANY)));
        } catch (ProvenanceException e) {
            add(results, byShown, shown, new Finding(e.kind() == ProvenanceException.Kind.IDENTITY
                    ? HfRules.SIGNATURE_IDENTITY : HfRules.SIGNATURE_INVALID, Severity.MALFORMED,
                    "model.sig " + (e.kind() == ProvenanceException.Kind.IDENTITY ? "verifies, but it was " : "does not "
                            + "verify: ") + e.getMessage()));
            return;
        }
        Path folder = sigFile.getParent();
        Map<String, String> shownOf = new LinkedHashMap<>();
        for (Map.Entry<Path, String> f : walked.entrySet()) {
            if (f.getKey().startsWith(folder)) {
                shownOf.put(folder.relativize(f.getKey()).toString().replace('\\', '/'), f.getValue());
            }
        }
        notes.add(shown + ": verified, signed by " + m.signer().san() + " (issuer " + m.signer().issuer() + "), "
                + m.files().size() + " files, " + m.method() + "/" + m.hashType() + (signer.isEmpty()
                ? "; no --signer given, so any signer is accepted" : ""));
        if (!m.fileLevelSha256()) {
            return;
        }
        for (Map.Entry<String, String> f : shownOf.entrySet()) {
            if (m.ignored(f.getKey(), Set.of())) {
                continue;
            }
            Optional<byte[]> signed = m.sha256(f.getKey());
            Integer i = byShown.get(f.getValue());
            String actual = i == null ? "" : results.get(i).sha256();
            String on = i == null ? shown : f.getValue(); // a file without a result of its own: said on model.sig
            if (signed.isEmpty()) {
                add(results, byShown, on, new Finding(HfRules.SIGNATURE_MISMATCH, Severity.DANGEROUS,
                        f.getKey() + " is not in the signed manifest of " + shown));
            } else if (!HexFormat.of().formatHex(signed.get()).equalsIgnoreCase(actual)) {
                add(results, byShown, on, new Finding(HfRules.SIGNATURE_MISMATCH, Severity.DANGEROUS,
                        f.getKey() + " has sha256 " + actual + ", but " + shown + " signed "
                                + HexFormat.of().formatHex(signed.get())));
            }
        }
        List<String> missing = new ArrayList<>();
        for (String signedPath : m.files().keySet()) {
            if (!shownOf.containsKey(signedPath)) {
                missing.add(signedPath);
            }
        }
        if (!missing.isEmpty()) {
            add(results, byShown, shown, new Finding(HfRules.SIGNATURE_MISMATCH, Severity.DANGEROUS,
                    "signed files missing from the folder: " + String.join(", ", missing)));
        }
    }

    private void attestation(Path file, String suffix, Path dist, Map<Path, String> walked,
            Map<String, Integer> byShown, List<ScanCommand.Result> results) throws IOException {
        String shown = walked.get(file);
        String distName = dist.getFileName().toString();
        Integer di = byShown.get(walked.get(dist));
        if (di == null) {
            add(results, byShown, shown, new Finding(PypiRules.PROVENANCE_INVALID, Severity.MALFORMED, "the "
                    + "distribution " + distName + " beside it was not read, so the attestation cannot be bound to it"));
            return;
        }
        byte[] sha = HexFormat.of().parseHex(results.get(di).sha256());
        Optional<IdentityPolicy> policy = requirement(distName).or(() -> signer);
        byte[] bytes = Files.readAllBytes(file);
        Pep740 pep740 = new Pep740(root);
        try {
            List<dev.dualtrack.provenance.BundleVerifier.Verified> v = suffix.equals(".provenance")
                    ? pep740.verifyProvenance(bytes, distName, sha, policy.orElse(IdentityPolicy.ANY))
                    : List.of(pep740.verify(bytes, distName, sha, policy.orElse(IdentityPolicy.ANY)));
            notes.add(shown + ": verified for " + distName + ", signed by " + v.get(0).identity().san() + " (issuer "
                    + v.get(0).identity().issuer() + ")" + (policy.isEmpty()
                    ? "; no publisher required, so any signer is accepted" : ""));
        } catch (ProvenanceException e) {
            add(results, byShown, shown, new Finding(e.kind() == ProvenanceException.Kind.IDENTITY
                    ? PypiRules.PROVENANCE_IDENTITY : PypiRules.PROVENANCE_INVALID, Severity.MALFORMED,
                    "the attestation of " + distName + (e.kind() == ProvenanceException.Kind.IDENTITY
                            ? " verifies, but it was " : " does not verify: ") + e.getMessage()));
        }
    }

    /** The publisher --policy requires for the distribution's project, if any. */
    private Optional<IdentityPolicy> requirement(String distName) {
        String project = distName.endsWith(".whl") ? distName.substring(0, Math.max(0, distName.indexOf('-')))
                : distName.contains("-") ? distName.substring(0, distName.lastIndexOf('-')) : distName;
        return dev.dualtrack.pypi.provenance.AttestationGate.policyFor(requirements, project);
    }

    private static void add(List<ScanCommand.Result> results, Map<String, Integer> byShown, String shown,
            Finding f) {
        Integer i = byShown.get(shown);
        if (i == null) {
            // Every walked file has a result; a finding with nowhere to go must not vanish.
            throw new IllegalStateException("no result for " + shown + " to report " + f.rule() + " on");
        }
        ScanCommand.Result r = results.get(i);
        List<Finding> all = new ArrayList<>(r.report().findings());
        all.add(f);
        results.set(i, new ScanCommand.Result(r.path(), r.format(), r.sha256(), new ScanReport(r.report().format(),
                all)));
    }
}
