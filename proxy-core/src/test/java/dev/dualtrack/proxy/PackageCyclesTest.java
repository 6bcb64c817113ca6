package dev.dualtrack.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of proxy-core depend on each other without cycles: policy knows nothing of the recorder or the
 * relay, the gates' runner nothing of the relay. Read from the sources, imports and fully qualified names alike
 * (a name written out inline is a dependency too).
 */
class PackageCyclesTest {
    private static final Pattern REFERENCE = Pattern.compile("dev\\.dualtrack\\.proxy\\.([a-z]+\\.)?([A-Z]\\w*)");

    @Test
    void proxyCorePackagesFormNoCycle() throws IOException {
        Map<String, Set<String>> uses = dependencies(Path.of("src/main/java/dev/dualtrack/proxy"));
        assertThat(uses).containsKeys("gate", "policy", "relay", "ops");
        List<String> cycles = new ArrayList<>();
        for (String start : uses.keySet()) {
            findCycles(start, start, uses, new ArrayList<>(List.of(start)), cycles);
        }
        assertThat(cycles).as("package cycles").isEmpty();
        assertThat(uses.get("policy")).as("policy depends on nothing else in the proxy").isEmpty();
    }

    static Map<String, Set<String>> dependencies(Path root) throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Path rel = root.relativize(f);
                String pkg = rel.getNameCount() == 1 ? "(root)" : rel.getName(0).toString();
                Set<String> set = uses.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(Files.readString(f));
                while (m.find()) {
                    String target = m.group(1) == null ? "(root)" : m.group(1).substring(0, m.group(1).length() - 1);
                    if (!target.equals(pkg)) {
                        set.add(target);
                    }
                }
            }
        }
        return uses;
    }

    private static void findCycles(String start, String at, Map<String, Set<String>> uses, List<String> path,
            List<String> cycles) {
        for (String next : uses.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                cycles.add(String.join(" -> ", path) + " -> " + start);
            } else if (!path.contains(next) && next.compareTo(start) > 0) {
                path.add(next);
                findCycles(start, next, uses, path, cycles);
                path.remove(path.size() - 1);
            }
        }
    }
}
