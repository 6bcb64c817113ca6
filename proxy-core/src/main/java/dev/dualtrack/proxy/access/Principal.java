package dev.dualtrack.proxy.access;

import dev.dualtrack.config.AccessConfig;
import java.util.Optional;

/**
 * Who is asking: a principal a token named, or {@link #ANYONE} when access is open. Only its name is ever written
 * down (audit lines, refusals); the token it came with never is.
 */
public record Principal(String name, Optional<AccessConfig.AccessToken> grant) {
    /** Open access: no token, everything readable; audit lines name no principal. */
    public static final Principal ANYONE = new Principal("", Optional.empty());

    public boolean anyone() {
        return grant.isEmpty();
    }

    /** How refusals and logs call it. */
    public String shown() {
        return anyone() ? "anyone" : name;
    }
}
