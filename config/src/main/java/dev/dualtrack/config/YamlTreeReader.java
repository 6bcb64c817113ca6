package dev.dualtrack.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads YAML text into a {@link YamlNode} tree using Jackson's streaming YAML parser, keeping each token's
 * location. Duplicate keys are errors here (YAML 1.2 forbids them, and silently keeping the last one would hide
 * a mistake in a security policy).
 */
public final class YamlTreeReader {
    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

    private final String file;
    private final List<ConfigError> errors;

    private YamlTreeReader(String file, List<ConfigError> errors) {
        this.file = file;
        this.errors = errors;
    }

    /**
     * Parses a whole document. An empty document reads as an empty map. Syntax errors and duplicate keys are
     * added to {@code errors}; on a syntax error the result is {@code null}.
     */
    public static YamlNode read(String file, String text, List<ConfigError> errors) {
        YamlTreeReader reader = new YamlTreeReader(file, errors);
        try (JsonParser p = FACTORY.createParser(new StringReader(text))) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return new YamlNode.MapNode(new ConfigLocation(file, 1, 1), Map.of());
            }
            YamlNode root = reader.node(p, "");
            if (p.nextToken() != null) {
                errors.add(new ConfigError(reader.at(p.currentTokenLocation()), "",
                        "more than one YAML document; dualtrack reads exactly one"));
            }
            return root;
        } catch (JsonProcessingException e) {
            // SnakeYAML knows where the problem is; Jackson's location is the last token it read before it (a
            // tab at the start of line 4 was reported on line 3).
            if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
                String problem = String.valueOf(m.getProblem());
                if (problem.contains("\\t(TAB)") || problem.contains("\t")) {
                    problem = "a tab character: YAML indents with spaces only";
                }
                errors.add(new ConfigError(new ConfigLocation(file, m.getProblemMark().getLine() + 1,
                        m.getProblemMark().getColumn() + 1), "", "YAML syntax error: " + problem));
                return null;
            }
            JsonLocation loc = e.getLocation();
            ConfigLocation where = loc == null ? new ConfigLocation(file, 1, 1) : reader.at(loc);
            errors.add(new ConfigError(where, "", "YAML syntax error: " + e.getOriginalMessage()));
            return null;
        } catch (IOException e) {
            errors.add(new ConfigError(new ConfigLocation(file, 1, 1), "", "cannot read YAML: " + e.getMessage()));
            return null;
        }
    }

    private ConfigLocation at(JsonLocation loc) {
        return new ConfigLocation(file, Math.max(1, loc.getLineNr()), Math.max(1, loc.getColumnNr()));
    }

    private YamlNode node(JsonParser p, String path) throws IOException {
        ConfigLocation where = at(p.currentTokenLocation());
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    ConfigLocation keyWhere = at(p.currentTokenLocation());
                    p.nextToken();
                    String childPath = path.isEmpty() ? key : path + "." + key;
                    YamlNode value = node(p, childPath);
                    if (entries.containsKey(key)) {
                        errors.add(new ConfigError(keyWhere, childPath, "duplicate key (first given at "
                                + entries.get(key).keyLocation() + ")"));
                    } else {
                        entries.put(key, new YamlNode.Entry(key, keyWhere, value));
                    }
                }
                return new YamlNode.MapNode(where, entries);
            }
            case START_ARRAY: {
                List<YamlNode> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(node(p, path + "[" + items.size() + "]"));
                }
                return new YamlNode.ListNode(where, items);
            }
            case VALUE_STRING:
                return new YamlNode.Scalar(where, YamlNode.Scalar.Kind.STRING, p.getText());
            case VALUE_NUMBER_INT:
                return new YamlNode.Scalar(where, YamlNode.Scalar.Kind.INTEGER, p.getText());
            case VALUE_NUMBER_FLOAT:
                return new YamlNode.Scalar(where, YamlNode.Scalar.Kind.FLOAT, p.getText());
            case VALUE_TRUE:
            case VALUE_FALSE:
                return new YamlNode.Scalar(where, YamlNode.Scalar.Kind.BOOLEAN, p.getText());
            case VALUE_NULL:
                return new YamlNode.Scalar(where, YamlNode.Scalar.Kind.NULL, "");
            default:
                throw new JsonProcessingException("unexpected YAML token " + t, p.currentTokenLocation()) {
                    private static final long serialVersionUID = 1L;
                };
        }
    }
}
