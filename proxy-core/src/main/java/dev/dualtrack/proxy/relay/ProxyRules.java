package dev.dualtrack.proxy.relay;

/**
 * Rule ids the relay itself blocks under, on either track (G3: a failure to inspect is a block, never a pass).
 */
public final class ProxyRules {
    /** An inspector threw, returned no verdict, or could not be created. */
    public static final String INSPECTOR_ERROR = "proxy.inspector-error";
    /** A verdict needed more held-back bytes than {@code relay.max-hold} (or a held body outgrew its bound). */
    public static final String HOLD_LIMIT = "proxy.hold-limit";

    /** The default hash-mismatch rule of a fetch whose adapter names none of its own. */
    public static final String HASH_MISMATCH = "proxy.hash-mismatch";
    /** The default redirect rule of a fetch whose adapter names none of its own. */
    public static final String REDIRECT_HOST = "proxy.redirect-host";


    private ProxyRules() {
    }
}
