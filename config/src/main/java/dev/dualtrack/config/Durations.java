package dev.dualtrack.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations as people write them in config: {@code 500ms}, {@code 30s}, {@code 72h}, {@code 1h30m},
 * {@code 7d}. Every part needs a unit: a bare number is refused, because "30" could mean seconds or millis.
 */
public final class Durations {
    private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|s|m|h|d))+");
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Durations() {
    }

    public static Duration parse(String text) {
        String t = text.trim();
        if (!WHOLE.matcher(t).matches()) {
            throw new IllegalArgumentException("not a duration: '" + text
                    + "' (write a number and a unit: ms, s, m, h or d, e.g. 30s, 72h, 1h30m)");
        }
        Duration total = Duration.ZERO;
        Matcher m = PART.matcher(t);
        try {
            while (m.find()) {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> throw new AssertionError(m.group(2));
                });
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("duration too large: '" + text + "'");
        }
        return total;
    }
}
