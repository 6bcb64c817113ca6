package dev.dualtrack.proxy.bom;

import dev.dualtrack.licenses.DeclaredLicense;
import dev.dualtrack.licenses.LicenseExpression;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.cyclonedx.Version;
import org.cyclonedx.generators.BomGeneratorFactory;
import org.cyclonedx.model.Bom;
import org.cyclonedx.model.Component;
import org.cyclonedx.model.Hash;
import org.cyclonedx.model.License;
import org.cyclonedx.model.LicenseChoice;
import org.cyclonedx.model.Metadata;
import org.cyclonedx.model.Property;
import org.cyclonedx.model.metadata.ToolInformation;

/**
 * The AI-BOM: CycloneDX 1.6 JSON of what dualtrack served and how it judged it, made with the CycloneDX project's
 * own library and checked against its schema before it is answered. Properties dualtrack adds are named
 * {@code dualtrack:...}:
 * <ul>
 *   <li>{@code dualtrack:verified}: {@code true} only for bytes dualtrack hashed itself against the digest their
 *       source announced (every file it served whole); what it only heard from an index or the Hub says where from;</li>
 *   <li>{@code dualtrack:verdict}, {@code dualtrack:findings}, {@code dualtrack:inspection}: the verdict the bytes
 *       were served under, and which inspection made it;</li>
 *   <li>{@code dualtrack:license-source}, {@code dualtrack:signature}, {@code dualtrack:served-at}, {@code dualtrack:size}.</li>
 * </ul>
 */
public final class AiBom {
    public static final Version VERSION = Version.VERSION_16;
    public static final String MEDIA_TYPE = "application/vnd.cyclonedx+json; version=1.6";

    private AiBom() {
    }

    /** An empty document: a fresh serial number, now, and dualtrack as the tool that made it. */
    public static Bom newBom(Component subject) {
        Bom bom = new Bom();
        bom.setSerialNumber("urn:uuid:" + UUID.randomUUID());
        Metadata m = new Metadata();
        m.setTimestamp(new Date());
        Component tool = new Component();
        tool.setType(Component.Type.APPLICATION);
        tool.setName("dualtrack");
        tool.setVersion(Optional.ofNullable(AiBom.class.getPackage().getImplementationVersion()).orElse("dev"));
        ToolInformation tools = new ToolInformation();
        tools.setComponents(List.of(tool));
        m.setToolChoice(tools);
        m.setComponent(subject);
        bom.setMetadata(m);
        return bom;
    }

    /** One file dualtrack served whole: its sha256 (verified in flight), size, verdict. */
    public static Component file(ServedLedger.Served s, Component.Type type, String format) {
        Component c = new Component();
        c.setType(type);
        c.setBomRef(s.track() + ":" + s.artifact() + "@" + (s.revision().isEmpty() ? s.version() : s.revision())
                + "/" + s.file());
        c.setName(s.file());
        Hash h = new Hash(Hash.Algorithm.SHA_256, s.sha256());
        c.setHashes(List.of(h));
        List<Property> p = new ArrayList<>();
        p.add(property("dualtrack:verified", "true"));
        p.add(property("dualtrack:format", format));
        if (s.size() >= 0) {
            p.add(property("dualtrack:size", Long.toString(s.size())));
        }
        p.add(property("dualtrack:verdict", s.findings().isEmpty() ? "allowed" : "allowed-with-findings"));
        if (!s.findings().isEmpty()) {
            p.add(property("dualtrack:findings", String.join(",", s.findings())));
        }
        p.add(property("dualtrack:inspection", s.inspection()));
        p.add(property("dualtrack:served-at", s.time()));
        c.setProperties(p);
        return c;
    }

    public static Property property(String name, String value) {
        Property p = new Property();
        p.setName(name);
        p.setValue(value);
        return p;
    }

    /**
     * A declared license as CycloneDX says it: one license by name (the Hub's ids are not all SPDX ids, and the
     * schema refuses an id outside SPDX's list), several as an expression. Empty when none was read.
     */
    public static Optional<LicenseChoice> license(DeclaredLicense d) {
        if (d.expression().isEmpty()) {
            return Optional.empty();
        }
        LicenseChoice choice = new LicenseChoice();
        if (d.expression().get() instanceof LicenseExpression.Id id) {
            License l = new License();
            l.setName(id.toString());
            d.link().ifPresent(l::setUrl);
            choice.addLicense(l);
        } else {
            choice.setExpression(new org.cyclonedx.model.license.Expression(d.expression().get().toString()));
        }
        return Optional.of(choice);
    }

    /** The document as JSON, after checking it against the CycloneDX 1.6 schema (an invalid one is a bug: thrown). */
    public static byte[] json(Bom bom) {
        String json;
        try {
            json = BomGeneratorFactory.createJson(VERSION, bom).toJsonString();
        } catch (org.cyclonedx.exception.GeneratorException e) {
            throw new IllegalStateException("the AI-BOM could not be written: " + e.getMessage(), e);
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        List<String> problems = validate(bytes);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the AI-BOM does not validate against CycloneDX " + VERSION.getVersionString()
                    + ": " + problems);
        }
        return bytes;
    }

    /** What the CycloneDX schema says is wrong with {@code json} (empty: valid). */
    public static List<String> validate(byte[] json) {
        try {
            return new org.cyclonedx.parsers.JsonParser().validate(json, VERSION).stream()
                    .map(Throwable::getMessage).toList();
        } catch (java.io.IOException e) {
            return List.of("unreadable: " + e.getMessage());
        }
    }
}
