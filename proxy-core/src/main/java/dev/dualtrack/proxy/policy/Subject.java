package dev.dualtrack.proxy.policy;

/**
 * What a decision is about: who asked (the client's address, and the principal its token named; empty when
 * access is open), on which track, for which artifact and file.
 */
public record Subject(String client, String track, String artifact, String file, String sha256, String principal) {
    /** A subject no principal asked for (open access, the offline scan). */
    public Subject(String client, String track, String artifact, String file, String sha256) {
        this(client, track, artifact, file, sha256, "");
    }

    public Subject withSha256(String sha) {
        return new Subject(client, track, artifact, file, sha, principal);
    }
}
