package dev.dualtrack.pypi;

import dev.dualtrack.licenses.DeclaredLicense;
import dev.dualtrack.proxy.bom.AiBom;
import dev.dualtrack.proxy.bom.ServedLedger;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.server.Route;
import dev.dualtrack.pypi.provenance.AttestationGate;
import dev.dualtrack.pypi.simple.ProjectName;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.cyclonedx.model.Bom;
import org.cyclonedx.model.Component;

/**
 * {@code GET /-/bom/pypi/<project>/<version>} on the admin listener: the AI-BOM of one release, CycloneDX 1.6 JSON.
 * Every distribution file of it dualtrack served (not the PEP 658 metadata files beside them) is a component with its purl, the sha256 it verified, the license
 * its core metadata declares (which dualtrack heard from the index, checked against the hash the index announced
 * for that metadata, and says so) and the state of its PEP 740 attestation.
 */
final class PypiBom implements Route {
    static final String PREFIX = "/-/bom/pypi";

    private final ServedLedger served;
    private final PypiLicenseGate licenses;
    private final AttestationGate attestations;

    PypiBom(ServedLedger served, PypiLicenseGate licenses, AttestationGate attestations) {
        this.served = served;
        this.licenses = licenses;
        this.attestations = attestations;
    }

    @Override
    public void handle(Exchange ex) {
        String[] parts = ex.path().substring(PREFIX.length()).replaceFirst("^/", "").split("/", -1);
        if (parts.length != 2 || !ProjectName.isValid(parts[0]) || !parts[1].matches("[A-Za-z0-9.+!_-]{1,64}")) {
            ex.respondText(HttpResponseStatus.NOT_FOUND, "expected " + PREFIX + "/<project>/<version>\n");
            return;
        }
        String project = ProjectName.normalize(parts[0]);
        String version = parts[1];
        answer(ex, served.of("pypi", project, Optional.empty(), Optional.of(version)).thenApply(all -> bom(
                project, version, all.stream().filter(s -> !s.file().endsWith(".metadata")).toList())));
    }

    /** The document, made off the loop; answered on the exchange's loop (Callbacks: a throw there is a 500). */
    private static void answer(Exchange ex, java.util.concurrent.CompletableFuture<org.cyclonedx.model.Bom> made) {
        dev.dualtrack.proxy.server.Callbacks.then(ex, made.thenApply(AiBom::json), (json, error) -> {
            if (error != null) {
                ex.respondText(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the AI-BOM could not be made: "
                        + dev.dualtrack.proxy.ops.Causes.describe(error) + "\n");
                return;
            }
            ex.respond(HttpResponseStatus.OK, AiBom.MEDIA_TYPE, json, null);
        });
    }

    private Bom bom(String project, String version, List<ServedLedger.Served> files) {
        Component release = new Component();
        release.setType(Component.Type.LIBRARY);
        release.setBomRef("pypi:" + project + "@" + version);
        release.setName(project);
        release.setVersion(version);
        release.setPurl("pkg:pypi/" + project + "@" + version);
        release.setProperties(List.of(AiBom.property("dualtrack:files-served", Integer.toString(files.size()))));
        Bom bom = AiBom.newBom(release);
        List<Component> components = new ArrayList<>();
        for (ServedLedger.Served s : files) {
            Component c = AiBom.file(s, Component.Type.LIBRARY, s.file().endsWith(".whl") ? "wheel" : "sdist");
            c.setName(project);
            c.setVersion(version);
            c.setPurl("pkg:pypi/" + project + "@" + version + "?file_name="
                    + URLEncoder.encode(s.file(), StandardCharsets.UTF_8));
            Optional<DeclaredLicense> license = licenses.known(s.file());
            license.flatMap(AiBom::license).ifPresent(c::setLicenses);
            c.getProperties().add(AiBom.property("dualtrack:file", s.file()));
            c.getProperties().add(AiBom.property("dualtrack:license-source", license.map(l -> l.expression()
                    .isPresent() ? l.source() + " in the core metadata the index served (PEP 658), checked against the "
                    + "sha256 the index announced for it; not read from the wheel itself"
                    : "none: " + l.problem().orElse("")).orElse(licenses.active()
                            ? "not read since dualtrack started" : "not read: the licenses section is off")));
            c.getProperties().add(AiBom.property("dualtrack:provenance", attestations.status(project, s.file(),
                    s.sha256())));
            components.add(c);
        }
        bom.setComponents(components);
        return bom;
    }
}
