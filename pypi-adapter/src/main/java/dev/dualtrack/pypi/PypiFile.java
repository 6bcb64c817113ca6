package dev.dualtrack.pypi;

import dev.dualtrack.proxy.gate.Refusals;
import dev.dualtrack.proxy.policy.Subject;
import dev.dualtrack.proxy.relay.FetchSpec;
import dev.dualtrack.proxy.relay.KnownVerdicts;
import dev.dualtrack.proxy.server.Exchange;
import dev.dualtrack.pypi.policy.Filenames;
import dev.dualtrack.pypi.simple.SimpleFile;
import java.util.Optional;

/**
 * One request for a file of a project page (a distribution, or its PEP 658 {@code .metadata}): everything the
 * gates read and the fetch that follows them.
 *
 * @param found    the project's page and the index that owns it
 * @param file     the page's entry for the distribution
 * @param filename the file asked for: the distribution's name, or it plus {@code .metadata}
 * @param sha256   the sha256 the index announced for the bytes asked for, if any
 * @param origins  where the owner's files may come from
 * @param link     the upstream URL of the bytes asked for
 * @param spec     the fetch, built before the gates so the known-verdict gate judges exactly what would be fetched;
 *                 null when the link is not one dualtrack would fetch, which the file-host gate refuses first
 */
record PypiFile(Exchange exchange, ProjectResolver.Found found, SimpleFile file, String filename, boolean metadata,
        Optional<String> sha256, FileOrigins origins, String link, Subject subject, FetchSpec spec)
        implements KnownVerdicts.Fetching {

    String project() {
        return found.page().name();
    }

    @Override
    public Optional<String> version() {
        return Filenames.version(project(), file.filename());
    }

    @Override
    public Refusals dialect() {
        return Refusals.PLAIN;
    }
}
