package dev.dualtrack.proxy;

import dev.dualtrack.config.Secrets;
import dev.dualtrack.config.policy.TrackDefinition;
import dev.dualtrack.proxy.server.Route;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A proxy track, as its module supplies it: the {@link TrackDefinition} the layers below know (name, prefix,
 * rules), and its routes, built for one runtime. The app mounts every track registered in
 * {@code META-INF/services/dev.dualtrack.config.policy.TrackDefinition$Provider}; adding a track is its module
 * and that one line.
 */
public interface Track extends TrackDefinition.Provider {
    /** What a track is built from. */
    record Context(ProxyRuntime runtime, Secrets secrets, Clock clock, Executor verifyOn) {
    }

    /**
     * A track ready to serve: its route, and what it tells the operator at start (one line per concern, never a
     * secret).
     */
    record Mounted(Route route, List<String> summary, java.util.Map<String, Route> admin) {
        public Mounted {
            summary = List.copyOf(summary);
            admin = java.util.Map.copyOf(admin);
        }

        public Mounted(Route route, List<String> summary) {
            this(route, summary, java.util.Map.of());
        }
    }

    /** Builds the track's routes for {@code context.runtime()}; called once, at start. */
    Mounted mount(Context context);

    /** The registered tracks that have routes, in the order of {@link dev.dualtrack.config.policy.Tracks}. */
    static List<Track> registered() {
        List<String> order = dev.dualtrack.config.policy.Tracks.all().stream().map(TrackDefinition::name).toList();
        return dev.dualtrack.config.policy.Tracks.providers().stream().filter(Track.class::isInstance)
                .map(Track.class::cast).sorted(java.util.Comparator.comparingInt(t -> order.indexOf(t.name())))
                .toList();
    }
}
