package dev.dualtrack.pypi.vuln;

import dev.dualtrack.config.PypiConfig.Severity;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One OSV record as it concerns one PyPI project: its id and aliases (CVE, GHSA), a one-line summary, its
 * severity when the record gives one, and which versions it affects ({@code ECOSYSTEM} ranges and explicit
 * versions).
 */
public record Advisory(String id, List<String> aliases, String summary, Optional<Severity> severity,
        List<Range> ranges, Set<String> versions, Set<Pep440Version> parsedVersions) {

    public Advisory {
        aliases = List.copyOf(aliases);
        ranges = List.copyOf(ranges);
        versions = Set.copyOf(versions);
        parsedVersions = Set.copyOf(parsedVersions);
    }

    /** With the listed versions parsed once, here. */
    public Advisory(String id, List<String> aliases, String summary, Optional<Severity> severity, List<Range> ranges,
            Set<String> versions) {
        this(id, aliases, summary, severity, ranges, versions, versions.stream().map(Pep440Version::parse)
                .flatMap(Optional::stream).collect(java.util.stream.Collectors.toSet()));
    }

    /** An {@code ECOSYSTEM} range: its events, in version order. */
    public record Range(List<Event> events) {
        public Range {
            events = List.copyOf(events);
        }
    }

    public enum Kind { INTRODUCED, FIXED, LAST_AFFECTED, LIMIT }

    /** {@code version} is empty for {@code introduced: "0"}: before every version. */
    public record Event(Kind kind, Optional<Pep440Version> version) {
    }

    /** Whether this record is {@code name}, by its id or one of its aliases (case-insensitive). */
    public boolean isCalled(String name) {
        return id.equalsIgnoreCase(name) || aliases.stream().anyMatch(a -> a.equalsIgnoreCase(name));
    }

    /** {@code PYSEC-2019-217 (CVE-2019-10906, GHSA-462w-v97r-4m45)}. */
    public String label() {
        return aliases.isEmpty() ? id : id + " (" + String.join(", ", aliases) + ")";
    }

    /**
     * Whether {@code version} is affected, and if so the lowest version that fixes it (empty: none known). A
     * version that is not PEP 440 is affected only when listed.
     */
    public Optional<Optional<Pep440Version>> affects(String version) {
        return affects(version, Pep440Version.parse(version));
    }

    /** As {@link #affects(String)}, with the version already parsed (a page asks for many advisories). */
    public Optional<Optional<Pep440Version>> affects(String version, Optional<Pep440Version> v) {
        boolean listed = versions.contains(version) || v.isPresent() && parsedVersions.contains(v.get());
        Optional<Pep440Version> fix = Optional.empty();
        boolean inRange = false;
        if (v.isPresent()) {
            for (Range r : ranges) {
                if (inRange(r, v.get())) {
                    inRange = true;
                    fix = lowest(fix, fixedAbove(r, v.get()));
                }
            }
        }
        if (!listed && !inRange) {
            return Optional.empty();
        }
        if (fix.isEmpty() && v.isPresent()) {
            // Listed only: the range's fixed version above it, when the record has one.
            for (Range r : ranges) {
                fix = lowest(fix, fixedAbove(r, v.get()));
            }
        }
        return Optional.of(fix);
    }

    /**
     * OSV's evaluation: walking the events in version order, the version is affected when the last event at or
     * below it is an {@code introduced} ({@code last_affected} counts only strictly below), and it is below every
     * {@code limit}.
     */
    static boolean inRange(Range r, Pep440Version v) {
        boolean affected = false;
        for (Event e : r.events()) {
            if (e.kind() == Kind.LIMIT) {
                if (e.version().isPresent() && v.compareTo(e.version().get()) >= 0) {
                    return false;
                }
                continue;
            }
            boolean reached = e.version().isEmpty() || (e.kind() == Kind.LAST_AFFECTED
                    ? v.compareTo(e.version().get()) > 0 : v.compareTo(e.version().get()) >= 0);
            if (reached) {
                affected = e.kind() == Kind.INTRODUCED;
            }
        }
        return affected;
    }

    private static Optional<Pep440Version> fixedAbove(Range r, Pep440Version v) {
        return r.events().stream().filter(e -> e.kind() == Kind.FIXED && e.version().isPresent())
                .map(e -> e.version().get()).filter(f -> f.compareTo(v) > 0).min(Pep440Version::compareTo);
    }

    private static Optional<Pep440Version> lowest(Optional<Pep440Version> a, Optional<Pep440Version> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return a.get().compareTo(b.get()) <= 0 ? a : b;
    }
}
