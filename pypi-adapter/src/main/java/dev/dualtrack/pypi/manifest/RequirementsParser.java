package dev.dualtrack.pypi.manifest;

import dev.dualtrack.pypi.simple.ProjectName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * pip's requirements file format (pip's "Requirements File Format" reference): one requirement or option per
 * logical line, {@code \\} continuations, {@code #} comments, {@code -r}/{@code -c} includes relative to the
 * including file, {@code -i}/{@code --index-url}, {@code --extra-index-url}, {@code --hash}, {@code -e}.
 */
public final class RequirementsParser {
    private static final Pattern NAMED = Pattern.compile(
            "^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\\s*(\\[[^\\]]*\\])?\\s*"
            // PEP 508 version specifiers, optionally in the old parenthesised form
            + "(\\(?\\s*(?:(?:~=|===|==|!=|<=|>=|<|>)\\s*[A-Za-z0-9.*+!_-]+\\s*,?\\s*)*\\)?)\\s*"
            + "(@\\s*(\\S+))?\\s*(;.*)?$");

    /**
     * Everything a manifest (and the files it includes) says. {@code declared}: the requirements are a project's
     * declared ranges (pyproject.toml), which a lockfile pins, so they are not held to pins and hashes themselves.
     */
    public record Parsed(List<Requirement> requirements, List<IndexSetting> indexes, List<Problem> problems,
            boolean declared, boolean merged) {
        /** A requirements file: pip merges indexes as soon as there is an extra one. */
        public Parsed(List<Requirement> requirements, List<IndexSetting> indexes, List<Problem> problems) {
            this(requirements, indexes, problems, false, indexes.stream().anyMatch(IndexSetting::extra));
        }
    }

    /** A line pip would reject, or an include that cannot be followed. */
    public record Problem(Path file, int line, String text) {
    }

    /** An index URL and where it was set. */
    public record IndexSetting(Path file, int line, String url, boolean extra, boolean tlsUnverified) {
        public IndexSetting(Path file, int line, String url, boolean extra) {
            this(file, line, url, extra, false);
        }
    }

    private RequirementsParser() {
    }

    public static Parsed parse(Path file) throws IOException {
        List<Requirement> reqs = new ArrayList<>();
        List<IndexSetting> indexes = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        read(file, reqs, indexes, problems, new HashSet<>(), false);
        return new Parsed(reqs, indexes, problems);
    }

    private static void read(Path file, List<Requirement> reqs, List<IndexSetting> indexes, List<Problem> problems,
            Set<Path> seen, boolean constraints) throws IOException {
        Path real = file.toAbsolutePath().normalize();
        if (!seen.add(real)) {
            return;
        }
        List<String> raw = Files.readAllLines(file, StandardCharsets.UTF_8);
        StringBuilder logical = new StringBuilder();
        int start = 0;
        for (int i = 0; i < raw.size(); i++) {
            String line = raw.get(i);
            if (logical.length() == 0) {
                start = i + 1;
            }
            if (line.endsWith("\\")) {
                logical.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            logical.append(line);
            handle(file, start, logical.toString(), reqs, indexes, problems, seen, constraints);
            logical.setLength(0);
        }
        if (logical.length() > 0) {
            handle(file, start, logical.toString(), reqs, indexes, problems, seen, constraints);
        }
    }

    private static void handle(Path file, int line, String text, List<Requirement> reqs, List<IndexSetting> indexes,
            List<Problem> problems, Set<Path> seen, boolean constraints) throws IOException {
        String t = stripComment(text).strip();
        if (t.isEmpty()) {
            return;
        }
        List<String> tokens = List.of(t.split("\\s+"));
        String first = tokens.get(0);
        if (first.equals("-r") || first.equals("--requirement") || first.equals("-c") || first.equals("--constraint")
                || first.startsWith("--requirement=") || first.startsWith("--constraint=")) {
            String target = value(tokens, first);
            if (target == null) {
                problems.add(new Problem(file, line, first + " without a file"));
                return;
            }
            Path inc;
            try {
                inc = file.resolveSibling(target).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                problems.add(new Problem(file, line, "included file " + target + " is not a valid path"));
                return;
            }
            if (!Files.isRegularFile(inc)) {
                problems.add(new Problem(file, line, "included file " + target + " does not exist"));
                return;
            }
            read(inc, reqs, indexes, problems, seen, first.startsWith("-c") || first.startsWith("--constraint"));
            return;
        }
        if (first.equals("-i") || first.equals("--index-url") || first.startsWith("--index-url=")
                || first.equals("--extra-index-url") || first.startsWith("--extra-index-url=")) {
            String url = value(tokens, first);
            if (url != null) {
                indexes.add(new IndexSetting(file, line, url, first.startsWith("--extra")));
            }
            return;
        }
        if (first.startsWith("-") && !first.equals("-e") && !first.equals("--editable")) {
            return; // other options (--find-links, --pre, …) do not name packages
        }
        if (constraints) {
            return; // constraints narrow versions; they do not add requirements
        }
        boolean editable = first.equals("-e") || first.equals("--editable");
        String spec = editable ? t.substring(first.length()).strip() : t;
        List<String> hashes = new ArrayList<>();
        StringBuilder rest = new StringBuilder();
        for (String tok : spec.split("\\s+")) {
            if (tok.startsWith("--hash=")) {
                hashes.add(tok.substring("--hash=".length()));
            } else if (!tok.startsWith("--")) {
                rest.append(rest.length() == 0 ? "" : " ").append(tok);
            }
        }
        String r = rest.toString().strip();
        if (editable || r.contains("://") || r.startsWith(".") || r.startsWith("/") || r.startsWith("git+")) {
            Matcher m = NAMED.matcher(r);
            Optional<String> name = m.matches() && m.group(5) != null ? Optional.of(ProjectName.normalize(m.group(1)))
                    : Optional.empty();
            reqs.add(new Requirement(file, line, name, "", hashes, Optional.of(name.isPresent() ? m.group(5) : r), Optional.empty()));
            return;
        }
        Matcher m = NAMED.matcher(r);
        if (!m.matches()) {
            problems.add(new Problem(file, line, "not a requirement pip understands: " + r));
            return;
        }
        Optional<String> ref = Optional.ofNullable(m.group(5));
        reqs.add(new Requirement(file, line, Optional.of(ProjectName.normalize(m.group(1))),
                m.group(3) == null ? "" : m.group(3).strip(), hashes, ref, Optional.empty()));
    }

    /** A PEP 508 requirement string ({@code name[extra] >=1,<2 ; marker} or {@code name @ url}), if it is one. */
    static Optional<Requirement> pep508(Path file, int line, String text) {
        Matcher m = NAMED.matcher(text.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new Requirement(file, line, Optional.of(ProjectName.normalize(m.group(1))),
                m.group(3) == null ? "" : m.group(3).strip(), List.of(), Optional.ofNullable(m.group(5)),
                Optional.empty()));
    }

    private static String value(List<String> tokens, String first) {
        if (first.contains("=")) {
            return first.substring(first.indexOf('=') + 1);
        }
        return tokens.size() > 1 ? tokens.get(1) : null;
    }

    /** A {@code #} starts a comment at the start of a line or after whitespace (pip's rule). */
    private static String stripComment(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }
}
