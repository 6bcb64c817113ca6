package dev.dualtrack.pypi.vuln;

import dev.dualtrack.config.PypiConfig.Severity;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The CVSS v3.0/v3.1 base score of a vector ({@code CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H}), by the
 * specification's formula and its round-up, and its qualitative rating. A vector missing a base metric, or with a
 * value the specification does not define, has no score.
 */
final class Cvss3 {
    private Cvss3() {
    }

    static Optional<Double> baseScore(String vector) {
        if (!vector.startsWith("CVSS:3.0/") && !vector.startsWith("CVSS:3.1/")) {
            return Optional.empty();
        }
        Map<String, String> m = new HashMap<>();
        for (String part : vector.substring("CVSS:3.x/".length()).split("/")) {
            int colon = part.indexOf(':');
            if (colon > 0) {
                m.put(part.substring(0, colon), part.substring(colon + 1));
            }
        }
        String scope = m.get("S");
        if (!"U".equals(scope) && !"C".equals(scope)) {
            return Optional.empty();
        }
        boolean changed = scope.equals("C");
        Double av = pick(m.get("AV"), "N", 0.85, "A", 0.62, "L", 0.55, "P", 0.2);
        Double ac = pick(m.get("AC"), "L", 0.77, "H", 0.44);
        Double pr = pick(m.get("PR"), "N", 0.85, "L", changed ? 0.68 : 0.62, "H", changed ? 0.5 : 0.27);
        Double ui = pick(m.get("UI"), "N", 0.85, "R", 0.62);
        Double c = pick(m.get("C"), "H", 0.56, "L", 0.22, "N", 0.0);
        Double i = pick(m.get("I"), "H", 0.56, "L", 0.22, "N", 0.0);
        Double a = pick(m.get("A"), "H", 0.56, "L", 0.22, "N", 0.0);
        if (av == null || ac == null || pr == null || ui == null || c == null || i == null || a == null) {
            return Optional.empty();
        }
        double iss = 1 - (1 - c) * (1 - i) * (1 - a);
        double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
        double exploitability = 8.22 * av * ac * pr * ui;
        if (impact <= 0) {
            return Optional.of(0.0);
        }
        double raw = changed ? Math.min(1.08 * (impact + exploitability), 10) : Math.min(impact + exploitability, 10);
        return Optional.of(roundUp(raw));
    }

    /** The specification's round-up to one decimal, done in integers so floating error cannot add a tenth. */
    static double roundUp(double x) {
        long i = Math.round(x * 100_000);
        return i % 10_000 == 0 ? i / 100_000.0 : (Math.floorDiv(i, 10_000) + 1) / 10.0;
    }

    static Severity rating(double score) {
        return score >= 9.0 ? Severity.CRITICAL : score >= 7.0 ? Severity.HIGH : score >= 4.0 ? Severity.MEDIUM
                : Severity.LOW;
    }

    private static Double pick(String value, Object... pairs) {
        for (int k = 0; k < pairs.length; k += 2) {
            if (pairs[k].equals(value)) {
                return (Double) pairs[k + 1];
            }
        }
        return null;
    }
}
