package dev.dualtrack.proxy.relay;

import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.upstream.UpstreamException;
import dev.dualtrack.scanner.Verdict;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * How a track answers when it will not (or cannot) deliver a file, before any byte went out. Each adapter
 * speaks its clients' dialect: the Hub adapter adds {@code X-Error-Code} and {@code X-Error-Message} so
 * huggingface_hub raises the right exception; PyPI clients read the status and the text.
 */
public interface Refusals {

    /** A policy block: 403 with the rule and the reason. */
    void refuse(Exchange ex, Verdict verdict);

    /** The upstream answered {@code status} (not 200). */
    void upstreamStatus(Exchange ex, int status, String detail);

    /** The upstream could not be fetched. */
    void upstreamFailed(Exchange ex, UpstreamException error);

    /** Plain-text answers with the rule in {@code X-Dualtrack-Rule}. */
    Refusals PLAIN = new Refusals() {
        @Override
        public void refuse(Exchange ex, Verdict v) {
            HttpHeaders h = new DefaultHttpHeaders().set("X-Dualtrack-Rule", v.rule());
            ex.respond(HttpResponseStatus.FORBIDDEN, "text/plain; charset=utf-8",
                    ("dualtrack blocked this download: " + v.rule() + ": " + v.reason() + "\n")
                            .getBytes(StandardCharsets.UTF_8), h);
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
