package dev.dualtrack.provenance;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A wheel or sdist filename, parsed so two spellings of the same distribution compare equal: project names
 * normalised as PEP 503 says, and a wheel's compressed tag sets compared as sets (pip writes
 * {@code manylinux_2_17_x86_64.manylinux2014_x86_64}; an uploader may write them the other way round).
 */
record DistributionName(String project, String version, String build, Set<String> tags, String kind) {

    static DistributionName parse(String filename) throws ProvenanceException {
        String f = filename;
        if (f.endsWith(".whl")) {
            String[] parts = f.substring(0, f.length() - 4).split("-", -1);
            if (parts.length != 5 && parts.length != 6) {
                throw ProvenanceException.invalid("'" + filename + "' is not a wheel filename");
            }
            int t = parts.length - 3;
            Set<String> tags = new TreeSet<>();
            for (String py : parts[t].split("\\.")) {
                for (String abi : parts[t + 1].split("\\.")) {
                    for (String plat : parts[t + 2].split("\\.")) {
                        tags.add((py + "-" + abi + "-" + plat).toLowerCase(Locale.ROOT));
                    }
                }
            }
            return new DistributionName(normalize(parts[0]), parts[1].toLowerCase(Locale.ROOT),
                    parts.length == 6 ? parts[2] : "", tags, "wheel");
        }
        for (String ext : new String[] {".tar.gz", ".zip"}) {
            if (f.endsWith(ext)) {
                String stem = f.substring(0, f.length() - ext.length());
                int dash = stem.lastIndexOf('-');
                if (dash <= 0 || dash == stem.length() - 1) {
                    throw ProvenanceException.invalid("'" + filename + "' is not an sdist filename");
                }
                return new DistributionName(normalize(stem.substring(0, dash)),
                        stem.substring(dash + 1).toLowerCase(Locale.ROOT), "", Set.of(), "sdist" + ext);
            }
        }
        throw ProvenanceException.invalid("'" + filename + "' is neither a wheel nor an sdist");
    }

    static String normalize(String project) {
        return project.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-");
    }

    @Override
    public String toString() {
        return project + " " + version + (build.isEmpty() ? "" : " build " + build) + " " + kind + " "
                + Arrays.toString(tags.toArray());
    }
}
