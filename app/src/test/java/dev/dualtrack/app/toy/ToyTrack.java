package dev.dualtrack.app.toy;

import dev.dualtrack.config.RuleAction;
import dev.dualtrack.config.policy.Rule;
import dev.dualtrack.config.policy.TrackDefinition;
import dev.dualtrack.proxy.ProxyRuntime;
import dev.dualtrack.proxy.Track;
import dev.dualtrack.proxy.gate.Checked;
import dev.dualtrack.proxy.gate.Gate;
import dev.dualtrack.proxy.gate.Gates;
import dev.dualtrack.proxy.gate.Refusal;
import dev.dualtrack.proxy.gate.Refusals;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.relay.FetchSpec;
import dev.dualtrack.proxy.relay.KnownVerdicts;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.proxy.upstream.UpstreamException;
import dev.dualtrack.proxy.upstream.UpstreamRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A third track that exists only in tests, to prove a track needs nothing outside its own sources but one line
 * in {@code META-INF/services}: a toy index of a few files under {@code /toy/files/<name>}, each with the sha256
 * and upstream address the test gives it ({@link #INDEX}), its own two rules and its own way of refusing (451).
 */
public final class ToyTrack implements Track {
    public static final String NAME = "toy";
    public static final String FORBIDDEN_NAME = "toy.forbidden-name";
    public static final String HASH_MISMATCH = "toy.hash-mismatch";

    /** What the toy index lists: file name → where its bytes are and the sha256 they must have. */
    public static final Map<String, Entry> INDEX = new ConcurrentHashMap<>();

    public record Entry(URI upstream, String sha256) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TrackDefinition definition() {
        Rule.Scope mine = Rule.Scope.track(NAME);
        return new TrackDefinition(NAME, "/" + NAME, List.of(
                new Rule(FORBIDDEN_NAME, mine, RuleAction.BLOCK, false, "a toy file whose name says it is evil"),
                new Rule(HASH_MISMATCH, mine, RuleAction.BLOCK, true, "a toy file whose bytes are not the listed ones")));
    }

    @Override
    public Mounted mount(Context c) {
        ProxyRuntime runtime = c.runtime();
        Gates runner = new Gates(runtime.judge(), runtime.recorder());
        List<Gate<? super ToyFile>> gates = List.of(
                Gate.<ToyFile>of("name", r -> r.name().contains("evil")
                        ? Checked.block(FORBIDDEN_NAME, r.name() + " says it is evil") : Checked.pass()),
                runtime.fetcher().known().gate());
        return new Mounted(ex -> {
            String name = ex.path().startsWith("/toy/files/") ? ex.path().substring("/toy/files/".length()) : "";
            Entry e = INDEX.get(name);
            if (e == null) {
                ex.respondText(HttpResponseStatus.NOT_FOUND, "the toy index has no " + name + "\n");
                return;
            }
            Subject subject = new Subject(ex.clientAddress(), NAME, name, name, e.sha256());
            FetchSpec spec = FetchSpec.builder(subject, UpstreamRequest.get(e.upstream())).expectedSha256(e.sha256())
                    .hashMismatchRule(HASH_MISMATCH).refusals(DIALECT).build();
            ToyFile request = new ToyFile(ex, name, subject, spec);
            runner.run(request, gates, admitted -> runtime.fetcher().deliver(ex, spec, admitted));
        }, List.of("toy: " + INDEX.size() + " file(s)"));
    }

    /** The toy's request record. */
    record ToyFile(Exchange exchange, String name, Subject subject, FetchSpec spec) implements KnownVerdicts.Fetching {
        @Override
        public Optional<String> version() {
            return Optional.empty();
        }

        @Override
        public Refusals dialect() {
            return DIALECT;
        }
    }

    /** The toy's clients expect 451 and one line. */
    static final Refusals DIALECT = new Refusals() {
        @Override
        public void refuse(Exchange ex, Refusal r) {
            ex.outcome("blocked");
            ex.respond(HttpResponseStatus.valueOf(451), "text/plain; charset=utf-8", ("toy says no: "
                    + r.verdict().rule() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    Refusals.refusalHeaders(r));
        }

        @Override
        public void upstreamStatus(Exchange ex, int status, String detail) {
            ex.respondText(HttpResponseStatus.BAD_GATEWAY, "toy upstream said " + status + "\n");
        }

        @Override
        public void upstreamFailed(Exchange ex, UpstreamException error) {
            ex.respondText(HttpResponseStatus.BAD_GATEWAY, "toy upstream failed\n");
        }
    };
}
