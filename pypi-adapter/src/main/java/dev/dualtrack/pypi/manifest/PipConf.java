package dev.dualtrack.pypi.manifest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Index settings in pip's configuration files (pip.conf, pip.ini): {@code index-url} and
 * {@code extra-index-url} in the {@code [global]}, {@code [install]} and {@code [download]} sections, where a
 * value may continue on indented lines (several extra indexes).
 */
public final class PipConf {
    private PipConf() {
    }

    public static List<RequirementsParser.IndexSetting> indexes(Path file) throws IOException {
        List<RequirementsParser.IndexSetting> out = new ArrayList<>();
        String section = "";
        String key = null;
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            String t = raw.strip();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith(";")) {
                continue;
            }
            if (t.startsWith("[") && t.endsWith("]")) {
                section = t.substring(1, t.length() - 1).strip().toLowerCase(Locale.ROOT);
                key = null;
                continue;
            }
            boolean relevant = section.equals("global") || section.equals("install") || section.equals("download");
            if (Character.isWhitespace(raw.charAt(0)) && key != null) {
                if (relevant) {
                    out.add(new RequirementsParser.IndexSetting(file, i + 1, t, key.equals("extra-index-url")));
                }
                continue;
            }
            int eq = t.indexOf('=') >= 0 ? t.indexOf('=') : t.indexOf(':');
            if (eq < 0) {
                key = null;
                continue;
            }
            key = t.substring(0, eq).strip().toLowerCase(Locale.ROOT).replace('_', '-');
            String value = t.substring(eq + 1).strip();
            if (relevant && (key.equals("index-url") || key.equals("extra-index-url"))) {
                for (String v : value.split("\\s+")) {
                    if (!v.isEmpty()) {
                        out.add(new RequirementsParser.IndexSetting(file, i + 1, v, key.equals("extra-index-url")));
                    }
                }
            } else if (!key.equals("index-url") && !key.equals("extra-index-url")) {
                key = null;
            }
        }
        return out;
    }
}
