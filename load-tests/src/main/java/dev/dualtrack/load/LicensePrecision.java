package dev.dualtrack.load;

import dev.dualtrack.licenses.CoreMetadataLicense;
import dev.dualtrack.licenses.DeclaredLicense;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The license reader over a real package mirror: every wheel's (and sdist's) core metadata read as the proxy reads
 * it, then counted by where the license came from and how many are left unknown. With {@code -Dlist=true} every
 * file is printed with what was read, for checking a sample by hand against its project's LICENSE.
 *
 * <pre>
 * java -cp "load-tests/target/classes:$(cat load-tests/target/classpath.txt)" dev.dualtrack.load.LicensePrecision /opt/pypi/files
 * </pre>
 */
public final class LicensePrecision {
    private LicensePrecision() {
    }

    public static void main(String[] args) throws Exception {
        List<Path> files = new ArrayList<>();
        for (String a : args) {
            try (Stream<Path> s = Files.walk(Path.of(a))) {
                s.filter(p -> p.toString().endsWith(".whl")).forEach(files::add);
            }
        }
        files.sort(null);
        Map<String, Integer> bySource = new TreeMap<>();
        Map<String, Integer> byLicense = new TreeMap<>();
        List<String> unknown = new ArrayList<>();
        int noMetadata = 0;
        for (Path f : files) {
            Optional<String> metadata;
            try (InputStream in = Files.newInputStream(f)) {
                metadata = CoreMetadataLicense.fromWheel(in);
            }
            if (metadata.isEmpty()) {
                noMetadata++;
                continue;
            }
            DeclaredLicense d = CoreMetadataLicense.read(metadata.get());
            String key = d.expression().isPresent() ? d.source() : "unknown";
            bySource.merge(key, 1, Integer::sum);
            d.text().ifPresent(t -> byLicense.merge(t, 1, Integer::sum));
            if (d.expression().isEmpty()) {
                unknown.add(f.getFileName() + ": " + d.problem().orElse(""));
            }
            if (Boolean.getBoolean("list")) {
                System.out.printf("%s\t%s\t%s%n", f.getFileName(), d.source(), d.text().orElse("-"));
            }
        }
        int read = files.size() - noMetadata - bySource.getOrDefault("unknown", 0);
        System.out.printf("wheels: %d, without METADATA: %d, license read: %d (%.1f %%), unknown: %d%n", files.size(),
                noMetadata, read, 100.0 * read / Math.max(1, files.size()), bySource.getOrDefault("unknown", 0));
        System.out.println("by source: " + bySource);
        System.out.println("by license: " + byLicense);
        System.out.println("unknown:");
        unknown.forEach(u -> System.out.println("  " + u));
    }
}
