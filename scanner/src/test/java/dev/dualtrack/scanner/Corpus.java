package dev.dualtrack.scanner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared corpus of real model files (../shared/corpus beside the checkout), read by tests that need files
 * written by the real libraries. CI copies shared/ beside every clone, so it is always there.
 */
public final class Corpus {
    private Corpus() {
    }

    public static Path root() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            Path c = p.resolve("shared").resolve("corpus");
            if (Files.isDirectory(c)) {
                return c;
            }
            Path sibling = p.resolveSibling("shared").resolve("corpus");
            if (Files.isDirectory(sibling)) {
                return sibling;
            }
        }
        throw new IllegalStateException("no shared/corpus found above " + here);
    }

    public static byte[] read(String relative) {
        try {
            return Files.readAllBytes(root().resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
