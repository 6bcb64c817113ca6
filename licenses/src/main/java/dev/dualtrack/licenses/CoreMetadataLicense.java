package dev.dualtrack.licenses;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The license a Python distribution declares in its core metadata (a wheel's {@code METADATA}, an sdist's
 * {@code PKG-INFO}, or the PEP 658 file an index serves beside the wheel), in this order:
 * <ol>
 *   <li>{@code License-Expression} (PEP 639, metadata 2.4): an SPDX expression, taken as written;</li>
 *   <li>{@code License}, when it is a name or expression that names one license exactly;</li>
 *   <li>the {@code License ::} classifiers, any of which may apply (dual licensing is how projects use several);</li>
 *   <li>{@code License} naming only a family ("BSD").</li>
 * </ol>
 * A {@code License} of {@code UNKNOWN} (what setuptools wrote when none was given) is no license.
 */
public final class CoreMetadataLicense {
    /** Core metadata larger than this is not read (a wheel's METADATA with a long description is ~100 KB). */
    public static final int MAX_METADATA_BYTES = 4 << 20;

    private CoreMetadataLicense() {
    }

    /** Reads the license from core metadata text (RFC 822 headers; the description after them is ignored). */
    public static DeclaredLicense read(String metadata) {
        String expression = null;
        String license = null;
        List<String> classifiers = new ArrayList<>();
        String field = null;
        StringBuilder value = new StringBuilder();
        for (String line : (metadata + "\n\n").split("\r?\n", -1)) {
            boolean continuation = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
            if (continuation && field != null) {
                value.append('\n').append(line.strip());
                continue;
            }
            if (field != null) {
                switch (field) {
                    case "license-expression" -> expression = value.toString().strip();
                    case "license" -> license = value.toString().strip();
                    case "classifier" -> classifiers.add(value.toString().strip());
                    default -> { }
                }
                field = null;
            }
            if (line.isEmpty()) {
                break; // the headers end; the body is the long description
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                field = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                value.setLength(0);
                value.append(line.substring(colon + 1).strip());
            }
        }
        if (expression != null && !expression.isEmpty()) {
            try {
                LicenseExpression e = LicenseExpression.parse(expression);
                return DeclaredLicense.of(LicenseNames.canonical(e).orElse(e), "License-Expression");
            } catch (IllegalArgumentException e) {
                return DeclaredLicense.none("License-Expression", "declares License-Expression '" + shorten(expression)
                        + "', which is not an SPDX expression (" + e.getMessage() + ")");
            }
        }
        boolean stated = license != null && !license.isEmpty() && !license.equalsIgnoreCase("UNKNOWN");
        Optional<LicenseExpression> fromField = stated ? LicenseNames.name(license) : Optional.empty();
        if (fromField.isPresent() && !isFamily(fromField.get())) {
            return DeclaredLicense.of(fromField.get(), "License");
        }
        List<LicenseExpression> fromClassifiers = new ArrayList<>();
        for (String c : classifiers) {
            LicenseNames.classifier(c).map(LicenseExpression::parse).filter(e -> !fromClassifiers.contains(e))
                    .ifPresent(fromClassifiers::add);
        }
        if (!fromClassifiers.isEmpty()) {
            return DeclaredLicense.of(fromClassifiers.size() == 1 ? fromClassifiers.get(0)
                    : new LicenseExpression.AnyOf(List.copyOf(fromClassifiers)), "classifiers");
        }
        if (fromField.isPresent()) {
            return DeclaredLicense.of(fromField.get(), "License");
        }
        if (stated) {
            return DeclaredLicense.none("License", "declares License '" + shorten(license)
                    + "', which names no license dualtrack recognises");
        }
        boolean unnamedClassifier = classifiers.stream().anyMatch(c -> c.startsWith("License ::"));
        return DeclaredLicense.none("core metadata", unnamedClassifier
                ? "has only license classifiers dualtrack does not recognise (" + String.join("; ", classifiers.stream()
                        .filter(c -> c.startsWith("License ::")).toList()) + ")"
                : "states no license (no License-Expression, License or license classifier)");
    }

    private static boolean isFamily(LicenseExpression e) {
        return e instanceof LicenseExpression.Id id && LicenseNames.FAMILIES.contains(id.id());
    }

    private static String shorten(String s) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() > 80 ? one.substring(0, 77) + "..." : one;
    }

    /**
     * The core metadata inside a wheel: its {@code <name>-<version>.dist-info/METADATA}, read from the stream (the
     * entries before it are skipped). Empty when the wheel has none; an {@link IOException} when it is not a zip.
     */
    public static Optional<String> fromWheel(InputStream wheel) throws IOException {
        try (ZipInputStream zip = new ZipInputStream(wheel, StandardCharsets.UTF_8)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                String n = e.getName();
                if (n.endsWith(".dist-info/METADATA") && n.indexOf('/') == n.lastIndexOf('/')) {
                    byte[] b = zip.readNBytes(MAX_METADATA_BYTES + 1);
                    if (b.length > MAX_METADATA_BYTES) {
                        throw new IOException("METADATA larger than " + MAX_METADATA_BYTES + " bytes");
                    }
                    return Optional.of(new String(b, StandardCharsets.UTF_8));
                }
            }
        }
        return Optional.empty();
    }
}
