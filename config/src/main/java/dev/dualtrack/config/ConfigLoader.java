package dev.dualtrack.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads and validates configuration.
 *
 * <pre>{@code
 * try {
 *     DualtrackConfig c = ConfigLoader.load(Path.of(args[0]));
 * } catch (ConfigException e) {
 *     e.errors().forEach(System.err::println);   // file:line:col: key.path: message
 * }
 * }</pre>
 */
public final class ConfigLoader {
    /** The classpath resource of the embedded default configuration. */
    public static final String DEFAULT_RESOURCE = "/dev/dualtrack/config/default.yaml";

    private ConfigLoader() {
    }

    /** Reads and validates a config file; I/O problems are reported as config errors too. */
    public static DualtrackConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(new ConfigLocation(file.toString(), 1, 1), "",
                    "cannot read config file: " + e)));
        }
        return parse(file.toString(), text);
    }

    /** The embedded default: pypi.org and huggingface.co on 127.0.0.1:8080, cache in ./dualtrack-data. */
    public static DualtrackConfig loadDefault() {
        try {
            return parse("<embedded default.yaml>", defaultText());
        } catch (ConfigException e) {
            throw new IllegalStateException("the embedded default config is invalid:\n" + e.getMessage(), e);
        }
    }

    public static String defaultText() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEFAULT_RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Warnings about a valid config file that a person should act on soon: waivers that have expired (they no
     * longer apply) or expire within {@code horizon} of {@code now}, each at the file:line:col of its
     * {@code expires}. An invalid file has no warnings (its errors come first).
     */
    public static List<ConfigError> warnings(Path file, java.time.Instant now, java.time.Duration horizon) {
        String text;
        DualtrackConfig config;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
            config = parse(file.toString(), text);
        } catch (IOException | ConfigException e) {
            return List.of();
        }
        YamlNode root = YamlTreeReader.read(file.toString(), text, new ArrayList<>());
        List<ConfigError> out = new ArrayList<>();
        List<Waiver> waivers = config.policy().waivers();
        for (int i = 0; i < waivers.size(); i++) {
            Waiver w = waivers.get(i);
            String path = "policy.waivers[" + i + "].expires";
            java.time.Instant expiry = w.expiry();
            if (!expiry.isAfter(now)) {
                out.add(new ConfigError(YamlPaths.locate(root, path), path, "waiver " + w.label() + " expired at "
                        + expiry + " and no longer applies; remove it or renew it with a new reason"));
            } else if (java.time.Duration.between(now, expiry).compareTo(horizon) < 0) {
                long hours = java.time.Duration.between(now, expiry).toHours();
                out.add(new ConfigError(YamlPaths.locate(root, path), path, "waiver " + w.label() + " expires at "
                        + expiry + " (in " + (hours >= 24 ? hours / 24 + " days" : hours + " hours")
                        + "); what it lets through is refused from then on"));
            }
        }
        return out;
    }

    /** Parses YAML text; {@code name} is what error messages call the file. */
    public static DualtrackConfig parse(String name, String text) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        YamlNode root = YamlTreeReader.read(name, text, errors);
        DualtrackConfig config = null;
        if (root != null) {
            config = new RecordBinder(errors).bind(root, DualtrackConfig.class);
            if (config != null) {
                new ConfigValidator(root, errors).validate(config);
            }
        }
        if (!errors.isEmpty()) {
            // In file order, as a person reads the file; defaults' own errors (none, by test) sort last.
            errors.sort(java.util.Comparator.comparing((ConfigError e) -> !e.location().file().equals(name))
                    .thenComparingInt(e -> e.location().line()).thenComparingInt(e -> e.location().column()));
            throw new ConfigException(errors);
        }
        return config;
    }
}
