package dev.dualtrack.proxy.upstream;

import java.net.URI;

/** URLs as they may appear in logs and messages: no credentials, no query (signed CDN URLs carry tokens there). */
public final class Urls {
    private Urls() {
    }

    /**
     * {@code https://user:pw@cdn.example/x?X-Amz-Signature=…} → {@code https://cdn.example/x?…}.
     *
     * <pre>{@code
     * LOG.warn("cannot cache {}", Urls.redact(request.uri()));
     * }</pre>
     */
    public static String redact(URI u) {
        if (u == null) {
            return "(none)";
        }
        if (u.getHost() == null) {
            return "(unreadable URL)";
        }
        StringBuilder b = new StringBuilder();
        if (u.getScheme() != null) {
            b.append(u.getScheme()).append("://");
        }
        b.append(u.getHost().contains(":") && !u.getHost().startsWith("[") ? "[" + u.getHost() + "]" : u.getHost());
        if (u.getPort() >= 0) {
            b.append(':').append(u.getPort());
        }
        b.append(u.getRawPath() == null ? "" : u.getRawPath());
        if (u.getRawQuery() != null) {
            b.append("?…");
        }
        return b.toString();
    }
}
