package dev.dualtrack.proxy.upstream;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.URI;
import java.util.Objects;

/**
 * One request to an upstream. Headers given here are sent to the first host only: when a redirect leads to
 * another host, {@code Authorization} and {@code Cookie} are dropped, so a Hub token never reaches a CDN. A
 * {@code body} (small, in memory: a POSTed query such as the Hub's paths-info) goes with its Content-Length.
 */
public record UpstreamRequest(HttpMethod method, URI uri, HttpHeaders headers, RedirectPolicy redirects, byte[] body) {
    public UpstreamRequest(HttpMethod method, URI uri, HttpHeaders headers, RedirectPolicy redirects) {
        this(method, uri, headers, redirects, new byte[0]);
    }

    public UpstreamRequest {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(redirects, "redirects");
        String scheme = uri.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("upstream URL must be http or https: " + uri);
        }
    }

    public static UpstreamRequest get(URI uri) {
        return new UpstreamRequest(HttpMethod.GET, uri, new DefaultHttpHeaders(), RedirectPolicy.NONE);
    }

    public UpstreamRequest withRedirects(RedirectPolicy policy) {
        return new UpstreamRequest(method, uri, headers, policy, body);
    }
}
