package dev.dualtrack.app;

import dev.dualtrack.proxy.bom.AiBom;
import dev.dualtrack.pypi.manifest.ManifestKind;
import dev.dualtrack.pypi.manifest.Requirement;
import dev.dualtrack.pypi.manifest.RequirementsParser;
import dev.dualtrack.pypi.manifest.TomlManifests;
import dev.dualtrack.scanner.Finding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cyclonedx.model.Bom;
import org.cyclonedx.model.Component;
import org.cyclonedx.model.Hash;

/**
 * {@code dualtrack scan --format cyclonedx PATH}: the folder as a CycloneDX 1.6 AI-BOM, validated against the
 * schema. Every file scanned is a component with the sha256 dualtrack computed, its format and its verdict
 * ({@code dualtrack:verified}: {@code true}, these are the bytes on disk); a model card's license is the folder's;
 * each wheel or sdist is a library with its purl and declared license; each version a lockfile or requirements
 * file pins is a library that dualtrack did not fetch ({@code dualtrack:verified}: {@code false}, with the file
 * that pins it and the hashes it lists).
 */
final class ScanBom {
    private ScanBom() {
    }

    /** @param declared what each file declared as its license, by its shown path */
    static String of(List<String> roots, List<ScanCommand.Result> results,
            Map<String, dev.dualtrack.licenses.DeclaredLicense> declared, Map<Path, String> manifests)
            throws IOException {
        Component subject = new Component();
        boolean model = results.stream().anyMatch(r -> r.report().findings().stream().anyMatch(f ->
                f.rule().equals("hf.license") && f.severity() == dev.dualtrack.scanner.Severity.INFO));
        subject.setType(model ? Component.Type.MACHINE_LEARNING_MODEL : Component.Type.APPLICATION);
        subject.setName(String.join(" ", roots));
        subject.setBomRef("scan:" + String.join(",", roots));
        Bom bom = AiBom.newBom(subject);
        List<Component> components = new ArrayList<>();
        for (ScanCommand.Result r : results) {
            Component c = AiBom.file(new dev.dualtrack.proxy.bom.ServedLedger.Served("scan", "", "", "", r.path(),
                    r.sha256(), -1, "scan", r.report().findings().stream()
                    .filter(f -> f.severity() != dev.dualtrack.scanner.Severity.INFO).map(Finding::rule).distinct()
                    .toList(), java.time.Instant.now().toString()), Component.Type.FILE, r.format());
            c.setBomRef("file:" + r.path());
            c.getProperties().removeIf(p -> p.getName().equals("dualtrack:verdict")
                    || p.getName().equals("dualtrack:served-at"));
            c.getProperties().add(AiBom.property("dualtrack:verdict", r.decision()));
            Optional<dev.dualtrack.licenses.DeclaredLicense> license = Optional.ofNullable(declared.get(r.path()));
            if (r.format().equals("wheel") || r.format().equals("sdist")) {
                c.setType(Component.Type.LIBRARY);
                String file = Path.of(r.path()).getFileName().toString();
                nameAndVersion(file).ifPresent(d -> {
                    c.setName(d[0]);
                    c.setVersion(d[1]);
                    c.setPurl("pkg:pypi/" + d[0] + "@" + d[1] + "?file_name="
                            + java.net.URLEncoder.encode(file, StandardCharsets.UTF_8));
                });
                c.getProperties().add(AiBom.property("dualtrack:file", r.path()));
            }
            license.flatMap(AiBom::license).ifPresent(l -> {
                if (c.getType() == Component.Type.FILE) {
                    subject.setLicenses(l); // a model card's license is the model's
                } else {
                    c.setLicenses(l);
                }
            });
            components.add(c);
        }
        components.addAll(pinned(manifests));
        bom.setComponents(components);
        return new String(AiBom.json(bom), StandardCharsets.UTF_8);
    }

    /**
     * A distribution's project (normalized) and version from its filename: a wheel's first two dash-separated
     * parts (PEP 427), an sdist's name up to its last dash (PEP 625).
     */
    static Optional<String[]> nameAndVersion(String file) {
        String lower = file.toLowerCase(java.util.Locale.ROOT);
        String stem;
        if (lower.endsWith(".whl")) {
            String[] parts = file.substring(0, file.length() - 4).split("-");
            return parts.length >= 5 ? Optional.of(new String[] {
                    dev.dualtrack.pypi.simple.ProjectName.normalize(parts[0]), parts[1]}) : Optional.empty();
        }
        stem = file.replaceFirst("(?i)\\.(tar\\.gz|tgz|tar\\.bz2|tar\\.xz|tar|zip)$", "");
        int dash = stem.lastIndexOf('-');
        return dash > 0 && dash < stem.length() - 1 ? Optional.of(new String[] {
                dev.dualtrack.pypi.simple.ProjectName.normalize(stem.substring(0, dash)), stem.substring(dash + 1)})
                : Optional.empty();
    }

    /** The versions the folder's requirements and lockfiles pin: heard, not fetched. */
    private static List<Component> pinned(Map<Path, String> manifests) throws IOException {
        Map<String, Component> out = new LinkedHashMap<>();
        for (Map.Entry<Path, String> m : manifests.entrySet()) {
            RequirementsParser.Parsed parsed = ManifestKind.of(m.getKey()) == ManifestKind.PROJECT_OR_LOCK
                    ? TomlManifests.parse(m.getKey()) : RequirementsParser.parse(m.getKey());
            for (Requirement q : parsed.requirements()) {
                if (q.name().isEmpty() || q.pinnedVersion().isEmpty()) {
                    continue;
                }
                String purl = "pkg:pypi/" + q.name().get() + "@" + q.pinnedVersion().get();
                if (out.containsKey(purl)) {
                    continue;
                }
                Component c = new Component();
                c.setType(Component.Type.LIBRARY);
                c.setBomRef("pin:" + purl);
                c.setName(q.name().get());
                c.setVersion(q.pinnedVersion().get());
                c.setPurl(purl);
                List<Hash> hashes = new ArrayList<>();
                for (String h : q.hashes()) {
                    if (h.startsWith("sha256:") && h.length() == 71) {
                        hashes.add(new Hash(Hash.Algorithm.SHA_256, h.substring(7)));
                    }
                }
                if (!hashes.isEmpty()) {
                    c.setHashes(hashes);
                }
                c.setProperties(new ArrayList<>(List.of(AiBom.property("dualtrack:verified", "false"),
                        AiBom.property("dualtrack:source", "pinned in " + m.getValue() + " (line " + q.line()
                                + "); not fetched or inspected by this scan"))));
                out.put(purl, c);
            }
        }
        return new ArrayList<>(out.values());
    }
}
