package dev.dualtrack.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Track 1: the package indexes behind {@code /pypi/simple/} and the rules applied to them.
 *
 * <p>Upstreams are tried in order, one origin per project (the first upstream that has the project owns it).
 * A reservation pins a project, or a PEP 752 namespace, to one named upstream; no other upstream is ever asked
 * about it.
 */
public record PypiConfig(
        @Default("[{name: pypi, url: 'https://pypi.org/simple/'}]") List<Upstream> upstreams,
        @Default("[]") List<Reservation> reserved,
        Typosquat typosquat,
        Optional<MaliciousFeed> maliciousFeed,
        Optional<Vulnerabilities> vulnerabilities,
        MinReleaseAge minReleaseAge,
        @Default("[]") List<ProvenanceRequirement> provenance,
        @Default("warn") RuleAction provenanceRegressed) {

    public PypiConfig {
        if (upstreams.isEmpty()) {
            throw new IllegalArgumentException("upstreams needs at least one index");
        }
    }

    /**
     * One package index. {@code internal: true} reserves every project it serves (G2).
     *
     * <p>{@code file-hosts} lists where its pages may send file downloads, as {@code host} or {@code host:port}
     * (https, or http when the index itself is http). The index's own origin is always allowed, and
     * {@code pypi.org} implies {@code files.pythonhosted.org}. A link anywhere else (another port, a metadata
     * address, a private network) is never fetched: pages are upstream answers, and upstream answers are not
     * trusted to pick what dualtrack connects to.
     */
    public record Upstream(
            String name,
            URI url,
            @Default("false") boolean internal,
            Optional<Auth> auth,
            @Default("[]") List<String> fileHosts,
            Optional<Boolean> publicRules) {
        public Upstream {
            if (!name.matches("[a-z0-9][a-z0-9_-]*")) {
                throw new IllegalArgumentException("upstream name '" + name
                        + "' must be lower-case letters, digits, '-' or '_'");
            }
            for (String h : fileHosts) {
                if (!h.matches("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?")) {
                    throw new IllegalArgumentException("file-hosts entry '" + h + "' must be a host or host:port, "
                            + "without a scheme, credentials or path");
                }
            }
        }

        /**
         * Whether the rules that judge public sources (typosquat, release age, the malicious feed by name) apply to
         * this index: {@code public-rules}, by default true for a public index and false for an internal one.
         */
        public boolean appliesPublicRules() {
            return publicRules.orElse(!internal);
        }
    }

    /**
     * Credentials for an upstream, read from environment variables at request time: either a bearer token or
     * a user name and password for HTTP basic auth.
     */
    public record Auth(Optional<String> bearerEnv, Optional<String> usernameEnv, Optional<String> passwordEnv) {
        public Auth {
            boolean basic = usernameEnv.isPresent() || passwordEnv.isPresent();
            if (bearerEnv.isPresent() == basic) {
                throw new IllegalArgumentException("auth takes either bearer-env, or username-env with password-env");
            }
            if (basic && (usernameEnv.isEmpty() || passwordEnv.isEmpty())) {
                throw new IllegalArgumentException("basic auth needs both username-env and password-env");
            }
        }
    }

    /** A project ({@code project: torchtriton}) or PEP 752 namespace ({@code namespace: acme}) owned by one upstream. */
    public record Reservation(Optional<String> namespace, Optional<String> project, String upstream) {
        public Reservation {
            if (namespace.isPresent() == project.isPresent()) {
                throw new IllegalArgumentException("a reservation names exactly one of namespace or project");
            }
        }
    }

    /**
     * A project whose name resembles a popular one is judged by its evidence: one whose first upload is younger
     * than {@code established-after} is refused under {@code action}; an older one is an established project and
     * passes. Where the index gives no upload times, a name in the built-in established-names snapshot passes and
     * any other takes {@code when-unknown}.
     */
    public record Typosquat(
            @Default("block") RuleAction action,
            @Default("[]") List<String> exempt,
            @Default("90d") Duration establishedAfter,
            @Default("block") RuleAction whenUnknown) {
        /** The rule as a configuration without a {@code typosquat} section has it. */
        public static Typosquat defaults() {
            return new Typosquat(RuleAction.BLOCK, List.of(), Duration.ofDays(90), RuleAction.BLOCK);
        }
    }

    /**
     * Known vulnerabilities: OSV records (a folder of JSON or YAML, nested in any layout, such as the PyPA
     * advisory database or osv.dev's, or osv.dev's {@code PyPI/all.zip}), re-read when they change. A release an
     * advisory affects is yanked on the page (resolvers pick the newest unaffected one; a pin to it is refused
     * with the advisory and the version to upgrade to) and its files refused, under rule {@code pypi.vulnerable}.
     *
     * @param minSeverity   advisories below it are not acted on
     * @param whenUnknown   the severity of an advisory that states none
     * @param onlyWhenFixed act only when a fixed version exists, so nobody is left without an install
     * @param ignore        advisories (by id or alias) not acted on, each with its reason
     */
    public record Vulnerabilities(
            Path path,
            @Default("block") RuleAction action,
            @Default("low") Severity minSeverity,
            @Default("medium") Severity whenUnknown,
            @Default("false") boolean onlyWhenFixed,
            @Default("[]") List<IgnoredAdvisory> ignore) {
        public Vulnerabilities {
            ignore = List.copyOf(ignore);
        }
    }

    /** CVSS's qualitative ratings (v3.1: low 0.1–3.9, medium 4.0–6.9, high 7.0–8.9, critical 9.0–10.0). */
    public enum Severity { LOW, MEDIUM, HIGH, CRITICAL }

    /** An advisory not acted on: its id or an alias (CVE, GHSA, PYSEC), and why. */
    public record IgnoredAdvisory(String id, String reason) {
        public IgnoredAdvisory {
            if (reason.isBlank()) {
                throw new IllegalArgumentException("an ignored advisory needs a reason");
            }
        }
    }

    /** OSV records in the ossf/malicious-packages layout ({@code osv/malicious/pypi/<name>/MAL-*.json}). */
    public record MaliciousFeed(Path path, @Default("block") RuleAction action) {
    }

    /**
     * Hide files younger than {@code age}, judged by the index's upload time (PEP 700), and, with
     * {@code exclude-newer}, files uploaded after that instant (an ISO 8601 date or time, as uv's exclude-newer).
     * {@code when-unknown} decides for files whose index gives no upload time.
     */
    public record MinReleaseAge(
            @Default("72h") Duration age,
            @Default("off") RuleAction action,
            @Default("[]") List<String> exempt,
            Optional<String> excludeNewer,
            @Default("block") UnknownUploadTime whenUnknown) {
        public MinReleaseAge {
            excludeNewer.ifPresent(MinReleaseAge::parseInstant);
        }

        /** {@code 2026-01-31} (midnight UTC) or {@code 2026-01-31T12:00:00Z}. */
        public static java.time.Instant parseInstant(String text) {
            try {
                return text.contains("T") ? java.time.Instant.parse(text)
                        : java.time.LocalDate.parse(text).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("exclude-newer must be an ISO 8601 date or UTC time, like "
                        + "2026-01-31 or 2026-01-31T12:00:00Z (was '" + text + "')");
            }
        }
    }

    /**
     * Projects ({@code *} globs, normalised names) whose files must carry a PEP 740 attestation by this publisher.
     * The first matching entry decides.
     */
    public record ProvenanceRequirement(String project, Publisher publisher) {
    }

    /**
     * Who must have attested: a PyPI Trusted Publisher ({@code github}: repository and workflow file;
     * {@code gitlab}: repository and workflow-filepath; {@code google}: the service account email), or any Sigstore
     * {@code identity} (the certificate's email or URI) with its OIDC {@code issuer}. A GitHub workflow run for a
     * pull request is refused unless {@code allow-pull-requests: true}.
     */
    public record Publisher(PublisherKind kind, Optional<String> repository, Optional<String> workflow,
            Optional<String> workflowFilepath, Optional<String> email, Optional<String> identity,
            Optional<String> issuer, @Default("false") boolean allowPullRequests) {
        public Publisher {
            String missing = switch (kind) {
                case GITHUB -> repository.isEmpty() || workflow.isEmpty() ? "repository and workflow" : null;
                case GITLAB -> repository.isEmpty() || workflowFilepath.isEmpty()
                        ? "repository and workflow-filepath" : null;
                case GOOGLE -> email.isEmpty() ? "email" : null;
                case IDENTITY -> identity.isEmpty() || issuer.isEmpty() ? "identity and issuer" : null;
            };
            if (missing != null) {
                throw new IllegalArgumentException("a " + kind.name().toLowerCase(java.util.Locale.ROOT)
                        + " publisher needs " + missing);
            }
            repository.ifPresent(r -> {
                if (!r.matches("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+")) {
                    throw new IllegalArgumentException("publisher repository '" + r + "' must be owner/name");
                }
            });
        }
    }

    public enum PublisherKind { GITHUB, GITLAB, GOOGLE, IDENTITY }

    /** What to do with a file whose index gives no upload time while the release-age rule is on. */
    public enum UnknownUploadTime { BLOCK, ALLOW }
}
