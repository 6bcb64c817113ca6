package dev.dualtrack.provenance;

/**
 * Who must have signed. A verified signature by anyone else is an {@link ProvenanceException.Kind#IDENTITY}
 * failure.
 */
public sealed interface IdentityPolicy permits IdentityPolicy.Exact, TrustedPublisher {

    void check(SignerIdentity who) throws ProvenanceException;

    /** A required subject alternative name and OIDC issuer, compared exactly. */
    record Exact(String san, String issuer) implements IdentityPolicy {
        @Override
        public void check(SignerIdentity who) throws ProvenanceException {
            if (!san.equals(who.san())) {
                throw ProvenanceException.identity("signed by " + who.san() + ", not " + san);
            }
            if (issuer != null && !issuer.equals(who.issuer())) {
                throw ProvenanceException.identity("identity issued by " + who.issuer() + ", not " + issuer);
            }
        }
    }

    /** Anyone: for callers that check the identity themselves, or report it without requiring one. */
    IdentityPolicy ANY = new TrustedPublisher.Any();
}
