package dev.dualtrack.config;

import java.time.Duration;

/** Range checks for record constructors; each failure message names the key and the offending value. */
final class Checks {
    private Checks() {
    }

    static void port(int port, String key) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(key + " must be between 0 and 65535 (was " + port + ")");
        }
    }

    static void positive(Duration d, String key) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be longer than zero (was " + d + ")");
        }
    }

    static void between(DataSize size, long min, long max, String key) {
        if (size.bytes() < min || size.bytes() > max) {
            throw new IllegalArgumentException(key + " must be between " + DataSize.ofBytes(min) + " and "
                    + DataSize.ofBytes(max) + " (was " + size + ")");
        }
    }
}
