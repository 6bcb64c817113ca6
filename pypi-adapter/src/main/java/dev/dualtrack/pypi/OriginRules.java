package dev.dualtrack.pypi;

import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.pypi.simple.ProjectName;
import java.util.List;
import java.util.Optional;

/**
 * Which upstreams may be asked about a project (G2). A reservation pins a project, or a PEP 752 namespace
 * ({@code acme} covers {@code acme} and {@code acme-*} after normalization, not {@code acmex}), to one
 * upstream; no other upstream is ever asked about it. Everything else is asked of the upstreams in order, and
 * the first that has the project owns it (uv's first-index rule, never pip's merge), so a name on an internal
 * index listed first is never looked up on PyPI either.
 */
public final class OriginRules {
    private final PypiConfig config;
    /** Every upstream, internal ones first: what an unreserved name is asked of (the same for every request). */
    private final List<PypiConfig.Upstream> unreserved;

    public OriginRules(PypiConfig config) {
        this.config = config;
        List<PypiConfig.Upstream> ordered = new java.util.ArrayList<>();
        config.upstreams().stream().filter(PypiConfig.Upstream::internal).forEach(ordered::add);
        config.upstreams().stream().filter(u -> !u.internal()).forEach(ordered::add);
        this.unreserved = List.copyOf(ordered);
    }

    /** The reservation that covers {@code project} (normalized), if any. */
    public Optional<PypiConfig.Reservation> reservation(String project) {
        for (PypiConfig.Reservation r : config.reserved()) {
            if (r.project().map(ProjectName::normalize).filter(project::equals).isPresent()) {
                return Optional.of(r);
            }
            if (r.namespace().map(ProjectName::normalize)
                    .filter(ns -> project.equals(ns) || project.startsWith(ns + "-")).isPresent()) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /**
     * The upstreams to ask, in order: internal ones first (in their configured order), then the others, so every
     * name an internal index has is reserved to it whatever order the config lists the indexes in.
     */
    public List<PypiConfig.Upstream> candidates(String project) {
        if (config.reserved().isEmpty()) {
            return unreserved;
        }
        Optional<PypiConfig.Reservation> r = reservation(project);
        if (r.isPresent()) {
            String owner = r.get().upstream();
            return config.upstreams().stream().filter(u -> u.name().equals(owner)).toList();
        }
        return unreserved;
    }
}
