package dev.dualtrack.app;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code dualtrack token PRINCIPAL}: a new client token, and the entry that grants it, to add under
 * {@code access.tokens} (or in the tokens file). The token is printed once; only its sha256 is ever stored.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Make a client token for PRINCIPAL: prints the token (give it to the client) and the "
                + "tokens-file entry with its sha256 (the token itself is never stored).")
final class TokenCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PRINCIPAL", description = "who the token is for (a person, a CI job)")
    String principal;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String token = "dt_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        String sha = HexFormat.of().formatHex(dev.dualtrack.proxy.access.AccessControl.sha256(token));
        new dev.dualtrack.config.AccessConfig.AccessToken(principal, sha, java.util.List.of(), java.util.Optional
                .empty(), java.util.Optional.empty()); // the principal is one the config accepts
        var out = spec.commandLine().getOut();
        out.println("token (give it to " + principal + "; it is not shown again): " + token);
        out.println("entry (under access.tokens, or tokens: in the tokens file; narrow the grants):");
        out.println("  - {principal: " + principal + ", sha256: " + sha + ", pypi: {projects: ['*'], upstreams: "
                + "['*']}, hf: {repos: ['*']}}");
        return 0;
    }
}
