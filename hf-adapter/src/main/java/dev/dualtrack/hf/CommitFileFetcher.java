package dev.dualtrack.hf;

import java.util.concurrent.CompletableFuture;

/**
 * How a gate reads one small file of a repo at a commit (its model.sig, its model card), with the requesting
 * client's credentials and a bounded body: the gates judge what the Hub says at the commit the client asked for.
 */
interface CommitFileFetcher {
    CompletableFuture<Fetched> fetch(HubPath p, String commit);

    /** The Hub's answer: its status, and the body when it gave one. */
    record Fetched(int status, byte[] body) {
    }
}
