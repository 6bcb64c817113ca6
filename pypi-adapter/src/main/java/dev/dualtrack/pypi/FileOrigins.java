package dev.dualtrack.pypi;

import dev.dualtrack.config.PypiConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where one index's file links may lead, and which of them get the index's credentials.
 *
 * <p>A page is an upstream answer, and an upstream answer does not pick what dualtrack connects to: a link to
 * {@code 169.254.169.254}, to another port of the index host, or to a {@code file:} URL would otherwise turn the
 * proxy into a way into the network it sits in. So a file is fetched only from
 * <ul>
 *   <li>the index's own origin (scheme, host and port), or</li>
 *   <li>a configured {@code file-hosts} entry ({@code files.pythonhosted.org} is implied for {@code pypi.org}),
 *       over https, or over http only when the index itself is http.</li>
 * </ul>
 * Credentials go only to the index's exact origin: not to a file host, not to another port, and never over a
 * downgrade from https to http.
 */
final class FileOrigins {
    private record Origin(String scheme, String host, int port) {
        static Optional<Origin> of(URI u) {
            if (u.getScheme() == null || u.getHost() == null || u.getRawUserInfo() != null) {
                return Optional.empty();
            }
            String scheme = u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                return Optional.empty();
            }
            return Optional.of(new Origin(scheme, FileOrigins.host(u.getHost()), u.getPort() >= 0 ? u.getPort()
                    : FileOrigins.port(scheme)));
        }
    }

    private record HostPort(String host, int port) {
    }

    private final Origin index;
    private final List<HostPort> fileHosts = new ArrayList<>();

    FileOrigins(PypiConfig.Upstream upstream) {
        this.index = Origin.of(upstream.url()).orElseThrow(() -> new IllegalArgumentException(
                "upstream " + upstream.name() + " has no http(s) origin"));
        List<String> entries = new ArrayList<>(upstream.fileHosts());
        if (index.host().equals("pypi.org")) {
            entries.add("files.pythonhosted.org");
        } else if (index.host().equals("test.pypi.org")) {
            entries.add("test-files.pythonhosted.org");
        }
        for (String e : entries) {
            URI u = URI.create("x://" + e);
            fileHosts.add(new HostPort(host(u.getHost()), u.getPort()));
        }
    }

    /** Why a link may not be fetched for this index, or empty when it may. */
    Optional<String> refusal(String link) {
        URI u;
        try {
            u = new URI(link);
        } catch (URISyntaxException e) {
            return Optional.of("the index linked a file to an unreadable URL");
        }
        Optional<Origin> o = Origin.of(u);
        if (o.isEmpty()) {
            return Optional.of("the index linked a file to a URL that is not plain http(s) with a host"
                    + (u.getScheme() == null ? "" : " (scheme '" + printable(u.getScheme()) + "')"));
        }
        Origin file = o.get();
        if (file.equals(index)) {
            return Optional.empty();
        }
        boolean schemeOk = file.scheme().equals("https") || index.scheme().equals("http");
        for (HostPort h : fileHosts) {
            if (h.host().equals(file.host()) && (h.port() < 0 ? file.port() == port(file.scheme()) : h.port() == file.port())
                    && schemeOk) {
                return Optional.empty();
            }
        }
        return Optional.of("the index linked a file to " + file.scheme() + "://" + printable(file.host()) + ":"
                + file.port() + ", which is neither the index's own origin nor one of its file-hosts");
    }

    /** Whether the index's credentials may go with a request to {@code link}: only to its exact origin. */
    boolean sendsCredentials(String link) {
        try {
            return Origin.of(new URI(link)).filter(index::equals).isPresent();
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String host(String h) {
        String s = h.toLowerCase(Locale.ROOT);
        return s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    }

    private static int port(String scheme) {
        return scheme.equals("https") ? 443 : 80;
    }

    private static String printable(String s) {
        return dev.dualtrack.pypi.simple.DistributionFilename.printable(s).replace("'", "");
    }
}
