package dev.dualtrack.pypi.simple;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

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
    /**
     * The most files a page may list. PyPI's largest projects list tens of thousands; a page past this is refused,
     * so what a page costs in memory is bounded by what is kept of it (G6), not by what an upstream sends.
     */
    public static final int MAX_FILES = 500_000;
    /** How long reading one page may take; past it the page is refused as unreadable. */
    public static final java.time.Duration PARSE_DEADLINE = java.time.Duration.ofSeconds(10);

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

    /**
     * Parses an upstream page; relative URLs resolve against {@code pageUrl}. The page's own {@code name} is not
     * trusted: the page is the one dualtrack asked for {@code project}, and that is its name.
     *
     * <p>Both serializations are read as streams, never as a tree or DOM: what stays in memory is the list of
     * files, not a structure several times the page's size (a PyPI page can be tens of MB).
     */
    public static SimplePage parse(byte[] body, String contentType, URI pageUrl, String project)
            throws UnreadablePageException {
        String ct = contentType == null ? "" : contentType.toLowerCase(java.util.Locale.ROOT);
        return ct.contains("json") ? parseJson(body, pageUrl, project) : parseHtml(body, pageUrl, project);
    }

    static SimplePage parseJson(byte[] body, URI pageUrl, String project) throws UnreadablePageException {
        List<SimpleFile> files = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        try (JsonParser p = JSON.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new UnreadablePageException("project page is not a JSON object");
            }
            String apiVersion = "1.0";
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "meta" -> {
                        if (t != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            continue;
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String key = p.currentName();
                            JsonToken v = p.nextToken();
                            if (key.equals("api-version") && v.isScalarValue()) {
                                apiVersion = p.getText();
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                    case "files" -> {
                        if (t != JsonToken.START_ARRAY) {
                            throw new UnreadablePageException("project page 'files' is not a list");
                        }
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            add(files, jsonFile(p, pageUrl));
                        }
                    }
                    case "versions" -> {
                        if (t == JsonToken.START_ARRAY) {
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                if (p.currentToken().isScalarValue()) {
                                    if (versions.size() >= MAX_FILES) {
                                        throw new UnreadablePageException("the project page lists more than "
                                                + MAX_FILES + " versions; it is not served");
                                    }
                                    versions.add(p.getText());
                                } else {
                                    p.skipChildren();
                                }
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            checkVersion(apiVersion);
        } catch (UnreadablePageException e) {
            throw e;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Jackson quotes the bytes it choked on: they are the upstream's, so only the position is told.
            com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
            throw new UnreadablePageException("project page is not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw new UnreadablePageException("project page could not be read");
        }
        return new SimplePage(ProjectName.normalize(project), files, versions);
    }

    /** One file object, the parser on its START_OBJECT; leaves it on the matching END_OBJECT. */
    private static SimpleFile jsonFile(JsonParser p, URI pageUrl) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new UnreadablePageException("a file entry is not an object");
        }
        String filename = null;
        String url = null;
        Map<String, String> hashes = new LinkedHashMap<>();
        Optional<String> requires = Optional.empty();
        Optional<String> yanked = Optional.empty();
        Optional<Map<String, String>> core = null;
        Optional<Map<String, String>> distInfo = Optional.empty();
        Optional<Long> size = Optional.empty();
        Optional<String> uploaded = Optional.empty();
        Optional<String> provenance = Optional.empty();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            switch (key) {
                case "filename" -> filename = v == JsonToken.VALUE_STRING ? p.getText() : null;
                case "url" -> url = v == JsonToken.VALUE_STRING ? p.getText() : null;
                case "hashes" -> {
                    if (v == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String alg = p.currentName();
                            JsonToken h = p.nextToken();
                            if (h.isScalarValue()) {
                                hashes.put(alg, p.getText());
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                case "requires-python" -> requires = v == JsonToken.VALUE_STRING ? Optional.of(p.getText())
                        : Optional.empty();
                case "yanked" -> yanked = v == JsonToken.VALUE_STRING ? Optional.of(p.getText())
                        : v == JsonToken.VALUE_TRUE ? Optional.of("") : Optional.empty();
                case "core-metadata" -> core = metadataHashes(p, v);
                case "dist-info-metadata" -> distInfo = metadataHashes(p, v);
                case "size" -> size = v == JsonToken.VALUE_NUMBER_INT ? Optional.of(p.getLongValue()) : Optional.empty();
                case "upload-time" -> uploaded = v == JsonToken.VALUE_STRING ? Optional.of(p.getText())
                        : Optional.empty();
                case "provenance" -> provenance = v == JsonToken.VALUE_STRING ? Optional.of(p.getText())
                        : Optional.empty();
                default -> p.skipChildren();
            }
        }
        if (filename == null || url == null) {
            throw new UnreadablePageException("a file entry lacks filename or url");
        }
        return new SimpleFile(filename, resolve(pageUrl, url), hashes, requires, yanked,
                core != null ? core : distInfo, size, uploaded, provenance.map(u -> resolve(pageUrl, u)));
    }

    /** PEP 658/714 metadata: {@code true}, {@code false} or a hashes object. */
    private static Optional<Map<String, String>> metadataHashes(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.START_OBJECT) {
            Map<String, String> h = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String alg = p.currentName();
                if (p.nextToken().isScalarValue()) {
                    h.put(alg, p.getText());
                } else {
                    p.skipChildren();
                }
            }
            return Optional.of(h);
        }
        p.skipChildren();
        return v == JsonToken.VALUE_TRUE ? Optional.of(Map.of()) : Optional.empty();
    }

    /**
     * A link made absolute. One that does not resolve is kept as written: it is then refused when a client asks
     * for that file (it is no http(s) URL), rather than making the whole page unreadable.
     */
    private static String resolve(URI pageUrl, String link) {
        try {
            return pageUrl.resolve(new URI(link)).toString();
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            return link;
        }
    }

    static SimplePage parseHtml(byte[] body, URI pageUrl, String project) throws UnreadablePageException {
        return parseHtml(body, pageUrl, project, System.nanoTime() + PARSE_DEADLINE.toNanos());
    }

    static SimplePage parseHtml(byte[] body, URI pageUrl, String project, long deadlineNanos)
            throws UnreadablePageException {
        List<SimpleFile> files = new ArrayList<>();
        HtmlAnchors.read(body, deadlineNanos, new HtmlAnchors.Sink() {
            @Override
            public void meta(Map<String, String> attributes) throws UnreadablePageException {
                if ("pypi:repository-version".equals(attributes.get("name"))) {
                    checkVersion(attributes.getOrDefault("content", ""));
                }
            }

            @Override
            public void anchor(HtmlAnchors.Anchor a) throws UnreadablePageException {
                if (a.attributes().containsKey("href")) {
                    add(files, htmlFile(a, pageUrl));
                }
            }
        });
        return new SimplePage(ProjectName.normalize(project), files, List.of());
    }

    /**
     * The URL's last path segment, percent-decoded; kept as written when its escapes are broken (the filename check
     * then refuses the entry, rather than the page failing as a whole). Found by fuzzing.
     */
    private static String lastSegment(String path) {
        String segment = path.substring(path.lastIndexOf('/') + 1);
        try {
            return java.net.URLDecoder.decode(segment, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment;
        }
    }

    /** Adds a file to a page being read, within {@link #MAX_FILES}. */
    private static void add(List<SimpleFile> files, SimpleFile f) throws UnreadablePageException {
        if (files.size() >= MAX_FILES) {
            throw new UnreadablePageException("the project page lists more than " + MAX_FILES + " files, more than "
                    + "any project on PyPI; it is not served");
        }
        files.add(f);
    }

    private static SimpleFile htmlFile(HtmlAnchors.Anchor anchor, URI pageUrl) {
        Map<String, String> a = anchor.attributes();
        String raw = a.get("href");
        String href = resolve(pageUrl, raw.trim());
        Map<String, String> hashes = new LinkedHashMap<>();
        String fragment = href.contains("#") ? href.substring(href.indexOf('#') + 1) : null;
        if (fragment != null && fragment.contains("=")) {
            String[] kv = fragment.split("=", 2);
            hashes.put(kv[0], kv[1]);
        }
        String noFragment = href.contains("#") ? href.substring(0, href.indexOf('#')) : href;
        String path = noFragment.contains("?") ? noFragment.substring(0, noFragment.indexOf('?')) : noFragment;
        String filename = anchor.text().isBlank() ? lastSegment(path) : anchor.text().trim();
        Optional<String> yanked = Optional.ofNullable(a.get("data-yanked"));
        String cmAttr = a.containsKey("data-core-metadata") ? a.get("data-core-metadata")
                : a.get("data-dist-info-metadata");
        Optional<Map<String, String>> core = Optional.empty();
        if (cmAttr != null && !cmAttr.equalsIgnoreCase("false")) {
            core = Optional.of(cmAttr.contains("=") ? Map.of(cmAttr.split("=", 2)[0], cmAttr.split("=", 2)[1])
                    : Map.of());
        }
        Optional<String> requires = Optional.ofNullable(a.get("data-requires-python"));
        Optional<String> provenance = Optional.ofNullable(a.get("data-provenance")).map(p -> resolve(pageUrl,
                p.trim()));
        return new SimpleFile(filename, noFragment, hashes, requires, yanked, core, Optional.empty(),
                Optional.empty(), provenance);
    }

    private static void checkVersion(String version) throws UnreadablePageException {
        String major = version.contains(".") ? version.substring(0, version.indexOf('.')) : version;
        if (!major.equals("1")) {
            throw new UnreadablePageException("simple API version "
                    + (version.matches("[0-9.]{1,16}") ? version : "(unreadable)") + " is not one dualtrack reads");
        }
    }

    // ---- rendering ----------------------------------------------------------------------------------------------

    /** Renders {@code page} with every file URL replaced by {@code urlFor(file)}. */
    public static byte[] render(SimplePage page, SimpleFormat format, Function<SimpleFile, String> urlFor) {
        return format.json() ? renderJson(page, urlFor) : renderHtml(page, urlFor);
    }

    /** Written straight to bytes with a generator: no tree of the page is built (a page may be tens of MB). */
    static byte[] renderJson(SimplePage page, Function<SimpleFile, String> urlFor) {
        boolean sizes = page.files().stream().allMatch(f -> f.size().isPresent());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256 + page.files().size() * 400);
        try (com.fasterxml.jackson.core.JsonGenerator g = JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("meta");
            g.writeStringField("api-version", sizes ? SimpleFormat.API_VERSION : "1.0");
            g.writeEndObject();
            g.writeStringField("name", page.name());
            g.writeArrayFieldStart("files");
            for (SimpleFile f : page.files()) {
                g.writeStartObject();
                g.writeStringField("filename", f.filename());
                g.writeStringField("url", urlFor.apply(f));
                g.writeObjectFieldStart("hashes");
                for (Map.Entry<String, String> h : f.hashes().entrySet()) {
                    g.writeStringField(h.getKey(), h.getValue());
                }
                g.writeEndObject();
                if (f.requiresPython().isPresent()) {
                    g.writeStringField("requires-python", f.requiresPython().get());
                }
                if (f.yanked().isEmpty()) {
                    g.writeBooleanField("yanked", false);
                } else if (f.yanked().get().isEmpty()) {
                    g.writeBooleanField("yanked", true);
                } else {
                    g.writeStringField("yanked", f.yanked().get());
                }
                if (f.coreMetadata().isPresent()) {
                    if (f.coreMetadata().get().isEmpty()) {
                        g.writeBooleanField("core-metadata", true);
                    } else {
                        g.writeObjectFieldStart("core-metadata");
                        for (Map.Entry<String, String> h : f.coreMetadata().get().entrySet()) {
                            g.writeStringField(h.getKey(), h.getValue());
                        }
                        g.writeEndObject();
                    }
                }
                if (f.size().isPresent()) {
                    g.writeNumberField("size", f.size().get());
                }
                if (f.uploadTime().isPresent()) {
                    g.writeStringField("upload-time", f.uploadTime().get());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            if (sizes) {
                g.writeArrayFieldStart("versions");
                for (String v : new LinkedHashSet<>(page.versions())) {
                    g.writeString(v);
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
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
