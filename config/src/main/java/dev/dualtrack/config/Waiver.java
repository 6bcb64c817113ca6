package dev.dualtrack.config;

import dev.dualtrack.config.policy.Rule;
import dev.dualtrack.config.policy.RuleRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A dated exception: one blocked artifact served anyway, with a reason, until it expires. It names a track and at
 * least one of a project or repo ({@code *} globs), a version, a file, or a sha256 (the safest: exactly those
 * bytes), and may narrow itself to some rules. It never covers an integrity rule. {@code advisory} (an OSV id or
 * an alias: CVE, GHSA, PYSEC) covers rule {@code pypi.vulnerable} for that one advisory only.
 *
 * @param expires a date ({@code 2027-01-31}, meaning its start in UTC) or a UTC date-time; from that instant on
 *                the waiver no longer applies
 */
public record Waiver(
        String track,
        Optional<String> project,
        Optional<String> version,
        Optional<String> file,
        Optional<String> sha256,
        Optional<String> advisory,
        @Default("[]") List<String> rules,
        String reason,
        String expires,
        Optional<String> ticket,
        Optional<String> approvedBy) {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** What a suggested waiver has where a person must write (see {@code Refusal#waiverSnippet}). */
    public static final String PLACEHOLDER = "REPLACE";

    public Waiver {
        if (!dev.dualtrack.config.policy.Tracks.names().contains(track)) {
            throw new IllegalArgumentException("a waiver's track is one of " + String.join(", ",
                    dev.dualtrack.config.policy.Tracks.names()) + " (was '" + track + "')");
        }
        if (project.isEmpty() && file.isEmpty() && sha256.isEmpty() && advisory.isEmpty()) {
            throw new IllegalArgumentException("a waiver names at least one of project, file, sha256 or advisory "
                    + "(sha256 is the safest: it covers exactly those bytes)");
        }
        if (advisory.isPresent() && !rules.isEmpty() && !rules.equals(List.of("pypi.vulnerable"))) {
            throw new IllegalArgumentException("a waiver that names an advisory covers rule pypi.vulnerable only");
        }
        if (advisory.isPresent()) {
            rules = List.of("pypi.vulnerable");
        }
        advisory.ifPresent(a -> {
            if (!a.matches("[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("an advisory is an OSV id or alias (PYSEC-2024-1, CVE-2024-1234, "
                        + "GHSA-xxxx-xxxx-xxxx), was '" + a + "'");
            }
        });
        sha256.ifPresent(s -> {
            if (!SHA256.matcher(s).matches()) {
                throw new IllegalArgumentException("a waiver's sha256 is 64 lower-case hex digits");
            }
        });
        if (reason.isBlank()) {
            throw new IllegalArgumentException("a waiver needs a reason");
        }
        // A refusal's suggested waiver says REPLACE where a person must write something: pasted unedited, it would
        // put a waiver nobody reasoned about in force.
        if (reason.trim().toUpperCase(java.util.Locale.ROOT).startsWith(PLACEHOLDER)) {
            throw new IllegalArgumentException("the waiver's reason is still the placeholder '" + reason + "': say "
                    + "why this artifact is safe to serve");
        }
        if (ticket.filter(t -> t.trim().toUpperCase(java.util.Locale.ROOT).startsWith(PLACEHOLDER)).isPresent()) {
            throw new IllegalArgumentException("the waiver's ticket is still the placeholder 'REPLACE': name the "
                    + "ticket or review that approved it, or leave ticket out");
        }
        for (String id : rules) {
            Optional<Rule> r = RuleRegistry.find(id);
            if (r.isEmpty()) {
                throw new IllegalArgumentException("a waiver names unknown rule '" + id + "'" + RuleRegistry.nearest(id)
                        .map(n -> " (did you mean '" + n + "'?)").orElse(""));
            }
            if (r.get().integrity()) {
                throw new IllegalArgumentException("rule '" + id + "' guards integrity: no waiver covers it");
            }
        }
        expiry(expires);
    }

    /** The instant this waiver stops applying. */
    public Instant expiry() {
        return expiry(expires);
    }

    private static Instant expiry(String text) {
        try {
            return text.contains("T") ? Instant.parse(text)
                    : java.time.LocalDate.parse(text).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("expires must be a date like 2027-01-31 or a UTC time like "
                    + "2027-01-31T12:00:00Z (was '" + text + "')");
        }
    }

    /** A short name for audit lines and metrics: the ticket if any, else what it names. */
    public String label() {
        return ticket.orElseGet(() -> track + ":" + sha256.or(() -> project).or(() -> file).or(() -> advisory)
                .orElse("?"));
    }
}
