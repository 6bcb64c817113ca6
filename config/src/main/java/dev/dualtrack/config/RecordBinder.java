package dev.dualtrack.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Binds a {@link YamlNode} tree to immutable records, strictly, collecting every error with its location.
 *
 * <p>The mapping is by convention: a component {@code maxHeaderSize} is the key {@code max-header-size}; an
 * enum constant {@code HOLD_UNTIL_VERDICT} is written {@code hold-until-verdict}. Supported types:
 *
 * <table>
 *   <caption>Types and what they accept</caption>
 *   <tr><th>type</th><th>YAML</th></tr>
 *   <tr><td>String</td><td>any scalar but null</td></tr>
 *   <tr><td>int, long</td><td>an integer</td></tr>
 *   <tr><td>boolean</td><td>true or false</td></tr>
 *   <tr><td>{@link Duration}</td><td>{@code 30s}, {@code 72h}, see {@link Durations}</td></tr>
 *   <tr><td>{@link DataSize}</td><td>{@code 64KiB}, {@code 50GiB}</td></tr>
 *   <tr><td>URI</td><td>an absolute http or https URL</td></tr>
 *   <tr><td>Path</td><td>a string</td></tr>
 *   <tr><td>enum</td><td>a constant name, lower case with dashes</td></tr>
 *   <tr><td>List&lt;T&gt;, Optional&lt;T&gt;, Map&lt;String,T&gt;</td><td>a list, a value or absence, a map</td></tr>
 *   <tr><td>record</td><td>a map, with defaults from {@link Default}</td></tr>
 * </table>
 *
 * <p>A record's canonical constructor may reject a combination of values by throwing {@link
 * IllegalArgumentException}; the message becomes an error located at the record's map.
 */
public final class RecordBinder {
    /** Marks a value that could not be bound; its error is already recorded. */
    private static final Object INVALID = new Object();

    private final List<ConfigError> errors;
    /** Where relative paths are taken from: the config file's folder; null keeps them as written. */
    private final Path base;

    public RecordBinder(List<ConfigError> errors) {
        this(errors, null);
    }

    /** @param base the folder relative paths are resolved against (a config file's own folder) */
    public RecordBinder(List<ConfigError> errors, Path base) {
        this.errors = errors;
        this.base = base;
    }

    /** Binds {@code node} as {@code type}; returns {@code null} when anything was wrong (see the errors list). */
    public <T> T bind(YamlNode node, Class<T> type) {
        Object v = value(node, type, "");
        return v == INVALID ? null : type.cast(v);
    }

    /** The YAML key for a record component name: camelCase becomes kebab-case. */
    public static String keyFor(String componentName) {
        StringBuilder sb = new StringBuilder();
        for (char c : componentName.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('-').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The YAML spelling of an enum constant. */
    public static String keyFor(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private Object value(YamlNode node, Type type, String path) {
        if (type instanceof ParameterizedType pt) {
            Class<?> raw = (Class<?>) pt.getRawType();
            Type arg = pt.getActualTypeArguments()[pt.getActualTypeArguments().length - 1];
            if (raw == List.class) {
                return list(node, arg, path);
            }
            if (raw == Optional.class) {
                if (isNull(node)) {
                    return Optional.empty();
                }
                Object inner = value(node, arg, path);
                return inner == INVALID ? INVALID : Optional.of(inner);
            }
            if (raw == Map.class) {
                return map(node, arg, path);
            }
            throw new IllegalStateException("config type not supported by the binder: " + type);
        }
        Class<?> c = (Class<?>) type;
        if (c.isRecord() && c != DataSize.class) {
            return record(node, c, path);
        }
        if (!(node instanceof YamlNode.Scalar s) || s.kind() == YamlNode.Scalar.Kind.NULL) {
            return fail(node, path, "expected " + expected(c) + ", got " + node.describe());
        }
        if (s.kind() != YamlNode.Scalar.Kind.STRING && (c == Duration.class || c == DataSize.class && s.kind()
                != YamlNode.Scalar.Kind.INTEGER)) {
            return fail(node, path, "expected " + expected(c) + ", got " + s.describe() + " '" + s.text() + "'");
        }
        try {
            return scalar(s, c, path);
        } catch (IllegalArgumentException e) {
            return fail(node, path, e.getMessage());
        }
    }

    private Object scalar(YamlNode.Scalar s, Class<?> c, String path) {
        String text = s.text();
        if (c == String.class) {
            return text;
        }
        if (c == int.class || c == Integer.class || c == long.class || c == Long.class) {
            if (s.kind() != YamlNode.Scalar.Kind.INTEGER) {
                return fail(s, path, "expected an integer, got " + s.describe() + " '" + text + "'");
            }
            long v;
            try {
                v = Long.parseLong(text.replace("_", ""));
            } catch (NumberFormatException e) {
                return fail(s, path, "integer out of range: " + text);
            }
            if (c == int.class || c == Integer.class) {
                if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    return fail(s, path, "integer out of range: " + text);
                }
                return (int) v;
            }
            return v;
        }
        if (c == boolean.class || c == Boolean.class) {
            if (s.kind() != YamlNode.Scalar.Kind.BOOLEAN) {
                return fail(s, path, "expected true or false, got " + s.describe() + " '" + text + "'");
            }
            return Boolean.parseBoolean(text.toLowerCase(Locale.ROOT));
        }
        if (c == Duration.class) {
            return Durations.parse(text);
        }
        if (c == DataSize.class) {
            return DataSize.parse(text);
        }
        if (c == Path.class) {
            Path p = Path.of(text);
            return base == null || p.isAbsolute() ? p : base.resolve(p).normalize();
        }
        if (c == URI.class) {
            return httpUri(text);
        }
        if (c.isEnum()) {
            for (Object constant : c.getEnumConstants()) {
                if (keyFor((Enum<?>) constant).equals(text)) {
                    return constant;
                }
            }
            return fail(s, path, "'" + text + "' is not one of " + enumChoices(c));
        }
        throw new IllegalStateException("config type not supported by the binder: " + c);
    }

    private static URI httpUri(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: '" + text + "' (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("not an http or https URL: '" + text + "'");
        }
        if (uri.getRawUserInfo() != null) {
            // Never echoed: the point is that it holds a secret. Credentials belong in auth, read from the env.
            throw new IllegalArgumentException("URL carries credentials (user:password@); remove them and use "
                    + "auth: {bearer-env: VAR} or auth: {username-env: U, password-env: P}, which read them from the "
                    + "environment");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("URL has no host: '" + text + "'");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("URL has a query or fragment, which no upstream base URL takes: '"
                    + text + "'");
        }
        return uri;
    }

    private Object list(YamlNode node, Type itemType, String path) {
        if (!(node instanceof YamlNode.ListNode l)) {
            return fail(node, path, "expected a list, got " + node.describe());
        }
        List<Object> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < l.items().size(); i++) {
            Object v = value(l.items().get(i), itemType, path + "[" + i + "]");
            ok &= v != INVALID;
            out.add(v);
        }
        return ok ? List.copyOf(out) : INVALID;
    }

    private Object map(YamlNode node, Type valueType, String path) {
        if (!(node instanceof YamlNode.MapNode m)) {
            return fail(node, path, "expected a map, got " + node.describe());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        boolean ok = true;
        for (YamlNode.Entry e : m.entries().values()) {
            Object v = value(e.value(), valueType, join(path, e.key()));
            ok &= v != INVALID;
            out.put(e.key(), v);
        }
        return ok ? java.util.Collections.unmodifiableMap(out) : INVALID;
    }

    private Object record(YamlNode node, Class<?> type, String path) {
        if (!(node instanceof YamlNode.MapNode m)) {
            return fail(node, path, "expected a map, got " + node.describe());
        }
        RecordComponent[] components = type.getRecordComponents();
        Map<String, RecordComponent> byKey = new LinkedHashMap<>();
        for (RecordComponent rc : components) {
            byKey.put(keyFor(rc.getName()), rc);
        }
        // Unknown keys are reported, but the known ones are still bound and checked, so one run shows all errors.
        for (YamlNode.Entry e : m.entries().values()) {
            if (!byKey.containsKey(e.key())) {
                errors.add(new ConfigError(e.keyLocation(), join(path, e.key()),
                        "unknown key" + suggestion(e.key(), byKey.keySet().stream().toList())));
            }
        }
        boolean ok = true;
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent rc = components[i];
            types[i] = rc.getType();
            String key = keyFor(rc.getName());
            String childPath = join(path, key);
            YamlNode.Entry given = m.entries().get(key);
            Object v;
            if (given != null) {
                v = value(given.value(), rc.getGenericType(), childPath);
            } else {
                v = absent(m, rc, type, childPath);
            }
            ok &= v != INVALID;
            args[i] = v;
        }
        if (!ok) {
            return INVALID;
        }
        try {
            Constructor<?> ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            // A map with unknown keys still builds, so that checks across sections see it; the unknown keys
            // themselves are already errors and fail the load.
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IllegalArgumentException) {
                return fail(node, path, cause.getMessage());
            }
            throw new IllegalStateException("cannot build " + type.getSimpleName(), cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
        }
    }


    /** The value of a component whose key the map does not have. */
    private Object absent(YamlNode.MapNode parent, RecordComponent rc, Class<?> owner, String path) {
        Default d = rc.getAnnotation(Default.class);
        if (d != null) {
            String source = "<default of " + owner.getSimpleName() + "." + rc.getName() + ">";
            YamlNode parsed = YamlTreeReader.read(source, d.value(), errors);
            return parsed == null ? INVALID : value(parsed, rc.getGenericType(), path);
        }
        if (rc.getType() == Optional.class) {
            return Optional.empty();
        }
        if (rc.getType().isRecord() && rc.getType() != DataSize.class) {
            return value(new YamlNode.MapNode(parent.location(), Map.of()), rc.getType(), path);
        }
        return fail(parent, path, "missing required key '" + keyFor(rc.getName()) + "'");
    }

    private Object fail(YamlNode node, String path, String message) {
        errors.add(new ConfigError(node.location(), path, message));
        return INVALID;
    }

    private static boolean isNull(YamlNode node) {
        return node instanceof YamlNode.Scalar s && s.kind() == YamlNode.Scalar.Kind.NULL;
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String expected(Class<?> c) {
        if (c == String.class || c == Path.class) {
            return "a string";
        }
        if (c == int.class || c == Integer.class || c == long.class || c == Long.class) {
            return "an integer";
        }
        if (c == boolean.class || c == Boolean.class) {
            return "true or false";
        }
        if (c == Duration.class) {
            return "a duration such as 30s";
        }
        if (c == DataSize.class) {
            return "a size such as 64KiB";
        }
        if (c == URI.class) {
            return "a URL";
        }
        if (c.isEnum()) {
            return "one of " + enumChoices(c);
        }
        return c.getSimpleName();
    }

    private static String enumChoices(Class<?> c) {
        List<String> names = new ArrayList<>();
        for (Object constant : c.getEnumConstants()) {
            names.add(keyFor((Enum<?>) constant));
        }
        return String.join(", ", names);
    }

    /** " (did you mean 'max-size'?)" for a near miss, else the list of keys this map takes. */
    private static String suggestion(String key, List<String> known) {
        String best = known.stream().min(Comparator.comparingInt(k -> editDistance(k, key))).orElse(null);
        if (best != null && editDistance(best, key) <= Math.max(2, key.length() / 4)) {
            return " (did you mean '" + best + "'?)";
        }
        return known.isEmpty() ? "" : " (this map takes: " + known.stream().collect(Collectors.joining(", ")) + ")";
    }

    /** Levenshtein distance, for "did you mean" suggestions (here and in the rule registry). */
    public static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
