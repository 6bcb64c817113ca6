package dev.dualtrack.app;

import dev.dualtrack.config.DualtrackConfig;
import dev.dualtrack.config.LicensesConfig;
import dev.dualtrack.licenses.DeclaredLicense;
import dev.dualtrack.licenses.LicensePolicy;
import dev.dualtrack.licenses.ModelCardLicense;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.Severity;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Licenses in {@code dualtrack scan}: a model card's ({@code README.md} with front matter) and a wheel's or sdist's
 * core metadata, read as the proxy reads them. The license is always reported (an {@code INFO} finding); under
 * {@code --policy}'s {@code licenses} section a denied one is a finding of {@code hf.license} or
 * {@code pypi.license}, an unknown one of {@code *.license-unknown}, judged by its policy section like the proxy's.
 */
final class LicenseScan {
    private final LicensesConfig licenses;
    /** What each scanned file declared, by the path the report shows: the AI-BOM's licenses. */
    private final java.util.Map<String, DeclaredLicense> declared = new java.util.LinkedHashMap<>();

    LicenseScan(Optional<DualtrackConfig> config) {
        this.licenses = config.map(DualtrackConfig::licenses).orElse(LicensesConfig.off());
    }

    /** The license each file declared, by its shown path (cards, wheels, sdists). */
    java.util.Map<String, DeclaredLicense> declared() {
        return java.util.Collections.unmodifiableMap(declared);
    }

    /** Whether {@code f} only reports the license read (it judges nothing). */
    static boolean isReport(Finding f) {
        return f.severity() == Severity.INFO && f.rule().endsWith(".license");
    }

    /** Whether {@code file} is a card: a {@code README.md} whose first line opens YAML front matter. */
    static Optional<DeclaredLicense> card(Path file) throws IOException {
        if (!file.getFileName().toString().equalsIgnoreCase("README.md")) {
            return Optional.empty();
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(ModelCardLicense.MAX_CARD_BYTES);
        }
        String text = new String(head, StandardCharsets.UTF_8);
        return text.replaceFirst("^\uFEFF", "").startsWith("---") ? Optional.of(ModelCardLicense.read(text))
                : Optional.empty();
    }

    /**
     * What to report of {@code declared} on {@code track} ({@code hf}, {@code pypi}) for {@code what}; the file at
     * {@code shown} is remembered as declaring it.
     */
    List<Finding> findings(String shown, DeclaredLicense declared, String track, String what) {
        this.declared.put(shown, declared);
        List<Finding> out = new ArrayList<>();
        out.add(new Finding(track + ".license", Severity.INFO, declared.text().map(t -> "license '" + t + "' ("
                + declared.source() + ")").orElse("no license: " + declared.problem().orElse("none stated"))));
        LicensesConfig.Effective e = licenses.track(track);
        if (!e.active()) {
            return out;
        }
        LicensePolicy.Decision d = new LicensePolicy(e.allow(), e.deny()).judge(declared, what);
        switch (d.kind()) {
            case DENIED -> out.add(new Finding(track + ".license", Severity.UNKNOWN, d.reason()));
            case UNKNOWN -> {
                if (e.unknown() != dev.dualtrack.config.RuleAction.OFF) {
                    out.add(new Finding(track + ".license-unknown", Severity.UNKNOWN, d.reason()));
                }
            }
            default -> { }
        }
        return out;
    }
}
