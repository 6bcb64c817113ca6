package dev.dualtrack.hf;

import dev.dualtrack.licenses.DeclaredLicense;
import dev.dualtrack.proxy.bom.AiBom;
import dev.dualtrack.proxy.bom.ServedLedger;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.server.Route;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.cyclonedx.model.Bom;
import org.cyclonedx.model.Component;
import org.cyclonedx.model.Property;

/**
 * {@code GET /-/bom/hf/[datasets/]<org>/<name>/<commit>} on the admin listener: the AI-BOM of one commit of a repo,
 * CycloneDX 1.6 JSON. The model (or dataset) is the document's subject, with the license its card declares and
 * the state of its signature; every file dualtrack served from that commit is a component with the sha256 it
 * verified in flight, its size, its format and the verdict it was served under. A file no client received is not
 * listed: the document says what went into a system through dualtrack, not what the repo holds.
 */
final class HubBom implements Route {
    static final String PREFIX = "/-/bom/hf";

    private final ServedLedger served;
    private final LicenseGate licenses;
    private final ModelSignatureGate signatures;
    /** A verified blob's file in the cache, by sha256: the card a client received is read from there. */
    private final java.util.function.Function<String, Optional<java.nio.file.Path>> blobs;

    HubBom(ServedLedger served, LicenseGate licenses, ModelSignatureGate signatures,
            java.util.function.Function<String, Optional<java.nio.file.Path>> blobs) {
        this.served = served;
        this.licenses = licenses;
        this.signatures = signatures;
        this.blobs = blobs;
    }

    @Override
    public void handle(Exchange ex) {
        List<String> parts = new ArrayList<>(List.of(ex.path().substring(PREFIX.length()).replaceFirst("^/", "")
                .split("/", -1)));
        HubPath.RepoType type = HubPath.RepoType.MODEL;
        if (!parts.isEmpty() && parts.get(0).equals("datasets")) {
            type = HubPath.RepoType.DATASET;
            parts.remove(0);
        }
        if (parts.size() != 3 || !HubPath.validRepoPart(parts.get(0)) || !HubPath.validRepoPart(parts.get(1))
                || !parts.get(2).matches("[0-9a-f]{40}")) {
            ex.respondText(HttpResponseStatus.NOT_FOUND, "expected " + PREFIX + "/[datasets/]<org>/<name>/<commit> "
                    + "(the full 40-character commit a client downloaded)\n");
            return;
        }
        String repo = parts.get(0) + "/" + parts.get(1);
        String commit = parts.get(2);
        HubPath p = new HubPath(HubPath.Kind.RESOLVE, type, repo, Optional.of(commit), LicenseGate.CARD);
        HubPath.RepoType kind = type;
        // Built on the ledger's thread (it reads the cached card from disk), answered on the loop.
        answer(ex, served.of("hf", type.resolvePrefix + repo, Optional.of(commit), Optional.empty())
                .thenApply(files -> bom(p, kind, commit, files)));
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

    private Bom bom(HubPath p, HubPath.RepoType type, String commit, List<ServedLedger.Served> files) {
        Component subject = new Component();
        subject.setType(type == HubPath.RepoType.DATASET ? Component.Type.DATA : Component.Type.MACHINE_LEARNING_MODEL);
        subject.setBomRef("hf:" + type.resolvePrefix + p.repo() + "@" + commit);
        subject.setGroup(p.repo().substring(0, p.repo().indexOf('/')));
        subject.setName(p.repo().substring(p.repo().indexOf('/') + 1));
        subject.setVersion(commit);
        if (type == HubPath.RepoType.MODEL) {
            subject.setPurl("pkg:huggingface/" + p.repo() + "@" + commit);
        }
        List<Property> props = new ArrayList<>();
        props.add(AiBom.property("dualtrack:repo", type.resolvePrefix + p.repo()));
        // The card a client received (its bytes verified in flight) comes first; else what the license gate read.
        Optional<String> card = files.stream().filter(f -> f.file().equals(LicenseGate.CARD)).findFirst()
                .flatMap(f -> blobs.apply(f.sha256())).flatMap(HubBom::read);
        Optional<DeclaredLicense> license = card.map(dev.dualtrack.licenses.ModelCardLicense::read)
                .or(() -> licenses.known(p, commit));
        license.flatMap(AiBom::license).ifPresent(subject::setLicenses);
        props.add(AiBom.property("dualtrack:license-source", license.map(l -> l.expression().isPresent()
                ? l.source() + " (README.md front matter at this commit" + (card.isPresent()
                        ? ", the copy a client received, verified in flight)" : ", as the Hub served it to the license "
                        + "gate)")
                : "none: " + l.problem().orElse("")).orElse(licenses.active()
                        ? "not read: no file of this commit was asked for since dualtrack started"
                        : "not read: the licenses section is off and no client received the card")));
        card.map(dev.dualtrack.licenses.ModelCardLicense::cardData).ifPresent(data -> data.forEach((k, v) ->
                props.add(AiBom.property("huggingface:" + k, String.join(",", v)))));
        card.map(dev.dualtrack.licenses.ModelCardLicense::cardData).map(d -> d.get("pipeline_tag"))
                .ifPresent(task -> {
                    org.cyclonedx.model.component.modelCard.ModelParameters params =
                            new org.cyclonedx.model.component.modelCard.ModelParameters();
                    params.setTask(task.get(0));
                    org.cyclonedx.model.component.ModelCard mc = new org.cyclonedx.model.component.ModelCard();
                    mc.setModelParameters(params);
                    subject.setModelCard(mc);
                });
        props.add(AiBom.property("dualtrack:signature", signatures.status(p, commit)));
        props.add(AiBom.property("dualtrack:files-served", Integer.toString(files.size())));
        subject.setProperties(props);
        Bom bom = AiBom.newBom(subject);
        List<Component> components = new ArrayList<>();
        for (ServedLedger.Served s : files) {
            components.add(AiBom.file(s, Component.Type.FILE, formatOf(s.file())));
        }
        bom.setComponents(components);
        return bom;
    }

    private static Optional<String> read(java.nio.file.Path blob) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(blob)) {
            return Optional.of(new String(in.readNBytes(dev.dualtrack.licenses.ModelCardLicense.MAX_CARD_BYTES),
                    java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            return Optional.empty(); // evicted meanwhile: the gate's reading, if any, stands in
        }
    }

    /** The format a file's name says it is, for the document (the verdict came from its bytes). */
    static String formatOf(String file) {
        String f = file.toLowerCase(Locale.ROOT);
        String ext = f.contains(".") ? f.substring(f.lastIndexOf('.') + 1) : "";
        return switch (ext) {
            case "safetensors" -> "safetensors";
            case "gguf" -> "gguf";
            case "bin", "pt", "pth", "ckpt", "pkl", "pickle", "joblib" -> "pickle-based";
            case "onnx" -> "onnx";
            case "h5", "hdf5", "keras" -> "keras";
            case "pb" -> "tensorflow";
            case "npy", "npz" -> "numpy";
            case "json", "txt", "md", "model", "tiktoken", "py", "yaml", "yml", "csv", "parquet", "jsonl" -> ext;
            default -> "other";
        };
    }
}
