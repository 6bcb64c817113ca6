package dev.dualtrack.provenance;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Base64;

/** Strict JSON reading for signed material: bounded, duplicate keys refused, every missing field named. */
final class Json {
    /** Bundles are a few kilobytes; a provenance object holds a handful of them. */
    static final int MAX_BYTES = 4 << 20;

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64)
                    .maxStringLength(MAX_BYTES).maxNumberLength(32).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private Json() {
    }

    static JsonNode parse(byte[] bytes, String what) throws ProvenanceException {
        if (bytes.length > MAX_BYTES) {
            throw ProvenanceException.invalid(what + " is larger than " + MAX_BYTES + " bytes");
        }
        try (JsonParser p = MAPPER.createParser(bytes)) {
            JsonNode n = MAPPER.readTree(p);
            if (n == null || !n.isObject()) {
                throw ProvenanceException.invalid(what + " is not a JSON object");
            }
            if (p.nextToken() != null) {
                throw ProvenanceException.invalid(what + " has data after its JSON object");
            }
            return n;
        } catch (IOException e) {
            throw ProvenanceException.invalid(what + " is not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    static JsonNode object(JsonNode parent, String field, String what) throws ProvenanceException {
        JsonNode n = parent.get(field);
        if (n == null || !n.isObject()) {
            throw ProvenanceException.invalid(what + " has no object '" + field + "'");
        }
        return n;
    }

    static JsonNode array(JsonNode parent, String field, String what) throws ProvenanceException {
        JsonNode n = parent.get(field);
        if (n == null || !n.isArray()) {
            throw ProvenanceException.invalid(what + " has no array '" + field + "'");
        }
        return n;
    }

    static String text(JsonNode parent, String field, String what) throws ProvenanceException {
        JsonNode n = parent.get(field);
        if (n == null || !n.isTextual()) {
            throw ProvenanceException.invalid(what + " has no string '" + field + "'");
        }
        return n.asText();
    }

    static String optionalText(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        return n != null && n.isTextual() ? n.asText() : null;
    }

    static byte[] base64(JsonNode parent, String field, String what) throws ProvenanceException {
        return decode(text(parent, field, what), what + " '" + field + "'");
    }

    static byte[] decode(String b64, String what) throws ProvenanceException {
        try {
            return Base64.getDecoder().decode(b64.strip());
        } catch (IllegalArgumentException e) {
            throw ProvenanceException.invalid(what + " is not base64");
        }
    }

    /** Protobuf-JSON int64 fields arrive as strings or numbers. */
    static long int64(JsonNode parent, String field, String what, boolean required) throws ProvenanceException {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw ProvenanceException.invalid(what + " has no '" + field + "'");
            }
            return 0;
        }
        try {
            if (n.isIntegralNumber() && n.canConvertToLong()) {
                return n.asLong();
            }
            if (n.isTextual()) {
                return Long.parseLong(n.asText());
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw ProvenanceException.invalid(what + " '" + field + "' is not an integer");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
