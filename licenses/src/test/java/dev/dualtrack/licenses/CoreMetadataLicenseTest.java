package dev.dualtrack.licenses;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

class CoreMetadataLicenseTest {
    private static String read(String headers) {
        DeclaredLicense d = CoreMetadataLicense.read("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n" + headers
                + "\nLicense: not read: this is the description\n");
        return d.source() + ": " + d.text().orElse("none: " + d.problem().orElse(""));
    }

    @Test
    void licenseExpressionComesFirst() {
        assertThat(read("License-Expression: mit or apache-2.0\nLicense: GPL\n"))
                .isEqualTo("License-Expression: MIT OR Apache-2.0");
    }

    @Test
    void anExactLicenseFieldBeatsClassifiersAndAFamilyDoesNot() {
        assertThat(read("License: Apache 2.0\nClassifier: License :: OSI Approved :: Apache Software License\n"))
                .isEqualTo("License: Apache-2.0");
        assertThat(read("License: BSD\nClassifier: License :: OSI Approved :: BSD License\n"))
                .isEqualTo("classifiers: BSD");
        assertThat(read("License: BSD\n")).isEqualTo("License: BSD");
    }

    @Test
    void severalLicenseClassifiersAreAChoice() {
        assertThat(read("Classifier: License :: OSI Approved :: MIT License\n"
                + "Classifier: License :: OSI Approved :: Apache Software License\n"
                + "Classifier: Programming Language :: Python\n")).isEqualTo("classifiers: MIT OR Apache");
    }

    @Test
    void aPastedLicenseTextIsRecognisedByItsWords() {
        assertThat(read("License: Copyright (c) 2014 Someone\n        \n        Permission is hereby granted, free of "
                + "charge, to any person obtaining a copy\n        of this software\n")).isEqualTo("License: MIT");
    }

    @Test
    void unknownAndMissingAreSaidApart() {
        assertThat(read("License: UNKNOWN\n")).startsWith("core metadata: none: states no license");
        assertThat(read("License: see the LICENSE file\n"))
                .isEqualTo("License: none: declares License 'see the LICENSE file', which names no license dualtrack "
                        + "recognises");
        assertThat(read("License-Expression: MIT OR\n")).startsWith("License-Expression: none: declares "
                + "License-Expression 'MIT OR', which is not an SPDX expression");
    }

    @Test
    void theWheelsMetadataIsFoundInTheZipStream() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(b)) {
            z.putNextEntry(new ZipEntry("demo/__init__.py"));
            z.write("x = 1\n".getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("demo/vendor.dist-info/METADATA"));
            z.write("License: GPL-3.0-only\n".getBytes(StandardCharsets.UTF_8));
            z.putNextEntry(new ZipEntry("demo-1.0.dist-info/METADATA"));
            z.write("Name: demo\nLicense-Expression: ISC\n".getBytes(StandardCharsets.UTF_8));
        }
        String metadata = CoreMetadataLicense.fromWheel(new ByteArrayInputStream(b.toByteArray())).orElseThrow();
        assertThat(CoreMetadataLicense.read(metadata).text()).contains("ISC");
    }
}
