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
            String why = e instanceof java.nio.file.NoSuchFileException ? "it does not exist"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied for user "
                    + System.getProperty("user.name", "?")
                    : java.nio.file.Files.isDirectory(file) ? "it is a folder, not a file"
                    : String.valueOf(e.getMessage());
            throw new ConfigException(List.of(new ConfigError(new ConfigLocation(file.toString(), 1, 1), "",
                    "cannot read the config file " + file.toAbsolutePath() + ": " + why)));
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
        // Inline waivers come first, then those of the waivers file, each located in its own file.
        YamlNode waiversRoot = null;
        int inline = config.policy().waivers().size();
        if (config.policy().waiversFile().isPresent()) {
            Path wf = waiversPath(file.toString(), config.policy().waiversFile().get());
            try {
                waiversRoot = YamlTreeReader.read(wf.toString(), Files.readString(wf, StandardCharsets.UTF_8),
                        new ArrayList<>());
                YamlNode list = waiversRoot instanceof YamlNode.MapNode m && m.entries().get("waivers") != null
                        ? m.entries().get("waivers").value() : null;
                inline -= list instanceof YamlNode.ListNode l ? l.items().size() : 0;
            } catch (IOException e) {
                waiversRoot = null;
            }
        }
        List<ConfigError> out = new ArrayList<>();
        List<Waiver> waivers = config.policy().waivers();
        for (int i = 0; i < waivers.size(); i++) {
            Waiver w = waivers.get(i);
            boolean fromFile = i >= inline && waiversRoot != null;
            String path = fromFile ? "waivers[" + (i - inline) + "].expires" : "policy.waivers[" + i + "].expires";
            YamlNode where = fromFile ? waiversRoot : root;
            java.time.Instant expiry = w.expiry();
            if (!expiry.isAfter(now)) {
                out.add(new ConfigError(YamlPaths.locate(where, path), path, "waiver " + w.label() + " expired at "
                        + expiry + " and no longer applies; remove it or renew it with a new reason"));
            } else if (java.time.Duration.between(now, expiry).compareTo(horizon) < 0) {
                long hours = java.time.Duration.between(now, expiry).toHours();
                out.add(new ConfigError(YamlPaths.locate(where, path), path, "waiver " + w.label() + " expires at "
                        + expiry + " (in " + (hours >= 24 ? hours / 24 + " days" : hours + " hours")
                        + "); what it lets through is refused from then on"));
            }
        }
        return out;
    }

    /** The shape of a waivers file. */
    record WaiversFile(@Default("[]") List<Waiver> waivers) {
    }

    /**
     * The folder a config's relative paths are taken from: the config file's own, so a config means the same
     * whatever folder dualtrack is started from (a feed path resolved from the working folder vanished, silently,
     * when started from {@code /}). The embedded default's paths stay relative to the working folder.
     */
    static Path folderOf(String configName) {
        if (configName.startsWith("<")) {
            return null; // the embedded default: as written, from the working folder
        }
        Path parent = Path.of(configName).toAbsolutePath().getParent();
        return parent == null ? Path.of("").toAbsolutePath() : parent;
    }

    /** {@code audit.output}, when a file, taken from the config's folder like every other path. */
    private static DualtrackConfig withAuditOutput(String name, DualtrackConfig c) {
        String out = c.audit().output();
        if (out.equals("stdout") || out.equals("stderr") || Path.of(out).isAbsolute() || folderOf(name) == null) {
            return c;
        }
        return new DualtrackConfig(c.listen(), c.admin(), c.cache(), c.relay(), c.upstreamClient(),
                new AuditConfig(folderOf(name).resolve(out).normalize().toString(), c.audit().logAllows()), c.pypi(),
                c.hf(), c.provenance(), c.access(), c.licenses(), c.policy());
    }

    /** Where a waivers file named in the config at {@code configName} is: relative to the config's folder. */
    public static Path waiversPath(String configName, Path named) {
        Path base = Path.of(configName).toAbsolutePath().getParent();
        return named.isAbsolute() || base == null ? named : base.resolve(named);
    }

    private static DualtrackConfig withWaiversFile(String name, DualtrackConfig config, List<ConfigError> errors) {
        Path file = waiversPath(name, config.policy().waiversFile().get());
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            errors.add(new ConfigError(new ConfigLocation(name, 1, 1), "policy.waivers-file",
                    "cannot read the waivers file " + file + ": " + e.getMessage()));
            return config;
        }
        YamlNode root = YamlTreeReader.read(file.toString(), text, errors);
        if (root == null) {
            return config;
        }
        WaiversFile w = new RecordBinder(errors, folderOf(file.toString())).bind(root, WaiversFile.class);
        if (w == null) {
            return config;
        }
        return config.withPolicy(config.policy().withWaivers(w.waivers()));
    }

    /** The shape of a tokens file. */
    record TokensFile(@Default("[]") List<AccessConfig.AccessToken> tokens) {
    }

    /** {@code access.tokens-file}, taken from the config's folder when relative: its tokens join the inline ones. */
    private static DualtrackConfig withTokensFile(String name, DualtrackConfig config, List<ConfigError> errors) {
        Path file = waiversPath(name, config.access().tokensFile().get());
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            errors.add(new ConfigError(new ConfigLocation(name, 1, 1), "access.tokens-file",
                    "cannot read the tokens file " + file + ": " + e.getMessage()));
            return config;
        }
        YamlNode root = YamlTreeReader.read(file.toString(), text, errors);
        if (root == null) {
            return config;
        }
        TokensFile t = new RecordBinder(errors, folderOf(file.toString())).bind(root, TokensFile.class);
        if (t == null) {
            return config;
        }
        try {
            return config.withAccess(config.access().withTokens(t.tokens()));
        } catch (IllegalArgumentException e) {
            errors.add(new ConfigError(new ConfigLocation(file.toString(), 1, 1), "tokens", e.getMessage()));
            return config;
        }
    }

    /** {@code provenance.trusted-root}, taken from the config file's folder when relative, must be readable. */
    private static DualtrackConfig withTrustedRoot(String name, DualtrackConfig config, List<ConfigError> errors) {
        Path file = waiversPath(name, config.provenance().trustedRoot().get());
        if (!Files.isReadable(file) || Files.isDirectory(file)) {
            errors.add(new ConfigError(new ConfigLocation(name, 1, 1), "provenance.trusted-root",
                    "cannot read the Sigstore trusted root " + file));
            return config;
        }
        return new DualtrackConfig(config.listen(), config.admin(), config.cache(), config.relay(),
                config.upstreamClient(), config.audit(), config.pypi(), config.hf(),
                new ProvenanceConfig(java.util.Optional.of(file)), config.access(), config.licenses(), config.policy());
    }

    /**
     * {@code licenses.unknown} (per track) is the action of the tracks' unknown-license rules unless
     * {@code policy.rules} names them: one place decides, and the judge applies it like any rule's.
     */
    private static DualtrackConfig withLicenseRules(DualtrackConfig c) {
        java.util.Map<String, RuleAction> rules = new java.util.LinkedHashMap<>(c.policy().rules());
        for (String track : List.of("pypi", "hf")) {
            if (c.licenses().track(track).active()) { // off, nothing fires: the startup summary stays quiet
                rules.putIfAbsent(track + ".license-unknown", c.licenses().track(track).unknown());
            }
        }
        PolicyConfig p = c.policy();
        return c.withPolicy(new PolicyConfig(p.mode(), rules, p.waivers(), p.waiversFile()));
    }

    /** Parses YAML text; {@code name} is what error messages call the file. */
    public static DualtrackConfig parse(String name, String text) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        YamlNode root = YamlTreeReader.read(name, text, errors);
        DualtrackConfig config = null;
        if (root != null) {
            config = new RecordBinder(errors, folderOf(name)).bind(root, DualtrackConfig.class);
            if (config != null) {
                config = withAuditOutput(name, config);
                new ConfigValidator(root, errors).validate(config);
            }
        }
        if (errors.isEmpty() && config != null) {
            config = withLicenseRules(config);
        }
        if (errors.isEmpty() && config != null && config.policy().waiversFile().isPresent()) {
            config = withWaiversFile(name, config, errors);
        }
        if (errors.isEmpty() && config != null && config.access().tokensFile().isPresent()) {
            config = withTokensFile(name, config, errors);
        }
        if (errors.isEmpty() && config != null && config.provenance().trustedRoot().isPresent()) {
            config = withTrustedRoot(name, config, errors);
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
