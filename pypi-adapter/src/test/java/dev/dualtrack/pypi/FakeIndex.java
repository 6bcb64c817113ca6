package dev.dualtrack.pypi;

import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A package index for tests, serving PEP 691 JSON pages (or PEP 503 HTML) and the files they list, with the
 * headers PyPI sends. Files can be served with bytes other than the ones the page announces (tampering).
 */
public final class FakeIndex implements AutoCloseable {
    private final ScriptedOrigin origin;
    private final boolean html;
    private final Map<String, List<String>> entries = new LinkedHashMap<>();
    /** JSON API file objects per project, as PyPI's /pypi/<project>/json lists them. */
    private final Map<String, List<String[]>> apiFiles = new LinkedHashMap<>();

    public FakeIndex(boolean html) throws IOException {
        this.origin = new ScriptedOrigin();
        this.html = html;
    }

    public ScriptedOrigin origin() {
        return origin;
    }

    public String simpleUrl() {
        return origin.uri("/simple/").toString();
    }

    /** Adds a file to a project; {@code served} are the bytes actually served (normally {@code announced}). */
    public FakeIndex file(String project, String filename, byte[] announced, byte[] served) {
        return file(project, filename, announced, served, "2024-05-01T10:00:00.000000Z");
    }

    /** As above, with the upload time the page announces (PEP 700). */
    public FakeIndex file(String project, String filename, byte[] announced, byte[] served, String uploadTime) {
        return file(project, filename, announced, served, uploadTime, null);
    }

    /**
     * A file with a PEP 740 provenance object, served where PyPI's Integrity API serves it and announced by the
     * page ({@code provenance} in JSON, {@code data-provenance} in HTML).
     */
    public FakeIndex attested(String project, String filename, byte[] bytes, String uploadTime, byte[] provenance) {
        return file(project, filename, bytes, bytes, uploadTime, provenance);
    }

    /** The path the Integrity API serves a file's provenance at. */
    public static String provenancePath(String project, String filename) {
        String version = dev.dualtrack.pypi.policy.Filenames.version(project, filename).orElse("0");
        return "/integrity/" + project + "/" + version + "/" + filename + "/provenance";
    }

    /**
     * A wheel with its core metadata served beside it (PEP 658/714: {@code <url>.metadata}, announced with its
     * sha256 as {@code core-metadata} in JSON and {@code data-core-metadata} in HTML), as PyPI serves every wheel.
     */
    public FakeIndex fileWithCoreMetadata(String project, String filename, byte[] bytes) throws IOException {
        byte[] metadata = dev.dualtrack.licenses.CoreMetadataLicense.fromWheel(new java.io.ByteArrayInputStream(bytes))
                .orElseThrow().getBytes(StandardCharsets.UTF_8);
        origin.on("/packages/" + filename + ".metadata", Script.ok(BodySource.of(metadata)));
        return file(project, filename, bytes, bytes, "2024-05-01T10:00:00.000000Z", null, sha256(metadata));
    }

    private FakeIndex file(String project, String filename, byte[] announced, byte[] served, String uploadTime,
            byte[] provenance) {
        return file(project, filename, announced, served, uploadTime, provenance, null);
    }

    private FakeIndex file(String project, String filename, byte[] announced, byte[] served, String uploadTime,
            byte[] provenance, String metadataSha) {
        String sha = sha256(announced);
        String url = origin.uri("/packages/" + filename).toString();
        String prov = provenance == null ? null : origin.uri(provenancePath(project, filename)).toString();
        if (provenance != null) {
            origin.on(provenancePath(project, filename), Script.ok(BodySource.of(provenance))
                    .header("Content-Type", "application/vnd.pypi.integrity.v1+json"));
        }
        entries.computeIfAbsent(project, k -> new ArrayList<>()).add(html
                ? "<a href=\"" + url + "#sha256=" + sha + "\" data-requires-python=\"&gt;=3.7\""
                        + (prov == null ? "" : " data-provenance=\"" + prov + "\"")
                        + (metadataSha == null ? "" : " data-core-metadata=\"sha256=" + metadataSha + "\""
                                + " data-dist-info-metadata=\"sha256=" + metadataSha + "\"")
                        + ">" + filename + "</a><br/>"
                : "{\"filename\":\"" + filename + "\",\"url\":\"" + url + "\",\"hashes\":{\"sha256\":\"" + sha
                        + "\"},\"requires-python\":\">=3.7\",\"size\":" + announced.length
                        + ",\"upload-time\":\"" + uploadTime + "\",\"yanked\":false"
                        + (prov == null ? "" : ",\"provenance\":\"" + prov + "\"")
                        + (metadataSha == null ? "" : ",\"core-metadata\":{\"sha256\":\"" + metadataSha + "\"}"
                                + ",\"data-dist-info-metadata\":{\"sha256\":\"" + metadataSha + "\"}") + "}");
        origin.on("/packages/" + filename, Script.ok(BodySource.of(served)));
        String version = dev.dualtrack.pypi.policy.Filenames.version(project, filename).orElse("0");
        apiFiles.computeIfAbsent(project, k -> new ArrayList<>()).add(new String[] {version,
                "{\"filename\":\"" + filename + "\",\"url\":\"" + url + "\",\"digests\":{\"sha256\":\"" + sha
                        + "\"},\"packagetype\":\"bdist_wheel\",\"size\":" + announced.length + "}"});
        publish(project);
        return this;
    }

    public FakeIndex file(String project, String filename, byte[] bytes) {
        return file(project, filename, bytes, bytes);
    }

    private void publish(String project) {
        List<String> files = entries.get(project);
        String body = html
                ? "<!DOCTYPE html><html><head><meta name=\"pypi:repository-version\" content=\"1.0\"></head><body>"
                        + String.join("\n", files) + "</body></html>"
                : "{\"meta\":{\"api-version\":\"1.1\",\"_last-serial\":1},\"name\":\"" + project
                        + "\",\"versions\":[],\"files\":[" + String.join(",", files) + "]}";
        origin.on("/simple/" + project + "/", Script.ok(BodySource.of(body.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", html ? "text/html" : "application/vnd.pypi.simple.v1+json")
                .header("X-PyPI-Last-Serial", "1").header("Vary", "Accept, Accept-Encoding")
                .header("Cache-Control", "max-age=600, public"));
        Map<String, List<String>> releases = new LinkedHashMap<>();
        List<String> all = new ArrayList<>();
        for (String[] f : apiFiles.get(project)) {
            releases.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[1]);
            all.add(f[1]);
        }
        StringBuilder rel = new StringBuilder();
        releases.forEach((v, fs) -> rel.append(rel.length() == 0 ? "" : ",").append('"').append(v).append("\":[")
                .append(String.join(",", fs)).append(']'));
        String api = "{\"info\":{\"name\":\"" + project + "\"},\"urls\":[" + String.join(",", all)
                + "],\"releases\":{" + rel + "},\"vulnerabilities\":[]}";
        origin.on("/pypi/" + project + "/json", Script.ok(BodySource.of(api.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json"));
    }

    /** Requests the index received for a project page (lookups count too). */
    public int pageRequests(String project) {
        return origin.requests("/simple/" + project + "/");
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        origin.close();
    }
}
