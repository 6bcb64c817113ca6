package dev.dualtrack.app;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code dualtrack health}: asks a running dualtrack whether it is healthy, for container HEALTHCHECKs and
 * exec probes in images that carry no curl. Exit 0 when {@code /healthz} answers 200, 1 otherwise.
 */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = "Check a running dualtrack's /healthz (exit 0 healthy, 1 not).")
final class HealthCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080/healthz",
            description = "the health endpoint (default: ${DEFAULT-VALUE})")
    URI url;

    @Option(names = "--timeout", defaultValue = "5", description = "seconds to wait (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "ask the dualtrack this config runs (its listen address) instead of --url")
    java.nio.file.Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (config != null) {
            java.util.Optional<dev.dualtrack.config.DualtrackConfig> c = ConfigFiles.load(config,
                    spec.commandLine().getErr());
            if (c.isEmpty()) {
                return Main.EXIT_USAGE;
            }
            String host = c.get().listen().host();
            // A wildcard listener is reached on loopback from the same machine (or container).
            host = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host.contains(":") ? "[" + host + "]"
                    : host;
            url = URI.create("http://" + host + ":" + c.get().listen().port() + "/healthz");
        }
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(timeoutSeconds)).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(timeoutSeconds))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                spec.commandLine().getOut().println("healthy");
                return 0;
            }
            spec.commandLine().getErr().println("unhealthy: " + url + " answered " + r.statusCode());
        } catch (Exception e) {
            spec.commandLine().getErr().println("unhealthy: " + url + ": " + dev.dualtrack.proxy.ops.Causes.describe(e));
        }
        return 1;
    }
}
