package dev.dualtrack.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** An in-toto Statement v1 (or v0.1): what subjects, by name and SHA-256, a predicate speaks of. */
public record InTotoStatement(List<Subject> subjects, String predicateType, JsonNode predicate) {
    public static final String MEDIA_TYPE = "application/vnd.in-toto+json";

    public record Subject(String name, byte[] sha256) {
    }

    public static InTotoStatement parse(byte[] json) throws ProvenanceException {
        JsonNode root = Json.parse(json, "in-toto statement");
        String type = Json.text(root, "_type", "in-toto statement");
        if (!type.equals("https://in-toto.io/Statement/v1") && !type.equals("https://in-toto.io/Statement/v0.1")) {
            throw ProvenanceException.invalid("statement type " + type + " is not in-toto v1");
        }
        List<Subject> subjects = new ArrayList<>();
        for (JsonNode s : Json.array(root, "subject", "in-toto statement")) {
            if (!s.isObject()) {
                throw ProvenanceException.invalid("statement subject is not an object");
            }
            JsonNode digest = Json.object(s, "digest", "statement subject");
            String hex = Json.optionalText(digest, "sha256");
            byte[] sha = null;
            if (hex != null) {
                try {
                    sha = HexFormat.of().parseHex(hex);
                } catch (IllegalArgumentException e) {
                    throw ProvenanceException.invalid("statement subject sha256 is not hex");
                }
            }
            subjects.add(new Subject(Json.optionalText(s, "name"), sha));
        }
        return new InTotoStatement(List.copyOf(subjects), Json.text(root, "predicateType", "in-toto statement"),
                root.get("predicate"));
    }
}
