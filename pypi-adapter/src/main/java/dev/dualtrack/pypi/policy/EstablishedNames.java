package dev.dualtrack.pypi.policy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A snapshot of the PyPI names that resemble a popular one but are established projects: they had been on PyPI
 * for weeks, past the point where PyPI's malware triage removes typosquats, when the snapshot was taken. It is the
 * typosquat rule's evidence where no upload times exist: {@code dualtrack scan} (a requirements file has no ages)
 * and indexes that publish none.
 *
 * <p>Only resembling names are kept (about 2 % of PyPI), so the resource stays small. It is rebuilt from a
 * name list by {@code scripts/refresh-established-names}, together with the popular list it was measured
 * against; the header records the snapshot date and the cut-off month.
 */
public final class EstablishedNames {
    static final String RESOURCE = "/dev/dualtrack/pypi/established-near-names.txt.gz";
    private final Set<String> names;
    private final String description;

    EstablishedNames(Set<String> names, String description) {
        this.names = Set.copyOf(names);
        this.description = description;
    }

    /** The snapshot shipped with dualtrack (read once); empty, and described so, when the resource is absent. */
    public static EstablishedNames builtIn() {
        return BuiltIn.INSTANCE;
    }

    private static final class BuiltIn {
        static final EstablishedNames INSTANCE = read();
    }

    private static EstablishedNames read() {
        InputStream in = EstablishedNames.class.getResourceAsStream(RESOURCE);
        if (in == null) {
            return new EstablishedNames(Set.of(), "no established-names snapshot");
        }
        Set<String> names = new HashSet<>();
        String description = "the established-names snapshot";
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(in),
                StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("# snapshot ")) {
                    String when = line.substring("# snapshot ".length()).strip();
                    description = "the established-names snapshot of " + when.split(",")[0];
                } else if (!line.isBlank() && !line.startsWith("#")) {
                    names.add(line.strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new EstablishedNames(names, description);
    }

    public boolean contains(String project) {
        return names.contains(project);
    }

    public int size() {
        return names.size();
    }

    /** Where the evidence comes from, for reasons: "the established-names snapshot of 2026-11-25". */
    public String description() {
        return description;
    }

    /**
     * Builds the snapshot: {@code main(names.tsv.gz, snapshot-date, cutoff-month, out.txt.gz)}. The input has
     * {@code name<TAB>YYYY-MM<TAB>rank} rows (the month of the newest release); a resembling name is kept when
     * its newest release is in {@code cutoff-month} or earlier.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: EstablishedNames NAMES.tsv.gz SNAPSHOT-DATE CUTOFF-MONTH OUT.txt.gz");
            System.exit(2);
        }
        TyposquatDetector detector = TyposquatDetector.withBuiltInList(Set.of());
        Set<String> kept = new TreeSet<>();
        int total = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                Files.newInputStream(Path.of(args[0]))), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.split("\t", -1);
                if (f.length < 2 || f[0].isEmpty()) {
                    continue;
                }
                total++;
                String name = dev.dualtrack.pypi.simple.ProjectName.normalize(f[0]);
                if (f[1].compareTo(args[2]) <= 0 && detector.resemblance(name).isPresent()) {
                    kept.add(name);
                }
            }
        }
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(Path.of(args[3])));
             Writer w = new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8)) {
            w.write("# PyPI names that resemble a popular project and had no release after the cut-off month:\n");
            w.write("# established projects, not typosquats in flight. Refresh: scripts/refresh-established-names.\n");
            w.write("# snapshot " + args[1] + ", cut-off " + args[2] + ", " + kept.size() + " of " + total
                    + " names\n");
            for (String n : kept) {
                w.write(n);
                w.write('\n');
            }
        }
        System.out.println("kept " + kept.size() + " of " + total + " names; wrote " + args[3] + " ("
                + Files.size(Path.of(args[3])) + " bytes)");
    }
}
