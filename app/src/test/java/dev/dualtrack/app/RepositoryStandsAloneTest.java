package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The repository stands on its own: a fresh clone with nothing beside it builds and tests, and its documents
 * point only at documents it has.
 */
class RepositoryStandsAloneTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Pattern SHARED = Pattern.compile("\\.\\./shared|shared/(corpus|data|notes|provenance)|DESIGN\\.md");
    static final Pattern MD = Pattern.compile("(?<![\\w/.-])([\\w.-]+/)*[\\w.-]+\\.md\\b");
    static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");

    /** Every text file under a module's src/ (sources, tests, resources). */
    static List<Path> sources() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path m : modules.filter(p -> Files.isDirectory(p.resolve("src"))).toList()) {
                try (Stream<Path> files = Files.walk(m.resolve("src"))) {
                    files.filter(Files::isRegularFile).forEach(out::add);
                }
            }
        }
        return out;
    }

    /** The README, deploy's README and every document under docs/. */
    static List<Path> docs() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("deploy/README.md")));
        try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
        }
        return docs;
    }

    static String text(Path p) throws IOException {
        try {
            return Files.readString(p);
        } catch (MalformedInputException binary) {
            return "";
        }
    }

    @Test
    void nothingUnderSrcNeedsAFileOutsideTheRepository() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path p : sources()) {
            Matcher m = SHARED.matcher(text(p));
            if (m.find()) {
                offenders.add(ROOT.relativize(p) + ": " + m.group());
            }
        }
        assertThat(offenders).isEmpty();
        assertThat(sources()).hasSizeGreaterThan(100);
    }

    @Test
    void theDocsNeedNothingOutsideTheRepositoryEither() throws IOException {
        List<Path> docs = docs();
        List<String> offenders = new ArrayList<>();
        for (Path d : docs) {
            Matcher m = SHARED.matcher(Files.readString(d));
            if (m.find()) {
                offenders.add(ROOT.relativize(d) + ": " + m.group());
            }
        }
        assertThat(offenders).isEmpty();
    }

    @Test
    void everyDocumentTheCodeNamesIsInTheRepository() throws IOException {
        List<String> missing = new ArrayList<>();
        for (Path p : sources()) {
            Matcher m = MD.matcher(text(p));
            while (m.find()) {
                String doc = m.group();
                if (!exists(doc)) {
                    missing.add(ROOT.relativize(p) + " names " + doc);
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    void everyRelativeLinkInTheDocsResolves() throws IOException {
        List<Path> docs = docs();
        List<String> broken = new ArrayList<>();
        for (Path d : docs) {
            Matcher m = LINK.matcher(Files.readString(d));
            while (m.find()) {
                String target = m.group(1);
                if (target.contains("://") || target.startsWith("mailto:")) {
                    continue;
                }
                if (!Files.exists(d.getParent().resolve(target))) {
                    broken.add(ROOT.relativize(d) + " -> " + target);
                }
            }
        }
        assertThat(broken).isEmpty();
        assertThat(docs).hasSizeGreaterThan(10);
    }

    @Test
    void theReadmeIsAFrontDoor() throws IOException {
        assertThat(Files.size(ROOT.resolve("README.md"))).isLessThanOrEqualTo(8 * 1024);
        for (String doc : List.of("ARCHITECTURE.md", "configuration.md", "rules.md", "operations.md", "protocols.md",
                "CONTRIBUTING.md")) {
            assertThat(ROOT.resolve("docs").resolve(doc)).exists();
        }
    }

    /** A document named by path from the repository root, or by its name in the root or docs/. */
    static boolean exists(String doc) {
        String name = doc.substring(doc.lastIndexOf('/') + 1);
        return Files.exists(ROOT.resolve(doc)) || Files.exists(ROOT.resolve("docs").resolve(name))
                || Files.exists(ROOT.resolve(name));
    }
}
