package dev.dualtrack.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dualtrack.proxy.gate.Refusals;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.upstream.UpstreamException;
import dev.dualtrack.scanner.Verdict;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/**
 * Refusals in the Hub's dialect. huggingface_hub builds its exception text from {@code X-Error-Message} (and
 * picks the exception class from {@code X-Error-Code}); the JS client reads the JSON body's {@code error}. A
 * policy block is a 403 whose message names the rule, so the user sees why in the client's own error.
 */
public final class HubRefusals implements Refusals {
    public static final HubRefusals INSTANCE = new HubRefusals();
    private static final ObjectMapper JSON = new ObjectMapper();

    private HubRefusals() {
    }

    @Override
    public void refuse(Exchange ex, dev.dualtrack.proxy.gate.Refusal r) {
        ex.outcome("blocked");
        String message = "dualtrack blocked this file: " + r.verdict().rule() + ": " + r.verdict().reason();
        HttpHeaders h = Refusals.refusalHeaders(r);
        h.set("X-Error-Message", headerSafe(message));
        Map<String, Object> body = new java.util.LinkedHashMap<>(r.explanation());
        body.put("error", message); // what the JS client prints
        try {
            ex.respond(HttpResponseStatus.FORBIDDEN, "application/json", JSON.writeValueAsBytes(body), h);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void upstreamStatus(Exchange ex, int status, String detail) {
        HttpResponseStatus s = status >= 400 && status < 500 ? HttpResponseStatus.valueOf(status)
                : HttpResponseStatus.BAD_GATEWAY;
        answer(ex, s, "the Hub answered " + status + ": " + detail, null);
    }

    @Override
    public void upstreamFailed(Exchange ex, UpstreamException e) {
        HttpResponseStatus s = e.kind() == UpstreamException.Kind.TIMEOUT ? HttpResponseStatus.GATEWAY_TIMEOUT
                : HttpResponseStatus.BAD_GATEWAY;
        answer(ex, s, "dualtrack could not reach the Hub: " + e.getMessage(), null);
    }

    /** A JSON error with the message in {@code X-Error-Message} too; {@code extra} may carry X-Error-Code. */
    public static void answer(Exchange ex, HttpResponseStatus status, String message, HttpHeaders extra) {
        HttpHeaders h = new DefaultHttpHeaders();
        if (extra != null) {
            h.add(extra);
        }
        h.set("X-Error-Message", headerSafe(message));
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("error", message));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        ex.respond(status, "application/json", body, h);
    }

    /** One line of printable ASCII, bounded: header values cannot carry newlines, and clients print them whole. */
    static String headerSafe(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 1000));
        for (int i = 0; i < s.length() && b.length() < 1000; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : c == '\n' || c == '\t' ? ' ' : '?');
        }
        return b.toString();
    }
}
