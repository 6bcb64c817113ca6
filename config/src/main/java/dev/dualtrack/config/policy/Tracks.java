package dev.dualtrack.config.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Every track this process knows: the built-in ones ({@code pypi}, {@code hf}), then those registered through
 * {@link TrackDefinition.Provider} in the order the class path gives them. Waivers, the rule registry, the
 * router's metric labels and the metrics priming read this list; nothing below the tracks names one.
 */
public final class Tracks {
    private static final List<String> BUILT_IN = List.of(TrackDefinition.PYPI, TrackDefinition.HF);

    private Tracks() {
    }

    /** Loaded on first use, never during another class's initialization. */
    private static final class Loaded {
        static final List<TrackDefinition.Provider> PROVIDERS = ServiceLoader.load(TrackDefinition.Provider.class)
                .stream().map(ServiceLoader.Provider::get).toList();
        static final List<TrackDefinition> ALL = all();

        private static List<TrackDefinition> all() {
            Map<String, TrackDefinition> byName = new LinkedHashMap<>();
            BUILT_IN.forEach(n -> byName.put(n, TrackDefinition.builtIn(n)));
            for (TrackDefinition t : registered()) {
                if (byName.putIfAbsent(t.name(), t) != null) {
                    throw new IllegalStateException("track " + t.name() + " is registered twice");
                }
            }
            return List.copyOf(byName.values());
        }
    }

    /** Every track: built in first. */
    public static List<TrackDefinition> all() {
        return Loaded.ALL;
    }

    public static Set<String> names() {
        Set<String> names = new java.util.LinkedHashSet<>();
        all().forEach(t -> names.add(t.name()));
        return names;
    }

    /** Every registered provider, the built-in tracks' included (the app mounts the ones that are proxy tracks). */
    public static List<TrackDefinition.Provider> providers() {
        return Loaded.PROVIDERS;
    }

    /** The tracks registered from elsewhere than this module: their definitions, with their own rules. */
    static List<TrackDefinition> registered() {
        List<TrackDefinition> out = new ArrayList<>();
        for (TrackDefinition.Provider p : Loaded.PROVIDERS) {
            if (!BUILT_IN.contains(p.name())) {
                TrackDefinition t = p.definition();
                if (!t.name().equals(p.name())) {
                    throw new IllegalStateException(p.getClass().getName() + " names itself " + p.name()
                            + " but defines track " + t.name());
                }
                out.add(t);
            }
        }
        return out;
    }
}
