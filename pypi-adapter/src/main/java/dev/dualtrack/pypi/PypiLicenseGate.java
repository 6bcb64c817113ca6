package dev.dualtrack.pypi;

import com.github.benmanes.caffeine.cache.Cache;
import dev.dualtrack.config.LicensesConfig;
import dev.dualtrack.licenses.CoreMetadataLicense;
import dev.dualtrack.licenses.DeclaredLicense;
import dev.dualtrack.licenses.LicensePolicy;
import dev.dualtrack.proxy.gate.Checked;
import dev.dualtrack.proxy.upstream.BodyCollector;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * {@code licenses} on the package track: the license a distribution declares in its core metadata, read from the
 * PEP 658 file its index serves beside it ({@code <file>.metadata}, verified against the sha256 the page gives it)
 * before any byte of the distribution is fetched, once per file. A wheel whose index offers no such metadata is
 * judged by its own {@code METADATA} as it streams ({@link WheelLicenseInspector}), before the held tail is released;
 * an sdist without it has no license known: it is an unknown license ({@code pypi.license-unknown}, whose action
 * {@code licenses.unknown} sets), and the reason says so.
 *
 * <p>Fails closed: metadata that cannot be fetched, or that does not match its announced hash, refuses the file
 * under {@code pypi.license} (asked again next time).
 */
final class PypiLicenseGate {
    /** What a file's metadata said, as the policy judged it. */
    record Decision(DeclaredLicense declared, LicensePolicy.Decision judged) {
    }

    private final LicensesConfig.Effective config;
    private final LicensePolicy policy;
    private final Cache<String, Decision> decisions;

    PypiLicenseGate(LicensesConfig licenses, dev.dualtrack.proxy.cache.Caches caches) {
        this.config = licenses.track("pypi");
        this.policy = new LicensePolicy(config.allow(), config.deny());
        this.decisions = caches.bounded("pypi-license-decisions", 100_000, java.time.Duration.ZERO);
    }

    static PypiLicenseGate off() {
        return new PypiLicenseGate(LicensesConfig.off(), dev.dualtrack.proxy.cache.Caches.standalone());
    }

    boolean active() {
        return config.active();
    }

    /** What is known of a file's license without asking: for the AI-BOM (whichever index served it). */
    Optional<DeclaredLicense> known(String filename) {
        return decisions.asMap().entrySet().stream().filter(e -> e.getKey().endsWith("\u0000" + filename))
                .map(e -> e.getValue().declared()).findFirst();
    }

    /**
     * The gate's answer for a distribution file; {@code fetch} GETs a URL of the file's own index under its origin
     * rules (the metadata file).
     */
    CompletableFuture<Checked> check(PypiFile r, Function<String, CompletableFuture<BodyCollector.Response>> fetch) {
        if (!active() || r.metadata()) {
            return CompletableFuture.completedFuture(Checked.pass());
        }
        String key = r.found().upstream().name() + "\u0000" + r.file().filename();
        Decision known = decisions.getIfPresent(key);
        if (known != null) {
            return CompletableFuture.completedFuture(checked(known.judged()));
        }
        String what = r.file().filename();
        if (readsInFlight(r.file(), r.metadata())) {
            return CompletableFuture.completedFuture(Checked.pass()); // its own METADATA, as it streams
        }
        if (r.file().coreMetadata().isEmpty()) {
            LicensePolicy.Decision unknown = policy.judge(DeclaredLicense.none("index", "has no core metadata file "
                    + "(PEP 658) on its index, so its license is not known before its bytes are"), what);
            return CompletableFuture.completedFuture(checked(unknown));
        }
        Optional<String> sha = Optional.ofNullable(r.file().coreMetadata().get().get("sha256"));
        CompletableFuture<BodyCollector.Response> answer;
        try {
            answer = fetch.apply(r.file().url() + ".metadata");
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((response, error) -> {
            if (error != null || response.status() != 200) {
                return Checked.block(PypiRules.LICENSE, "the core metadata of " + what + " could not be fetched ("
                        + (error != null ? "no answer" : "status " + response.status()) + "), so its license cannot "
                        + "be judged; the file is refused until it can be");
            }
            if (sha.isPresent() && !sha.get().equalsIgnoreCase(sha256(response.body()))) {
                return Checked.block(PypiRules.LICENSE, "the core metadata of " + what + " does not match the sha256 "
                        + "its index announced for it, so the license it states cannot be trusted");
            }
            DeclaredLicense declared = CoreMetadataLicense.read(new String(response.body(), StandardCharsets.UTF_8));
            Decision d = new Decision(declared, policy.judge(declared, what));
            decisions.put(key, d);
            return checked(d.judged());
        });
    }

    /**
     * Whether a file's license is read from its own bytes as they stream: a wheel whose index offers no PEP 658
     * metadata ({@link WheelLicenseInspector}). An sdist's PKG-INFO sits inside a compressed tar; it is read from
     * PEP 658 metadata only.
     */
    boolean readsInFlight(dev.dualtrack.pypi.simple.SimpleFile f, boolean metadataRequest) {
        return active() && !metadataRequest && f.coreMetadata().isEmpty()
                && f.filename().toLowerCase(java.util.Locale.ROOT).endsWith(".whl");
    }

    /** The inspection's name: which lists judged the bytes, so a cached wheel is judged again when they change. */
    String inspection() {
        return "license:" + Integer.toHexString(java.util.Objects.hash(config.allow(), config.deny()));
    }

    /** The inspector that reads a wheel's license as it streams, and remembers it for the AI-BOM. */
    dev.dualtrack.proxy.relay.Inspector inspector(String upstream, String filename) {
        return new WheelLicenseInspector(filename, declared -> {
            Decision d = new Decision(declared, policy.judge(declared, filename));
            decisions.put(upstream + "\u0000" + filename, d);
            return switch (d.judged().kind()) {
                case ALLOWED -> dev.dualtrack.scanner.Verdict.allow();
                case DENIED -> dev.dualtrack.scanner.Verdict.block(PypiRules.LICENSE, d.judged().reason());
                case UNKNOWN -> dev.dualtrack.scanner.Verdict.block(PypiRules.LICENSE_UNKNOWN, d.judged().reason());
            };
        });
    }

    /** An unknown license is a block of its own rule, whose action licenses.unknown sets (ConfigLoader). */
    private static Checked checked(LicensePolicy.Decision d) {
        return switch (d.kind()) {
            case ALLOWED -> Checked.pass();
            case DENIED -> Checked.block(PypiRules.LICENSE, d.reason());
            case UNKNOWN -> Checked.block(PypiRules.LICENSE_UNKNOWN, d.reason());
        };
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
