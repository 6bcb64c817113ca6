package dev.dualtrack.config;

import java.time.Duration;

/**
 * How the streaming relay holds bytes back until a verdict (docs/ARCHITECTURE.md, "The commit point").
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>hold</td><td>64KiB</td><td>the tail kept back from every streamed body until the final verdict</td></tr>
 *   <tr><td>max-hold</td><td>64MiB</td><td>the most an inspector may ask to hold (a zip central directory);
 *       past it the download is refused</td></tr>
 *   <tr><td>hold-whole-below</td><td>8MiB</td><td>bodies of known length up to this size are held whole, so a
 *       block is a clean 403 rather than an aborted transfer</td></tr>
 *   <tr><td>follower-wait</td><td>10m</td><td>how long a request waits for another request's fetch of the same
 *       blob before it gives up with 504</td></tr>
 * </table>
 */
public record RelayConfig(
        @Default("64KiB") DataSize hold,
        @Default("64MiB") DataSize maxHold,
        @Default("8MiB") DataSize holdWholeBelow,
        @Default("10m") Duration followerWait) {

    public RelayConfig {
        Checks.between(hold, 1, 1L << 30, "hold");
        Checks.between(maxHold, 1, 1L << 30, "max-hold");
        Checks.between(holdWholeBelow, 0, 1L << 30, "hold-whole-below");
        if (hold.compareTo(maxHold) > 0) {
            throw new IllegalArgumentException("hold (" + hold + ") cannot be larger than max-hold (" + maxHold + ")");
        }
        if (holdWholeBelow.compareTo(maxHold) > 0) {
            throw new IllegalArgumentException(
                    "hold-whole-below (" + holdWholeBelow + ") cannot be larger than max-hold (" + maxHold + ")");
        }
        Checks.positive(followerWait, "follower-wait");
    }
}
