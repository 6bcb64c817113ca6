package dev.dualtrack.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree that remembers where each node stands, so that binding errors can name a line and
 * column. Jackson's own tree ({@code JsonNode}) drops locations, which is why this small tree exists.
 */
public sealed interface YamlNode {

    ConfigLocation location();

    /** What kind of node this is, in the words an error message uses ("a map", "a list", "a string"). */
    String describe();

    /** A mapping. Keys keep their order and their own locations. */
    record MapNode(ConfigLocation location, Map<String, Entry> entries) implements YamlNode {
        public MapNode {
            entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String describe() {
            return "a map";
        }
    }

    /** A key of a mapping, where it stands, and its value. */
    record Entry(String key, ConfigLocation keyLocation, YamlNode value) {
    }

    record ListNode(ConfigLocation location, List<YamlNode> items) implements YamlNode {
        public ListNode {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    /**
     * A scalar with the type YAML's core schema gave it. {@code text} is the literal text; for {@link
     * Kind#NULL} it is empty.
     */
    record Scalar(ConfigLocation location, Kind kind, String text) implements YamlNode {
        public enum Kind { STRING, INTEGER, FLOAT, BOOLEAN, NULL }

        @Override
        public String describe() {
            return switch (kind) {
                case STRING -> "a string";
                case INTEGER -> "an integer";
                case FLOAT -> "a number";
                case BOOLEAN -> "a boolean";
                case NULL -> "nothing (null)";
            };
        }
    }
}
