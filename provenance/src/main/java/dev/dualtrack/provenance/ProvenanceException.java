package dev.dualtrack.provenance;

/**
 * Why a signature, attestation or bundle was not accepted. {@link Kind} separates "this proves nothing" from
 * "this proves someone else signed it", which policy reports under different rules.
 */
public final class ProvenanceException extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** Unparseable, or a signature, chain, log proof, timestamp or subject that does not verify. */
        INVALID,
        /** Everything verifies, but the signer is not the one policy requires. */
        IDENTITY
    }

    private final Kind kind;

    private ProvenanceException(Kind kind, String reason) {
        super(reason, null, false, false);
        this.kind = kind;
    }

    public static ProvenanceException invalid(String reason) {
        return new ProvenanceException(Kind.INVALID, reason);
    }

    public static ProvenanceException identity(String reason) {
        return new ProvenanceException(Kind.IDENTITY, reason);
    }

    public Kind kind() {
        return kind;
    }
}
