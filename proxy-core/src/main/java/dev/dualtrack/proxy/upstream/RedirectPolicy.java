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
