package dev.dualtrack.pypi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds a minimal, valid pure-Python wheel (PEP 427): a module, METADATA, WHEEL and a RECORD with hashes. */
public final class WheelBuilder {
    private WheelBuilder() {
    }

    /** The wheel's filename: {@code acme_utils-1.0-py3-none-any.whl}. */
    public static String filename(String project, String version) {
        return project.replace('-', '_') + "-" + version + "-py3-none-any.whl";
    }

    public static byte[] wheel(String project, String version, String moduleSource) throws Exception {
        return wheel(project, version, moduleSource, new String[0]);
    }

    /** A wheel whose METADATA lists {@code requires} as Requires-Dist. */
    public static byte[] wheel(String project, String version, String moduleSource, String... requires)
            throws Exception {
        return wheel(project, version, moduleSource, java.util.List.of(), requires);
    }

    /** A wheel whose METADATA has {@code headers} too ({@code "License-Expression: MIT"}). */
    public static byte[] wheel(String project, String version, String moduleSource, java.util.List<String> headers,
            String... requires) throws Exception {
        String dist = project.replace('-', '_');
        String info = dist + "-" + version + ".dist-info/";
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(dist + "/__init__.py", moduleSource.getBytes(StandardCharsets.UTF_8));
        StringBuilder metadata = new StringBuilder("Metadata-Version: 2.1\nName: " + project + "\nVersion: " + version
                + "\n");
        for (String h : headers) {
            metadata.append(h).append('\n');
        }
        for (String r : requires) {
            metadata.append("Requires-Dist: ").append(r).append('\n');
        }
        files.put(info + "METADATA", metadata.toString().getBytes(StandardCharsets.UTF_8));
        files.put(info + "WHEEL", "Wheel-Version: 1.0\nGenerator: dualtrack-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
                .getBytes(StandardCharsets.UTF_8));
        StringBuilder record = new StringBuilder();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(e.getValue());
            record.append(e.getKey()).append(",sha256=")
                    .append(Base64.getUrlEncoder().withoutPadding().encodeToString(d)).append(',')
                    .append(e.getValue().length).append('\n');
        }
        record.append(info).append("RECORD,,\n");
        files.put(info + "RECORD", record.toString().getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                // A fixed time, so the same inputs always build the same bytes (and the same sha256).
                entry.setTime(315532800000L);
                z.putNextEntry(entry);
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }
}
