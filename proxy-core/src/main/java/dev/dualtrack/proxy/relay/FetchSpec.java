package dev.dualtrack.proxy.relay;

import dev.dualtrack.proxy.gate.Refusal;
import dev.dualtrack.proxy.gate.Refusals;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.ops.DecisionRecorder;
import dev.dualtrack.proxy.upstream.UpstreamRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What an adapter asks the {@link BlobFetcher} to deliver: where to fetch a file, what it should hash to, how
 * to inspect it, and how to speak to the client.
 *
 * <pre>{@code
 * FetchSpec spec = FetchSpec.builder(subject, UpstreamRequest.get(fileUrl))
 *         .expectedSha256(shaFromIndex).hashMismatchRule("pypi.hash-mismatch").build();
 * fetcher.serve(exchange, spec);
 * }</pre>
 */
public record FetchSpec(
        Subject subject,
        UpstreamRequest upstream,
        Optional<String> expectedSha256,
        Supplier<Inspector> inspector,
        String hashMismatchRule,
        String redirectRule,
        Optional<RelayMode> mode,
        Refusals refusals,
        Function<HttpHeaders, HttpHeaders> clientHeaders,
        String contentType,
        String revision,
        Optional<String> version,
        Optional<GitBlob> expectedGitBlob,
        boolean fromSharedStore,
        String inspection,
        Optional<Runnable> secondHand) {

    /**
     * A git blob id to verify, for files whose source names them that way (the Hub's regular files):
     * {@code sha1("blob <size>\0" + bytes)} must equal {@code oid}, else the body is refused under {@code rule}.
     */
    public record GitBlob(String oid, long size, String rule) {
    }

    public FetchSpec {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(inspection, "inspection");
        Objects.requireNonNull(secondHand, "secondHand");
        expectedSha256 = expectedSha256.map(s -> s.toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * The same fetch with its bytes read from the fleet's shared store ({@code url}, presigned) instead of the
     * upstream: verified against the same expected hash and inspected the same way, so a tampered object in the
     * bucket is never served complete.
     */
    public FetchSpec fromSharedStore(java.net.URI url) {
        return new FetchSpec(subject, new dev.dualtrack.proxy.upstream.UpstreamRequest(
                io.netty.handler.codec.http.HttpMethod.GET, url, new DefaultHttpHeaders(),
                dev.dualtrack.proxy.upstream.RedirectPolicy.NONE), expectedSha256, inspector, hashMismatchRule,
                redirectRule, mode, refusals, clientHeaders, contentType, revision, version, expectedGitBlob, true,
                inspection, secondHand);
    }

    /** The key that collapses concurrent fetches: the expected hash when known, else the URL. */
    public String flightKey() {
        return expectedSha256.map(s -> "sha256:" + s).orElse("url:" + upstream.uri());
    }

    public String track() {
        return subject.track();
    }

    /**
     * Where the file comes from: track, project or repo, revision (the Hub's commit; PyPI files never change)
     * and path. What is learnt about bytes that were never seen whole (a block before the end, a hash mismatch)
     * is remembered here, never under the hash the source announced: anyone may announce anyone's hash.
     */
    public String location() {
        return locationKey(subject.track(), subject.artifact(), revision, subject.file());
    }

    public static String locationKey(String track, String artifact, String revision, String file) {
        return track + "\u0000" + artifact + "\u0000" + revision + "\u0000" + file;
    }

    public static Builder builder(Subject subject, UpstreamRequest upstream) {
        return new Builder(subject, upstream);
    }

    /** Copies the headers worth keeping from an upstream file response. */
    public static HttpHeaders defaultClientHeaders(HttpHeaders upstream) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (CharSequence name : new CharSequence[] {HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.ETAG,
                HttpHeaderNames.LAST_MODIFIED, HttpHeaderNames.CONTENT_DISPOSITION}) {
            String v = upstream.get(name);
            if (v != null) {
                h.set(name, v);
            }
        }
        return h;
    }

    public static final class Builder {
        private final Subject subject;
        private final UpstreamRequest upstream;
        private Optional<String> expectedSha256 = Optional.empty();
        private Supplier<Inspector> inspector = Inspector::none;
        private String hashMismatchRule = ProxyRules.HASH_MISMATCH;
        private String redirectRule = ProxyRules.REDIRECT_HOST;
        private Optional<RelayMode> mode = Optional.empty();
        private Refusals refusals = Refusals.PLAIN;
        private Function<HttpHeaders, HttpHeaders> clientHeaders = FetchSpec::defaultClientHeaders;
        private String contentType = "application/octet-stream";
        private String revision = "";
        private Optional<String> version = Optional.empty();
        private Optional<GitBlob> expectedGitBlob = Optional.empty();
        private String inspection = dev.dualtrack.proxy.cache.StoredVerdict.NOT_INSPECTED;
        private Optional<Runnable> secondHand = Optional.empty();

        private Builder(Subject subject, UpstreamRequest upstream) {
            this.subject = subject;
            this.upstream = upstream;
        }

        public Builder expectedSha256(String sha) {
            this.expectedSha256 = Optional.of(sha);
            return this;
        }

        public Builder expectedSha256(Optional<String> sha) {
            this.expectedSha256 = sha;
            return this;
        }

        /**
         * How the body is inspected, and the name of that inspection with its settings ({@code
         * scanner:<ScanPolicy.version()>}): a cached blob whose stored findings came from another inspection is
         * inspected again before it is served.
         */
        public Builder inspector(String inspection, Supplier<Inspector> s) {
            this.inspection = inspection;
            this.inspector = s;
            return this;
        }

        public Builder hashMismatchRule(String rule) {
            this.hashMismatchRule = rule;
            return this;
        }

        public Builder redirectRule(String rule) {
            this.redirectRule = rule;
            return this;
        }

        public Builder mode(RelayMode m) {
            this.mode = Optional.of(m);
            return this;
        }

        public Builder refusals(Refusals r) {
            this.refusals = r;
            return this;
        }

        public Builder clientHeaders(Function<HttpHeaders, HttpHeaders> f) {
            this.clientHeaders = f;
            return this;
        }

        public Builder contentType(String ct) {
            this.contentType = ct;
            return this;
        }

        /** The revision the file is served at, part of its {@link FetchSpec#location()}. */
        public Builder revision(String r) {
            this.revision = r;
            return this;
        }

        /** The release version (PyPI), which waivers may name. */
        public Builder version(Optional<String> v) {
            this.version = v;
            return this;
        }

        /** Verify the body against a git blob id too (or instead, when no sha256 is announced). */
        public Builder expectedGitBlob(Optional<GitBlob> b) {
            this.expectedGitBlob = b;
            return this;
        }

        /**
         * The expected digests came second-hand (another replica's metadata through the fleet's bucket), not from
         * the source itself: a body that does not match them is refused, but nothing is remembered against the
         * location, and {@code forget} drops the second-hand answer, so the next request asks the source.
         */
        public Builder secondHand(Runnable forget) {
            this.secondHand = Optional.of(forget);
            return this;
        }

        public FetchSpec build() {
            return new FetchSpec(subject, upstream, expectedSha256, inspector, hashMismatchRule, redirectRule, mode,
                    refusals, clientHeaders, contentType, revision, version, expectedGitBlob, false, inspection,
                    secondHand);
        }
    }
}
