package dev.dualtrack.licenses;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The license a Hugging Face repo declares: the YAML front matter of its {@code README.md} (the model or dataset
 * card) at a commit, which is where the Hub itself reads {@code cardData.license} and the {@code license:} tag
 * from. Fields: {@code license} (the Hub's ids: SPDX-like {@code apache-2.0}, {@code cc-by-nc-4.0}, and its own
 * {@code llama3.1}, {@code gemma}, {@code openrail++}, {@code other}; a list means any of them),
 * {@code license_name} and {@code license_link} (for {@code other}).
 *
 * <p>{@code license: other} with a {@code license_name} is judged by that name, so a policy can deny
 * {@code other} and still allow a named community license it has read, or deny that name.
 */
public final class ModelCardLicense {
    /** A card larger than this is not read: the front matter is at its top, and the Hub's cards are far smaller. */
    public static final int MAX_CARD_BYTES = 1 << 20;

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20).build())
            .loaderOptions(loaderOptions()).build());

    private static org.yaml.snakeyaml.LoaderOptions loaderOptions() {
        org.yaml.snakeyaml.LoaderOptions o = new org.yaml.snakeyaml.LoaderOptions();
        o.setMaxAliasesForCollections(20); // a billion-laughs card costs nothing
        o.setCodePointLimit(MAX_CARD_BYTES);
        o.setAllowDuplicateKeys(false);
        return o;
    }

    private ModelCardLicense() {
    }

    /**
     * The card's descriptive fields an AI-BOM carries: {@code pipeline_tag}, {@code library_name},
     * {@code base_model}, {@code datasets}, {@code language} (each as its values; a list field as several). Empty
     * when the card has no readable front matter.
     */
    public static java.util.Map<String, List<String>> cardData(String card) {
        java.util.Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        Optional<JsonNode> meta = frontMatter(card);
        if (meta.isEmpty()) {
            return out;
        }
        for (String key : List.of("pipeline_tag", "library_name", "base_model", "datasets", "language")) {
            JsonNode n = meta.get().get(key);
            List<String> values = new ArrayList<>();
            for (JsonNode v : n == null ? List.<JsonNode>of() : n.isArray() ? iterable(n) : List.of(n)) {
                text(v).filter(t -> t.length() <= 200).ifPresent(values::add);
            }
            if (!values.isEmpty()) {
                out.put(key, List.copyOf(values.subList(0, Math.min(values.size(), 50))));
            }
        }
        return out;
    }

    private static Optional<JsonNode> frontMatter(String card) {
        try {
            Optional<List<String>> lines = frontMatterLines(card);
            JsonNode meta = lines.isEmpty() ? null : YAML.readTree(String.join("\n", lines.get()));
            return meta != null && meta.isObject() ? Optional.of(meta) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** The lines between a card's opening {@code ---} and its closing one; empty when there is no such block. */
    private static Optional<List<String>> frontMatterLines(String card) {
        String text = card.startsWith("\uFEFF") ? card.substring(1) : card;
        String[] lines = text.split("\r?\n", -1);
        if (lines.length == 0 || !lines[0].strip().equals("---")) {
            return Optional.empty();
        }
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].strip().equals("---")) {
                return Optional.of(List.of(java.util.Arrays.copyOfRange(lines, 1, i)));
            }
        }
        return Optional.empty();
    }

    /** Reads the license from a card's text; a card without front matter, or without a license in it, has none. */
    public static DeclaredLicense read(String card) {
        Optional<List<String>> lines = frontMatterLines(card);
        if (lines.isEmpty()) {
            return DeclaredLicense.none("model card", card.replaceFirst("^\uFEFF", "").split("\r?\n", 2)[0].strip()
                    .equals("---")
                    ? "has a model card whose front matter never ends (no closing ---)"
                    : "has a model card without YAML front matter, so it states no license");
        }
        JsonNode meta;
        try {
            meta = YAML.readTree(String.join("\n", lines.get()));
        } catch (Exception e) {
            return DeclaredLicense.none("model card", "has model card front matter that is not valid YAML ("
                    + e.getClass().getSimpleName() + ")");
        }
        if (meta == null || !meta.isObject() || !meta.has("license") || meta.get("license").isNull()) {
            return DeclaredLicense.none("model card", "states no license in its model card");
        }
        Optional<String> name = text(meta.get("license_name"));
        Optional<String> link = text(meta.get("license_link"));
        List<LicenseExpression> ids = new ArrayList<>();
        JsonNode l = meta.get("license");
        for (JsonNode n : l.isArray() ? iterable(l) : List.of(l)) {
            Optional<String> id = text(n);
            if (id.isEmpty()) {
                return DeclaredLicense.none("model card", "has a license field that is not an id");
            }
            String value = id.get().equals("other") && name.isPresent() ? name.get() : id.get();
            try {
                ids.add(LicenseExpression.parse(value));
            } catch (IllegalArgumentException e) {
                return new DeclaredLicense(Optional.empty(), "model card", Optional.of("has license '" + value
                        + "', which is not a license id (" + e.getMessage() + ")"), name, link);
            }
        }
        if (ids.isEmpty()) {
            return DeclaredLicense.none("model card", "has an empty license list");
        }
        LicenseExpression e = ids.size() == 1 ? ids.get(0) : new LicenseExpression.AnyOf(List.copyOf(ids));
        return new DeclaredLicense(Optional.of(e), "model card", Optional.empty(), name, link);
    }

    private static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    private static Optional<String> text(JsonNode n) {
        return n != null && n.isValueNode() && !n.isNull() && !n.asText().isBlank() ? Optional.of(n.asText().strip())
                : Optional.empty();
    }
}
