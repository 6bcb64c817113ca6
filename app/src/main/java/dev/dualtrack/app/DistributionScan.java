package dev.dualtrack.app;

import dev.dualtrack.pypi.simple.DistributionFilename;
import dev.dualtrack.scanner.FileScanner;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanPolicy;
import dev.dualtrack.scanner.ScanReport;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.compress.archivers.ArchiveEntry;
import org.apache.commons.compress.archivers.ArchiveInputStream;

/**
 * A wheel or an sdist met by {@code dualtrack scan} (a {@code dist/} folder after {@code python -m build}): a Python
 * distribution, judged as one, not as a model container. Scanned as a model container, every sdist was refused as
 * an unopened tar ({@code hf.unsupported-format}), so the CI example of docs/provenance.md failed on a normal build.
 *
 * <p>Every file inside is scanned by the same engine under its own name: a pickle, a checkpoint or a file named
 * like weights inside a package is judged as it would be on the Hub; Python sources, metadata and data pass. The
 * attestations or provenance beside the distribution are checked by {@link ProvenanceScan}, as before.
 */
final class DistributionScan {
    /** An sdist or wheel holds thousands of files at most; past this it is refused rather than read on. */
    static final int MAX_ENTRIES = 100_000;

    private DistributionScan() {
    }

    /** Whether {@code file} is named like a wheel or an sdist dualtrack knows how to open. */
    static boolean isDistribution(Path file) {
        String name = file.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        return DistributionFilename.classify(name) == DistributionFilename.Kind.INSTALLABLE
                && (lower.endsWith(".whl") || lower.endsWith(".zip") || lower.endsWith(".tar.gz")
                || lower.endsWith(".tgz") || lower.endsWith(".tar.bz2") || lower.endsWith(".tar.xz")
                || lower.endsWith(".tar"));
    }

    static ScanCommand.Result scan(Path file, String shown, ScanPolicy policy) throws IOException {
        return scan(file, shown, policy, new LicenseScan(java.util.Optional.empty()));
    }

    /** As above, with the license its core metadata ({@code METADATA}, {@code PKG-INFO}) declares judged. */
    static ScanCommand.Result scan(Path file, String shown, ScanPolicy policy, LicenseScan licenses)
            throws IOException {
        String sha256 = sha256(file);
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String kind = lower.endsWith(".whl") ? "wheel" : "sdist";
        List<Finding> findings = new ArrayList<>();
        String metadata = null;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
             ArchiveInputStream<? extends ArchiveEntry> archive = open(lower, raw)) {
            int entries = 0;
            ArchiveEntry e;
            while ((e = archive.getNextEntry()) != null) {
                if (++entries > MAX_ENTRIES) {
                    findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, "the " + kind
                            + " holds more than " + MAX_ENTRIES + " files; it was not read to its end"));
                    break;
                }
                if (e.isDirectory()) {
                    continue;
                }
                if (!archive.canReadEntryData(e)) {
                    // Encrypted, or compressed in a way we do not decode: what is inside cannot be checked.
                    findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, e.getName()
                            + " in the " + kind + " cannot be read (encrypted or an unsupported compression)"));
                    continue;
                }
                FileScanner scanner = new FileScanner(policy, e.getName());
                java.io.ByteArrayOutputStream kept = coreMetadata(e.getName(), kind)
                        ? new java.io.ByteArrayOutputStream() : null;
                byte[] buf = new byte[1 << 16];
                for (int n = archive.read(buf); n >= 0; n = archive.read(buf)) {
                    scanner.feed(ByteBuffer.wrap(buf, 0, n));
                    if (kept != null && kept.size() < dev.dualtrack.licenses.CoreMetadataLicense.MAX_METADATA_BYTES) {
                        kept.write(buf, 0, n);
                    }
                }
                if (kept != null && metadata == null) {
                    metadata = kept.toString(java.nio.charset.StandardCharsets.UTF_8);
                }
                ScanReport r = scanner.finish();
                for (Finding f : r.findings()) {
                    findings.add(new Finding(f.rule(), f.severity(), f.detail().contains(e.getName()) ? f.detail()
                            : f.detail() + " in " + e.getName(), f.line()));
                }
            }
        } catch (IOException | RuntimeException ex) {
            findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, "the " + kind
                    + " could not be read as one (" + dev.dualtrack.proxy.ops.Causes.describe(ex) + ")"));
        }
        findings.addAll(licenses.findings(shown, metadata == null
                ? dev.dualtrack.licenses.DeclaredLicense.none("core metadata", "has no core metadata ("
                        + (kind.equals("wheel") ? "*.dist-info/METADATA" : "PKG-INFO") + ")")
                : dev.dualtrack.licenses.CoreMetadataLicense.read(metadata), "pypi", file.getFileName().toString()));
        return new ScanCommand.Result(shown, kind, sha256, new ScanReport(kind, findings));
    }

    /** The entry holding a distribution's core metadata: a wheel's top-level dist-info METADATA, an sdist's PKG-INFO. */
    private static boolean coreMetadata(String entry, String kind) {
        String[] parts = entry.split("/");
        return kind.equals("wheel") ? parts.length == 2 && parts[0].endsWith(".dist-info") && parts[1].equals("METADATA")
                : parts.length == 2 && parts[1].equals("PKG-INFO");
    }

    /** The file's sha256, read in chunks (a wheel can be gigabytes). */
    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                md.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ArchiveInputStream<? extends ArchiveEntry> open(String lower, InputStream in) throws IOException {
        if (lower.endsWith(".whl") || lower.endsWith(".zip")) {
            return new org.apache.commons.compress.archivers.zip.ZipArchiveInputStream(in);
        }
        InputStream tar = lower.endsWith(".tar.gz") || lower.endsWith(".tgz")
                ? new org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream(in)
                : lower.endsWith(".tar.bz2") ? new org.apache.commons.compress.compressors.bzip2
                        .BZip2CompressorInputStream(in)
                : lower.endsWith(".tar.xz") ? new org.apache.commons.compress.compressors.xz
                        .XZCompressorInputStream(in) : in;
        return new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(tar);
    }
}
