package dev.dualtrack.proxy.upstream;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Which redirect targets the upstream client may follow. The adapter owns the decision: the Hub adapter allows
 * its CDN hosts, PyPI allows files.pythonhosted.org. A refused target fails the fetch with {@link
 * UpstreamException.Kind#REDIRECT_REFUSED}; the client is never handed the Location.
 */
@FunctionalInterface
public interface RedirectPolicy {
    /** Follow nothing: a 3xx is a failure. */
    RedirectPolicy NONE = target -> false;

    /**
     * Follows redirects within the origin; a redirect to any other host is not followed and not a failure: it
     * is handed to the listener as the response, so the caller can read its headers (the Hub's HEAD contract is
     * on the 302 to its CDN) and judge its Location itself.
     */
    RedirectPolicy STOP_AT_OTHER_HOSTS = new RedirectPolicy() {
        @Override
        public boolean allows(URI target) {
            return false;
        }

        @Override
        public String toString() {
            return "STOP_AT_OTHER_HOSTS";
        }
    };

    boolean allows(URI target);

    /** Allows targets on the given hosts (case-insensitive, optionally {@code host:port}) over https or http. */
    static RedirectPolicy toHosts(Set<String> hosts) {
        Set<String> lower = hosts.stream().map(h -> h.toLowerCase(Locale.ROOT))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        return target -> {
            if (target.getHost() == null) {
                return false;
            }
            String host = target.getHost().toLowerCase(Locale.ROOT);
            return lower.contains(host) || (target.getPort() > 0 && lower.contains(host + ":" + target.getPort()));
        };
    }
}
