package dev.dualtrack.proxy.gate;

import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.upstream.UpstreamException;
import dev.dualtrack.scanner.Verdict;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * How a track answers when it will not (or cannot) deliver a file, before any byte went out. Each adapter
 * speaks its clients' dialect: the Hub adapter adds {@code X-Error-Code} and {@code X-Error-Message} so
 * huggingface_hub raises the right exception; PyPI clients read the status and the text.
 */
public interface Refusals {

    /** A policy block: 403 with the rule and the reason, without a recorded decision. */
    default void refuse(Exchange ex, Verdict verdict) {
        refuse(ex, Refusal.of(verdict));
    }

    /** A policy block: 403 naming the rule and the decision, with the explanation as a JSON body. */
    void refuse(Exchange ex, Refusal refusal);

    /** The upstream answered {@code status} (not 200). */
    void upstreamStatus(Exchange ex, int status, String detail);

    /** The upstream could not be fetched. */
    void upstreamFailed(Exchange ex, UpstreamException error);

    /** The headers every refusal carries: the rule, and the decision id the audit line repeats. */
    static HttpHeaders refusalHeaders(Refusal r) {
        HttpHeaders h = new DefaultHttpHeaders().set("X-Dualtrack-Rule", r.verdict().rule());
        if (!r.decisionId().isEmpty()) {
            h.set("X-Dualtrack-Decision", r.decisionId());
        }
        return h;
    }

    /** The refusal's JSON explanation, one line. */
    static byte[] explanationJson(Refusal r) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(r.explanation());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The 403 status line of a refusal: pip and uv print only the status line of a failed download, so its reason
     * phrase names the rule and the decision (rule ids and decision ids are plain ASCII, safe in a status line).
     */
    static HttpResponseStatus forbidden(Refusal r) {
        String headline = headline(r.verdict().reason());
        return new HttpResponseStatus(403, "Blocked by dualtrack rule " + r.verdict().rule()
                + (headline.isEmpty() ? "" : ": " + headline)
                + (r.decisionId().isEmpty() ? "" : " (decision " + r.decisionId() + ")"));
    }

    /**
     * The first clause of a reason (up to its first {@code ;}), for a status line: printable ASCII only, at most
     * 160 characters. A vulnerability's is its advisory and the version to upgrade to.
     */
    static String headline(String reason) {
        int semi = reason.indexOf(';');
        String first = semi < 0 ? reason : reason.substring(0, semi);
        StringBuilder b = new StringBuilder();
        for (char c : first.strip().toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.length() <= 160 ? b.toString() : b.substring(0, 157) + "...";
    }

    /**
     * PyPI clients' dialect: pip and uv print the status line, so the rule is in its reason phrase; the body is JSON
     * with the human message under {@code error}, the rule in {@code X-Dualtrack-Rule}.
     */
    Refusals PLAIN = new Refusals() {
        @Override
        public void refuse(Exchange ex, Refusal r) {
            ex.outcome("blocked");
            ex.respond(forbidden(r), "application/json", explanationJson(r), refusalHeaders(r));
        }

        @Override
        public void upstreamStatus(Exchange ex, int status, String detail) {
            // Client errors of the upstream (404, 410…) mean the same thing here; server errors are ours to report.
            HttpResponseStatus s = status >= 400 && status < 500 ? HttpResponseStatus.valueOf(status)
                    : HttpResponseStatus.BAD_GATEWAY;
            ex.respondText(s, "upstream answered " + status + ": " + detail + "\n");
        }

        @Override
        public void upstreamFailed(Exchange ex, UpstreamException e) {
            HttpResponseStatus s = e.kind() == UpstreamException.Kind.TIMEOUT ? HttpResponseStatus.GATEWAY_TIMEOUT
                    : HttpResponseStatus.BAD_GATEWAY;
            ex.respondText(s, "upstream fetch failed (" + e.kind().name().toLowerCase(java.util.Locale.ROOT) + "): "
                    + e.getMessage() + "\n");
        }
    };
}
