package dev.dualtrack.pypi.simple;

import java.util.List;

/** A project detail page (PEP 503/691): the normalized name, its files, and its versions (PEP 700). */
public record SimplePage(String name, List<SimpleFile> files, List<String> versions) {
    public SimplePage {
        files = List.copyOf(files);
        versions = List.copyOf(versions);
    }

    public java.util.Optional<SimpleFile> file(String filename) {
        return files.stream().filter(f -> f.filename().equals(filename)).findFirst();
    }
}
