package dev.dualtrack.pypi.simple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * Reads project pages in either serialization and writes them back in either, with URLs rewritten. Parsing and
 * rendering are kept apart from policy (which files to drop): {@code SimplePage} in, {@code SimplePage} out.
 *
 * <p>Rendering follows the living simple-repository-api spec: JSON {@code meta.api-version} is what we
 * serialize (never the upstream's), {@code hashes} is always present, {@code core-metadata} is emitted and the
 * JSON key {@code dist-info-metadata} never is (PEP 714: it broke pip 22.3–23.1), while HTML carries both
 * {@code data-core-metadata} and {@code data-dist-info-metadata}.
 */
public final class SimpleCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SimpleCodec() {
    }

    /** A page we cannot read: malformed, or of a major api-version we do not implement. */
    public static final class UnreadablePageException extends IOException {
        private static final long serialVersionUID = 1L;

        public UnreadablePageException(String message) {
            super(message);
        }
    }

    // ---- parsing ------------------------------------------------------------------------------------------------

    /** Parses an upstream page; relative URLs resolve against {@code pageUrl}. */
    public static SimplePage parse(byte[] body, String contentType, URI pageUrl, String project)
            throws UnreadablePageException {
        String ct = contentType == null ? "" : contentType.toLowerCase(java.util.Locale.ROOT);
        return ct.contains("json") ? parseJson(body, pageUrl, project) : parseHtml(body, pageUrl, project);
    }

    static SimplePage parseJson(byte[] body, URI pageUrl, String project) throws UnreadablePageException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new UnreadablePageException("project page is not valid JSON: " + e.getMessage());
        }
        checkVersion(root.path("meta").path("api-version").asText("1.0"));
        List<SimpleFile> files = new ArrayList<>();
        for (JsonNode f : root.path("files")) {
            String filename = f.path("filename").asText(null);
            String url = f.path("url").asText(null);
            if (filename == null || url == null) {
                throw new UnreadablePageException("a file entry lacks filename or url");
            }
            Map<String, String> hashes = new LinkedHashMap<>();
            f.path("hashes").fields().forEachRemaining(e -> hashes.put(e.getKey(), e.getValue().asText()));
            JsonNode y = f.path("yanked");
            Optional<String> yanked = y.isTextual() ? Optional.of(y.asText())
                    : y.asBoolean(false) ? Optional.of("") : Optional.empty();
            JsonNode cm = f.has("core-metadata") ? f.get("core-metadata") : f.path("dist-info-metadata");
            Optional<Map<String, String>> core = Optional.empty();
            if (cm.isObject()) {
                Map<String, String> h = new LinkedHashMap<>();
                cm.fields().forEachRemaining(e -> h.put(e.getKey(), e.getValue().asText()));
                core = Optional.of(h);
            } else if (cm.asBoolean(false)) {
                core = Optional.of(Map.of());
            }
            files.add(new SimpleFile(filename, pageUrl.resolve(url).toString(), hashes,
                    Optional.ofNullable(f.path("requires-python").textValue()), yanked, core,
                    f.path("size").isNumber() ? Optional.of(f.get("size").asLong()) : Optional.empty(),
                    Optional.ofNullable(f.path("upload-time").textValue())));
        }
        List<String> versions = new ArrayList<>();
        root.path("versions").forEach(v -> versions.add(v.asText()));
        return new SimplePage(ProjectName.normalize(root.path("name").asText(project)), files, versions);
    }

    static SimplePage parseHtml(byte[] body, URI pageUrl, String project) throws UnreadablePageException {
        Document doc = Jsoup.parse(new String(body, StandardCharsets.UTF_8), pageUrl.toString());
        Element meta = doc.selectFirst("meta[name=pypi:repository-version]");
        if (meta != null) {
            checkVersion(meta.attr("content"));
        }
        List<SimpleFile> files = new ArrayList<>();
        for (Element a : doc.select("a[href]")) {
            String href = a.absUrl("href");
            if (href.isEmpty()) {
                throw new UnreadablePageException("a link has an unresolvable href: " + a.attr("href"));
            }
            URI u = URI.create(href);
            Map<String, String> hashes = new LinkedHashMap<>();
            if (u.getRawFragment() != null && u.getRawFragment().contains("=")) {
                String[] kv = u.getRawFragment().split("=", 2);
                hashes.put(kv[0], kv[1]);
            }
            String path = u.getRawPath() == null ? "" : u.getRawPath();
            String filename = a.text().isBlank() ? java.net.URLDecoder.decode(path.substring(path.lastIndexOf('/') + 1),
                    StandardCharsets.UTF_8) : a.text().trim();
            String noFragment = href.contains("#") ? href.substring(0, href.indexOf('#')) : href;
            Optional<String> yanked = a.hasAttr("data-yanked") ? Optional.of(a.attr("data-yanked")) : Optional.empty();
            String cmAttr = a.hasAttr("data-core-metadata") ? a.attr("data-core-metadata")
                    : a.hasAttr("data-dist-info-metadata") ? a.attr("data-dist-info-metadata") : null;
            Optional<Map<String, String>> core = Optional.empty();
            if (cmAttr != null && !cmAttr.equalsIgnoreCase("false")) {
                core = Optional.of(cmAttr.contains("=") ? Map.of(cmAttr.split("=", 2)[0], cmAttr.split("=", 2)[1])
                        : Map.of());
            }
            Optional<String> requires = a.hasAttr("data-requires-python")
                    ? Optional.of(a.attr("data-requires-python")) : Optional.empty();
            files.add(new SimpleFile(filename, noFragment, hashes, requires, yanked, core, Optional.empty(),
                    Optional.empty()));
        }
        return new SimplePage(ProjectName.normalize(project), files, List.of());
    }

    private static void checkVersion(String version) throws UnreadablePageException {
        String major = version.contains(".") ? version.substring(0, version.indexOf('.')) : version;
        if (!major.equals("1")) {
            throw new UnreadablePageException("simple API version " + version + " is not one dualtrack reads");
        }
    }

    // ---- rendering ----------------------------------------------------------------------------------------------

    /** Renders {@code page} with every file URL replaced by {@code urlFor(file)}. */
    public static byte[] render(SimplePage page, SimpleFormat format, Function<SimpleFile, String> urlFor) {
        return format.json() ? renderJson(page, urlFor) : renderHtml(page, urlFor);
    }

    static byte[] renderJson(SimplePage page, Function<SimpleFile, String> urlFor) {
        ObjectNode root = JSON.createObjectNode();
        boolean sizes = page.files().stream().allMatch(f -> f.size().isPresent());
        root.putObject("meta").put("api-version", sizes ? SimpleFormat.API_VERSION : "1.0");
        root.put("name", page.name());
        ArrayNode files = root.putArray("files");
        LinkedHashSet<String> versions = new LinkedHashSet<>(page.versions());
        for (SimpleFile f : page.files()) {
            ObjectNode n = files.addObject();
            n.put("filename", f.filename());
            n.put("url", urlFor.apply(f));
            ObjectNode h = n.putObject("hashes");
            f.hashes().forEach(h::put);
            f.requiresPython().ifPresent(r -> n.put("requires-python", r));
            if (f.yanked().isPresent()) {
                if (f.yanked().get().isEmpty()) {
                    n.put("yanked", true);
                } else {
                    n.put("yanked", f.yanked().get());
                }
            } else {
                n.put("yanked", false);
            }
            if (f.coreMetadata().isPresent()) {
                if (f.coreMetadata().get().isEmpty()) {
                    n.put("core-metadata", true);
                } else {
                    ObjectNode cm = n.putObject("core-metadata");
                    f.coreMetadata().get().forEach(cm::put);
                }
            }
            f.size().ifPresent(s -> n.put("size", s));
            f.uploadTime().ifPresent(t -> n.put("upload-time", t));
        }
        if (sizes) {
            ArrayNode v = root.putArray("versions");
            versions.forEach(v::add);
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static byte[] renderHtml(SimplePage page, Function<SimpleFile, String> urlFor) {
        StringBuilder sb = new StringBuilder(256 + page.files().size() * 200);
        String name = escape(page.name());
        sb.append("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"")
                .append(SimpleFormat.API_VERSION).append("\">\n    <title>Links for ").append(name)
                .append("</title>\n  </head>\n  <body>\n    <h1>Links for ").append(name).append("</h1>\n");
        for (SimpleFile f : page.files()) {
            String href = urlFor.apply(f);
            Optional<String> sha = f.sha256();
            sb.append("    <a href=\"").append(escape(href)).append(sha.map(h -> "#sha256=" + h).orElse("")).append('"');
            f.requiresPython().ifPresent(r -> sb.append(" data-requires-python=\"").append(escape(r)).append('"'));
            f.yanked().ifPresent(y -> sb.append(" data-yanked=\"").append(escape(y)).append('"'));
            f.coreMetadata().ifPresent(cm -> {
                String v = cm.containsKey("sha256") ? "sha256=" + cm.get("sha256") : "true";
                sb.append(" data-core-metadata=\"").append(escape(v)).append('"')
                        .append(" data-dist-info-metadata=\"").append(escape(v)).append('"');
            });
            sb.append('>').append(escape(f.filename())).append("</a><br />\n");
        }
        sb.append("  </body>\n</html>\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
