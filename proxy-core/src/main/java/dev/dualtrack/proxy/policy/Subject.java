package dev.dualtrack.proxy.policy;

/** What a decision is about: who asked, on which track, for which artifact and file. */
public record Subject(String client, String track, String artifact, String file, String sha256) {
    public Subject withSha256(String sha) {
        return new Subject(client, track, artifact, file, sha);
    }
}
