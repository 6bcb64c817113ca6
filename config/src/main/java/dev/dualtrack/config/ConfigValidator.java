package dev.dualtrack.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that span sections, after binding: references must name something that exists, and names that others
 * refer to must be unique. Checks within one record live in that record's constructor instead.
 */
final class ConfigValidator {
    private final YamlNode root;
    private final List<ConfigError> errors;

    ConfigValidator(YamlNode root, List<ConfigError> errors) {
        this.root = root;
        this.errors = errors;
    }

    void validate(DualtrackConfig config) {
        Map<String, Integer> upstreamIndex = new HashMap<>();
        List<PypiConfig.Upstream> upstreams = config.pypi().upstreams();
        for (int i = 0; i < upstreams.size(); i++) {
            Integer first = upstreamIndex.putIfAbsent(upstreams.get(i).name(), i);
            if (first != null) {
                error("pypi.upstreams[" + i + "].name", "upstream name '" + upstreams.get(i).name()
                        + "' is already used by pypi.upstreams[" + first + "]");
            }
        }
        List<PypiConfig.Reservation> reserved = config.pypi().reserved();
        for (int i = 0; i < reserved.size(); i++) {
            String target = reserved.get(i).upstream();
            if (!upstreamIndex.containsKey(target)) {
                error("pypi.reserved[" + i + "].upstream", "reservation names upstream '" + target
                        + "', but pypi.upstreams has no upstream of that name (known: "
                        + String.join(", ", upstreamIndex.keySet()) + ")");
            }
        }
        // A file the config names must be there: a firewall that silently lost its malicious-package feed, or its
        // CA bundle, is worse than one that does not start.
        config.pypi().maliciousFeed().ifPresent(f -> readable("pypi.malicious-feed.path", f.path(),
                "the malicious-package feed"));
        config.pypi().vulnerabilities().ifPresent(v -> readable("pypi.vulnerabilities.path", v.path(),
                "the vulnerability advisories"));
        config.upstreamClient().caFile().ifPresent(f -> readable("upstream-client.ca-file", f, "the CA bundle"));
        config.admin().ifPresent(admin -> {
            if (admin.port() != 0 && admin.port() == config.listen().port()) {
                error("admin.port", "admin port " + admin.port() + " is the same as listen.port");
            }
        });
    }

    private void readable(String key, java.nio.file.Path p, String what) {
        if (!java.nio.file.Files.exists(p)) {
            error(key, what + " " + p + " does not exist (a relative path is taken from the config file's folder)");
        } else if (!java.nio.file.Files.isReadable(p)) {
            error(key, what + " " + p + " cannot be read by this user");
        }
    }

    private void error(String path, String message) {
        errors.add(new ConfigError(YamlPaths.locate(root, path), path, message));
    }
}
