package dev.dualtrack.pypi;

import dev.dualtrack.licenses.CoreMetadataLicense;
import dev.dualtrack.licenses.DeclaredLicense;
import dev.dualtrack.proxy.relay.Inspector;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.Verdict;
import dev.dualtrack.scanner.zip.EntrySink;
import dev.dualtrack.scanner.zip.ZipScanner;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A wheel's license read from its own bytes as they stream, for an index that offers no PEP 658 metadata: the zip
 * is followed entry by entry ({@link ZipScanner}, the scanner's streaming reader), its top-level
 * {@code *.dist-info/METADATA} kept (at most {@link CoreMetadataLicense#MAX_METADATA_BYTES}, its CRC checked), and
 * the license judged once the last byte is in. The relay holds the wheel's tail until then, so a wheel under a
 * denied license never completes at the client.
 *
 * <p>The zip's own consistency is not this inspector's business (pip refuses a broken wheel, and the bytes are the
 * ones the index announced); a wheel whose METADATA cannot be read is an unknown license.
 */
final class WheelLicenseInspector implements Inspector {
    private final String filename;
    private final Function<DeclaredLicense, Verdict> judge;
    private final ZipScanner zip;
    private final List<Finding> zipFindings = new ArrayList<>();
    private ByteArrayOutputStream metadata;
    private String complete;
    private boolean tooLarge;

    /** @param judge the license policy's verdict on what the wheel declares */
    WheelLicenseInspector(String filename, Function<DeclaredLicense, Verdict> judge) {
        this.filename = filename;
        this.judge = judge;
        this.zip = new ZipScanner(this::sink, " in " + filename, zipFindings);
    }

    private EntrySink sink(String entry) {
        String[] parts = entry.split("/", -1);
        if (complete != null || metadata != null || parts.length != 2 || !parts[0].endsWith(".dist-info")
                || !parts[1].equals("METADATA")) {
            return EntrySink.IGNORE;
        }
        metadata = new ByteArrayOutputStream();
        return new EntrySink() {
            @Override
            public void feed(ByteBuffer data) {
                int n = data.remaining();
                if (metadata.size() + n > CoreMetadataLicense.MAX_METADATA_BYTES) {
                    tooLarge = true;
                    data.position(data.limit());
                    return;
                }
                byte[] b = new byte[n];
                data.get(b);
                metadata.write(b, 0, n);
            }

            @Override
            public void finish() {
                if (!tooLarge) {
                    complete = metadata.toString(StandardCharsets.UTF_8);
                }
            }
        };
    }

    @Override
    public Status feed(ByteBuffer chunk) {
        zip.feed(chunk);
        return Status.CONTINUE;
    }

    @Override
    public long holdFrom() {
        return zip.holdFrom();
    }

    @Override
    public Verdict finish() {
        zip.finish();
        if (complete != null) {
            return judge.apply(CoreMetadataLicense.read(complete));
        }
        String why = tooLarge ? "has a METADATA larger than " + CoreMetadataLicense.MAX_METADATA_BYTES + " bytes"
                : metadata != null ? "has a METADATA that could not be read whole (" + String.join("; ",
                        zipFindings.stream().map(Finding::detail).toList()) + ")"
                : zip.failed() ? "could not be read as a zip far enough to find its METADATA"
                : "has no *.dist-info/METADATA";
        return judge.apply(DeclaredLicense.none("wheel", why));
    }

    @Override
    public String name() {
        return "wheel license (" + filename + ")";
    }
}
