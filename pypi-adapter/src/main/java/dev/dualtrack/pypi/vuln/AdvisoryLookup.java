package dev.dualtrack.pypi.vuln;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.server.Route;
import dev.dualtrack.pypi.simple.ProjectName;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code GET /-/advisories/<project>[/<version>]} on the admin listener: the advisories loaded for a project,
 * whether each affects the version asked about and what fixes it, and the state of the source (how many records,
 * loaded when, how old). What an operator asks when a developer says "why can't I install this?".
 */
public final class AdvisoryLookup implements Route {
    public static final String PREFIX = "/-/advisories";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Optional<VulnerabilityRule> rule;

    public AdvisoryLookup(Optional<VulnerabilityRule> rule) {
        this.rule = rule;
    }

    @Override
    public void handle(Exchange ex) {
        if (rule.isEmpty()) {
            ex.respondText(HttpResponseStatus.NOT_FOUND, "pypi.vulnerabilities is not configured\n");
            return;
        }
        String[] parts = ex.path().substring(PREFIX.length()).replaceFirst("^/", "").split("/", -1);
        if (parts.length < 1 || parts.length > 2 || !ProjectName.isValid(parts[0])) {
            ex.respondText(HttpResponseStatus.NOT_FOUND, "expected " + PREFIX + "/<project>[/<version>]\n");
            return;
        }
        String project = ProjectName.normalize(parts[0]);
        Optional<String> version = parts.length == 2 && !parts[1].isEmpty() ? Optional.of(parts[1]) : Optional.empty();
        AdvisorySource.Snapshot s = rule.get().source().snapshot();
        ObjectNode out = JSON.createObjectNode().put("project", project);
        version.ifPresent(v -> out.put("version", v));
        out.putObject("source").put("records", s.records()).put("projects", s.projects())
                .put("unreadable", s.unreadable()).put("loaded_at", s.loadedAt().toString())
                .put("newest_record", s.sourceModified().toString());
        java.util.Set<String> acting = new java.util.HashSet<>();
        version.ifPresent(v -> rule.get().hits(project, v).forEach(h -> acting.add(h.advisory().id())));
        ArrayNode list = out.putArray("advisories");
        for (Advisory a : rule.get().source().of(project)) {
            ObjectNode n = list.addObject().put("id", a.id());
            a.aliases().forEach(n.putArray("aliases")::add);
            n.put("summary", a.summary());
            n.put("severity", a.severity().map(x -> x.name().toLowerCase(Locale.ROOT)).orElse("unknown"));
            version.ifPresent(v -> {
                Optional<Optional<Pep440Version>> affected = a.affects(v);
                n.put("affects", affected.isPresent());
                affected.flatMap(f -> f).ifPresent(f -> n.put("fixed", f.toString()));
                n.put("acted_on", acting.contains(a.id()));
            });
        }
        try {
            ex.respond(HttpResponseStatus.OK, "application/json", JSON.writeValueAsBytes(out), null);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
