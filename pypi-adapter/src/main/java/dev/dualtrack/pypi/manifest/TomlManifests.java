package dev.dualtrack.pypi.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.dualtrack.pypi.simple.ProjectName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The TOML and JSON manifests of the Python packaging tools, each read into the requirements model:
 * pyproject.toml (PEP 621 {@code [project]}, {@code [tool.poetry]}, {@code [tool.uv]}), poetry.lock, uv.lock and
 * Pipfile.lock. A file the tool itself would reject is a problem, never skipped.
 */
public final class TomlManifests {
    private static final TomlMapper TOML = new TomlMapper();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PACKAGE_HEADER = Pattern.compile("^\\s*\\[\\[package\\]\\]\\s*$");

    private TomlManifests() {
    }

    /** Reads {@code file} by its name; {@link ManifestKind#PROJECT_OR_LOCK} names only. */
    public static RequirementsParser.Parsed parse(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        JsonNode root;
        try {
            root = name.equals("pipfile.lock") ? JSON.readTree(text) : TOML.readTree(text);
        } catch (IOException e) {
            int line = e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
                    ? Math.max(0, j.getLocation().getLineNr()) : 0;
            return new RequirementsParser.Parsed(List.of(), List.of(), List.of(new RequirementsParser.Problem(file, line,
                    "not valid " + (name.endsWith(".lock") && !name.equals("pipfile.lock") || name.endsWith(".toml")
                            ? "TOML" : "JSON") + ": " + firstLine(e.getMessage()))), false, false);
        }
        LineFinder lines = new LineFinder(text);
        return switch (name.startsWith("pylock.") && name.endsWith(".toml") ? "pylock.toml" : name) {
            case "pyproject.toml" -> pyproject(file, root, lines);
            case "poetry.lock" -> poetryLock(file, root, lines);
            case "uv.lock" -> uvLock(file, root, lines);
            case "pipfile.lock" -> pipfileLock(file, root, lines);
            case "pdm.lock" -> pdmLock(file, root, lines);
            case "pylock.toml" -> pylock(file, root, lines);
            default -> throw new IllegalArgumentException("not a TOML or JSON manifest: " + file);
        };
    }

    private static RequirementsParser.Parsed pyproject(Path file, JsonNode root, LineFinder lines) {
        List<Requirement> reqs = new ArrayList<>();
        List<RequirementsParser.IndexSetting> indexes = new ArrayList<>();
        List<RequirementsParser.Problem> problems = new ArrayList<>();
        // PEP 621: dependencies and optional-dependencies are arrays of PEP 508 strings.
        JsonNode project = root.path("project");
        List<JsonNode> arrays = new ArrayList<>();
        arrays.add(project.path("dependencies"));
        project.path("optional-dependencies").forEach(arrays::add);
        root.path("dependency-groups").forEach(arrays::add); // PEP 735
        for (JsonNode array : arrays) {
            for (JsonNode d : array) {
                if (!d.isTextual()) {
                    continue; // PEP 735 {include-group = "..."}
                }
                int line = lines.find(Pattern.compile(Pattern.quote("\"" + d.asText())), 1);
                Optional<Requirement> r = RequirementsParser.pep508(file, line, d.asText());
                if (r.isEmpty()) {
                    problems.add(new RequirementsParser.Problem(file, line, "not a PEP 508 requirement: " + d.asText()));
                } else {
                    reqs.add(r.get());
                }
            }
        }
        // poetry: [tool.poetry.dependencies] and [tool.poetry.group.<g>.dependencies]; [[tool.poetry.source]].
        JsonNode poetry = root.path("tool").path("poetry");
        boolean poetryMerged = false;
        if (!poetry.isMissingNode()) {
            List<JsonNode> tables = new ArrayList<>();
            tables.add(poetry.path("dependencies"));
            tables.add(poetry.path("dev-dependencies"));
            poetry.path("group").forEach(g -> tables.add(g.path("dependencies")));
            for (JsonNode table : tables) {
                for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (e.getKey().equalsIgnoreCase("python")) {
                        continue;
                    }
                    reqs.add(poetryDependency(file, lines, e.getKey(), e.getValue()));
                }
            }
            int primaries = 0;
            int line = 1;
            for (JsonNode src : poetry.path("source")) {
                String priority = src.path("priority").asText(src.path("default").asBoolean() ? "default"
                        : src.path("secondary").asBoolean() ? "secondary" : "primary");
                line = Math.max(line, lines.find(Pattern.compile(Pattern.quote(src.path("url").asText("\u0000"))), line));
                boolean merged = priority.equals("supplemental") || priority.equals("secondary");
                primaries += priority.equals("primary") || priority.equals("default") ? 1 : 0;
                if (src.hasNonNull("url")) {
                    indexes.add(new RequirementsParser.IndexSetting(file, line, src.get("url").asText(), merged));
                }
            }
            // Poetry asks PyPI implicitly unless a primary source replaces it; either way more than one index
            // can answer for a name not tied to one source.
            poetryMerged = primaries != 1 || indexes.stream().anyMatch(RequirementsParser.IndexSetting::extra);
        }
        // uv: [[tool.uv.index]] and index-strategy; [tool.uv.sources] ties names to an index or a direct reference.
        JsonNode uv = root.path("tool").path("uv");
        boolean uvMerged = uv.path("index-strategy").asText("first-index").startsWith("unsafe");
        for (JsonNode idx : uv.path("index")) {
            if (idx.hasNonNull("url")) {
                int line = lines.find(Pattern.compile(Pattern.quote(idx.get("url").asText())), 1);
                indexes.add(new RequirementsParser.IndexSetting(file, line, idx.get("url").asText(), uvMerged));
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = uv.path("sources").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String n = ProjectName.normalize(e.getKey());
            for (int i = 0; i < reqs.size(); i++) {
                Requirement r = reqs.get(i);
                if (r.name().filter(n::equals).isPresent()) {
                    JsonNode s = e.getValue();
                    Optional<String> ref = directRef(s);
                    reqs.set(i, new Requirement(r.file(), r.line(), r.name(), r.specifier(), r.hashes(),
                            ref.isPresent() ? ref : r.reference(),
                            s.hasNonNull("index") ? Optional.of(s.get("index").asText()) : r.index()));
                }
            }
        }
        return new RequirementsParser.Parsed(reqs, indexes, problems, true, poetryMerged || uvMerged);
    }

    private static Requirement poetryDependency(Path file, LineFinder lines, String key, JsonNode v) {
        int line = lines.findName(key, 1);
        Optional<String> name = Optional.of(ProjectName.normalize(key));
        if (v.isTextual()) {
            return new Requirement(file, line, name, v.asText(), List.of(), Optional.empty(), Optional.empty());
        }
        JsonNode t = v.isArray() && v.size() > 0 ? v.get(0) : v;
        return new Requirement(file, line, name, t.path("version").asText(""), List.of(), directRef(t),
                t.hasNonNull("source") ? Optional.of(t.get("source").asText()) : Optional.empty());
    }

    private static Optional<String> directRef(JsonNode t) {
        for (String k : List.of("git", "url", "path", "file", "directory")) {
            if (t.hasNonNull(k)) {
                return Optional.of((k.equals("git") ? "git+" : "") + t.get(k).asText());
            }
        }
        return Optional.empty();
    }

    /** poetry.lock: {@code [[package]]} with name, version, {@code files = [{file, hash}]}, optional source. */
    private static RequirementsParser.Parsed poetryLock(Path file, JsonNode root, LineFinder lines) {
        List<Requirement> reqs = new ArrayList<>();
        List<RequirementsParser.IndexSetting> indexes = new ArrayList<>();
        JsonNode legacyFiles = root.path("metadata").path("files"); // poetry < 1.2 kept hashes here
        int at = 1;
        for (JsonNode p : root.path("package")) {
            at = Math.max(at, lines.find(PACKAGE_HEADER, at) + 1);
            String name = p.path("name").asText();
            List<String> hashes = new ArrayList<>();
            JsonNode files = p.has("files") ? p.get("files") : legacyFiles.path(name);
            files.forEach(f -> hashes.add(f.path("hash").asText()));
            JsonNode src = p.path("source");
            String type = src.path("type").asText("");
            Optional<String> ref = type.equals("git") ? Optional.of("git+" + src.path("url").asText())
                    : type.equals("url") || type.equals("file") || type.equals("directory")
                            ? Optional.of(src.path("url").asText()) : Optional.empty();
            if (type.equals("legacy") && src.hasNonNull("url")) {
                indexes.add(new RequirementsParser.IndexSetting(file, at, src.get("url").asText(), false));
            }
            reqs.add(new Requirement(file, at, Optional.of(ProjectName.normalize(name)),
                    "==" + p.path("version").asText(), hashes, ref,
                    type.equals("legacy") ? Optional.of(src.path("reference").asText()) : Optional.empty()));
        }
        return new RequirementsParser.Parsed(reqs, dedupe(indexes), List.of(), false, false);
    }

    /** pdm.lock: {@code [[package]]} with name, version and {@code files = [{file, hash}]}. */
    private static RequirementsParser.Parsed pdmLock(Path file, JsonNode root, LineFinder lines) {
        List<Requirement> reqs = new ArrayList<>();
        int at = 1;
        for (JsonNode p : root.path("package")) {
            at = Math.max(at, lines.find(PACKAGE_HEADER, at) + 1);
            List<String> hashes = new ArrayList<>();
            p.path("files").forEach(f -> hashes.add(f.path("hash").asText()));
            Optional<String> ref = p.hasNonNull("git") ? Optional.of("git+" + p.get("git").asText())
                    : p.hasNonNull("url") ? Optional.of(p.get("url").asText())
                    : p.hasNonNull("path") ? Optional.of(p.get("path").asText()) : Optional.empty();
            reqs.add(new Requirement(file, at, Optional.of(ProjectName.normalize(p.path("name").asText())),
                    "==" + p.path("version").asText(), hashes, ref, Optional.empty()));
        }
        return new RequirementsParser.Parsed(reqs, List.of(), List.of(), false, false);
    }

    private static final Pattern PACKAGES_HEADER = Pattern.compile("^\\s*\\[\\[packages\\]\\]\\s*$");

    /** pylock.toml (PEP 751): {@code [[packages]]} with name, version, index, and wheels and sdist with hashes. */
    private static RequirementsParser.Parsed pylock(Path file, JsonNode root, LineFinder lines) {
        List<Requirement> reqs = new ArrayList<>();
        List<RequirementsParser.IndexSetting> indexes = new ArrayList<>();
        int at = 1;
        for (JsonNode p : root.path("packages")) {
            at = Math.max(at, lines.find(PACKAGES_HEADER, at) + 1);
            List<String> hashes = new ArrayList<>();
            for (JsonNode w : p.path("wheels")) {
                if (w.path("hashes").hasNonNull("sha256")) {
                    hashes.add("sha256:" + w.path("hashes").get("sha256").asText());
                }
            }
            if (p.path("sdist").path("hashes").hasNonNull("sha256")) {
                hashes.add("sha256:" + p.path("sdist").path("hashes").get("sha256").asText());
            }
            if (p.hasNonNull("index")) {
                indexes.add(new RequirementsParser.IndexSetting(file, at, p.get("index").asText(), false));
            }
            Optional<String> ref = p.path("vcs").hasNonNull("url") ? Optional.of("git+" + p.path("vcs").get("url")
                    .asText()) : p.path("archive").hasNonNull("url") ? Optional.of(p.path("archive").get("url")
                    .asText()) : p.path("directory").hasNonNull("path") ? Optional.of(p.path("directory")
                    .get("path").asText()) : Optional.empty();
            String version = p.path("version").asText("");
            reqs.add(new Requirement(file, at, Optional.of(ProjectName.normalize(p.path("name").asText())),
                    version.isEmpty() ? "" : "==" + version, hashes, ref, Optional.empty()));
        }
        return new RequirementsParser.Parsed(reqs, dedupe(indexes), List.of(), false, false);
    }

    /** uv.lock: {@code [[package]]} with name, version, source, sdist and wheels carrying {@code hash}. */
    private static RequirementsParser.Parsed uvLock(Path file, JsonNode root, LineFinder lines) {
        List<Requirement> reqs = new ArrayList<>();
        List<RequirementsParser.IndexSetting> indexes = new ArrayList<>();
        int at = 1;
        for (JsonNode p : root.path("package")) {
            at = Math.max(at, lines.find(PACKAGE_HEADER, at) + 1);
            JsonNode src = p.path("source");
            if (src.has("virtual") || src.has("editable")) {
                continue; // the project itself (or a workspace member), not a dependency
            }
            List<String> hashes = new ArrayList<>();
            if (p.path("sdist").hasNonNull("hash")) {
                hashes.add(p.path("sdist").get("hash").asText());
            }
            p.path("wheels").forEach(w -> hashes.add(w.path("hash").asText()));
            Optional<String> ref = src.hasNonNull("git") ? Optional.of("git+" + src.get("git").asText())
                    : src.hasNonNull("url") ? Optional.of(src.get("url").asText())
                    : src.hasNonNull("path") ? Optional.of(src.get("path").asText())
                    : src.hasNonNull("directory") ? Optional.of(src.get("directory").asText()) : Optional.empty();
            if (src.hasNonNull("registry")) {
                indexes.add(new RequirementsParser.IndexSetting(file, at, src.get("registry").asText(), false));
            }
            reqs.add(new Requirement(file, at, Optional.of(ProjectName.normalize(p.path("name").asText())),
                    "==" + p.path("version").asText(), hashes, ref,
                    src.hasNonNull("registry") ? Optional.of(src.get("registry").asText()) : Optional.empty()));
        }
        return new RequirementsParser.Parsed(reqs, dedupe(indexes), List.of(), false, false);
    }

    /** Pipfile.lock: {@code _meta.sources} and the {@code default}/{@code develop} maps of pinned packages. */
    private static RequirementsParser.Parsed pipfileLock(Path file, JsonNode root, LineFinder lines) {
        List<Requirement> reqs = new ArrayList<>();
        List<RequirementsParser.IndexSetting> indexes = new ArrayList<>();
        for (JsonNode s : root.path("_meta").path("sources")) {
            int line = lines.find(Pattern.compile(Pattern.quote(s.path("url").asText("\u0000"))), 1);
            indexes.add(new RequirementsParser.IndexSetting(file, line, s.path("url").asText(), false,
                    !s.path("verify_ssl").asBoolean(true)));
        }
        for (String section : List.of("default", "develop")) {
            int from = lines.find(Pattern.compile("\"" + section + "\"\\s*:"), 1);
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path(section).fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode p = e.getValue();
                List<String> hashes = new ArrayList<>();
                p.path("hashes").forEach(h -> hashes.add(h.asText()));
                reqs.add(new Requirement(file, lines.find(Pattern.compile("\"" + Pattern.quote(e.getKey()) + "\"\\s*:"),
                        from), Optional.of(ProjectName.normalize(e.getKey())), p.path("version").asText(""), hashes,
                        directRef(p), p.hasNonNull("index") ? Optional.of(p.get("index").asText()) : Optional.empty()));
            }
        }
        return new RequirementsParser.Parsed(reqs, indexes, List.of(), false, false);
    }

    private static List<RequirementsParser.IndexSetting> dedupe(List<RequirementsParser.IndexSetting> all) {
        Map<String, RequirementsParser.IndexSetting> first = new java.util.LinkedHashMap<>();
        all.forEach(s -> first.putIfAbsent(s.url(), s));
        return List.copyOf(first.values());
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
