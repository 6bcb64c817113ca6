package dev.dualtrack.licenses;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The names licenses go by in Python packaging, mapped to SPDX ids: the trove classifiers, and what authors write in
 * the free-text {@code License} field. Where a name does not say which version (the classifier "BSD License",
 * "GNU General Public License (GPL)"), the id is the family without a version ({@code BSD}, {@code GPL}), never a
 * guessed one: a policy written as {@code GPL*} then catches it, and the AI-BOM does not claim more than the
 * author said.
 */
final class LicenseNames {
    /** The SPDX ids seen in practice, to recognise an expression written in the free-text field. */
    private static final Map<String, String> SPDX = new LinkedHashMap<>();
    /** Free-text names, after {@link #key}, to expressions. */
    private static final Map<String, String> NAMES = new LinkedHashMap<>();
    /** Trove classifiers, after "License :: ", to expressions. */
    private static final Map<String, String> CLASSIFIERS = new LinkedHashMap<>();
    /** Family ids: recognised, but they do not name a version. */
    static final java.util.Set<String> FAMILIES = java.util.Set.of("BSD", "GPL", "LGPL", "AGPL", "MPL", "Apache",
            "EPL", "CC-BY", "LicenseRef-Public-Domain", "LicenseRef-Proprietary");

    static {
        for (String id : List.of("0BSD", "AFL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1", "Apache-2.0",
                "Artistic-2.0", "BlueOak-1.0.0", "BSD-1-Clause", "BSD-2-Clause", "BSD-3-Clause",
                "BSD-3-Clause-Clear", "BSD-4-Clause", "BSL-1.0", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-NC-4.0",
                "CC-BY-NC-SA-4.0", "CC-BY-NC-ND-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0",
                "CECILL-2.1", "EPL-1.0", "EPL-2.0", "EUPL-1.2", "GPL-1.0-or-later", "GPL-2.0-only",
                "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "HPND", "ISC", "LGPL-2.0-or-later",
                "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "MIT", "MIT-0",
                "MIT-CMU", "MPL-1.1", "MPL-2.0", "MS-PL", "NCSA", "OpenSSL", "OFL-1.1", "PostgreSQL", "PSF-2.0",
                "Python-2.0", "Unicode-3.0", "Unicode-DFS-2016", "Unlicense", "UPL-1.0", "W3C", "WTFPL", "X11",
                "Zlib", "ZPL-2.1", "AFL-2.1", "CNRI-Python", "TCL", "GPL-3.0-with-GCC-exception", "Python-2.0.1", "GPL-2.0", "GPL-3.0", "LGPL-2.1", "LGPL-3.0", "AGPL-3.0", "GPL-2.0+",
                "GPL-3.0+", "LGPL-2.1+", "LGPL-3.0+", "Classpath-exception-2.0", "LLVM-exception",
                "OpenRAIL", "OpenRAIL-M", "BigScience-OpenRAIL-M", "CreativeML-OpenRAIL-M")) {
            SPDX.put(id.toLowerCase(Locale.ROOT), id);
        }
        names("MIT", "mit", "mit license", "the mit license", "mit licence", "expat", "mit expat", "mit/expat",
                "mit-license", "mit licensed");
        names("MIT-0", "mit no attribution", "mit-0");
        names("Apache-2.0", "apache2.0", "apache 2.0", "apache 2", "apache2", "apache-2", "apache license 2.0",
                "apache license, version 2.0", "apache license version 2.0", "apache software license 2.0",
                "apache software license, version 2.0", "apache license v2", "apache license v2.0", "asl 2.0",
                "apache v2", "apache v2.0", "apache license, 2.0", "apache 2.0 license", "the apache license, version 2.0",
                "apache software license version 2.0", "apache-2.0 license", "apache license (2.0)");
        names("Apache", "apache", "apache license", "apache software license");
        names("BSD-3-Clause", "bsd-3-clause", "bsd 3-clause", "bsd 3 clause", "3-clause bsd", "new bsd",
                "new bsd license", "modified bsd", "modified bsd license", "bsd-3", "bsd3", "revised bsd",
                "bsd 3-clause license", "3-clause bsd license", "bsd-3-clause license", "the 3-clause bsd license");
        names("BSD-2-Clause", "bsd-2-clause", "bsd 2-clause", "2-clause bsd", "simplified bsd", "freebsd",
                "bsd-2", "bsd2", "bsd 2-clause license", "2-clause bsd license", "simplified bsd license");
        names("BSD", "bsd", "bsd license", "bsd licence", "bsd-like", "bsd style", "bsd-style");
        names("ISC", "isc", "isc license", "isc licence", "isc license (iscl)");
        names("PSF-2.0", "psf", "psf license", "psfl", "psf-2.0", "python software foundation license",
                "python software foundation", "psf 2.0");
        names("MPL-2.0", "mpl-2.0", "mpl 2.0", "mpl2", "mpl 2", "mozilla public license 2.0",
                "mozilla public license 2.0 (mpl 2.0)", "mozilla public license, version 2.0");
        names("LGPL-3.0-only", "lgplv3", "lgpl-3.0", "lgpl v3", "lgpl 3", "lgpl3", "lgpl-3",
                "gnu lesser general public license v3 (lgplv3)");
        names("LGPL-3.0-or-later", "lgplv3+", "lgpl-3.0+", "lgpl-3.0-or-later", "lgpl v3+");
        names("LGPL-2.1-only", "lgplv2.1", "lgpl-2.1", "lgpl 2.1", "lgpl v2.1");
        names("LGPL-2.1-or-later", "lgplv2.1+", "lgpl-2.1+", "lgpl-2.1-or-later", "lgpl v2.1+");
        names("LGPL", "lgpl", "gnu lgpl", "gnu lesser general public license");
        names("GPL-3.0-only", "gplv3", "gpl-3.0", "gpl v3", "gpl 3", "gpl3", "gpl-3", "gnu gplv3", "gnu gpl v3",
                "gnu general public license v3", "gnu general public license v3 (gplv3)");
        names("GPL-3.0-or-later", "gplv3+", "gpl-3.0+", "gpl-3.0-or-later", "gpl v3+", "gplv3 or later");
        names("GPL-2.0-only", "gplv2", "gpl-2.0", "gpl v2", "gpl 2", "gpl2", "gpl-2");
        names("GPL-2.0-or-later", "gplv2+", "gpl-2.0+", "gpl-2.0-or-later", "gpl v2+", "gplv2 or later");
        names("GPL", "gpl", "gnu gpl", "gnu general public license");
        names("AGPL-3.0-only", "agplv3", "agpl-3.0", "agpl v3", "agpl 3", "agpl3", "agpl-3");
        names("AGPL-3.0-or-later", "agplv3+", "agpl-3.0+", "agpl-3.0-or-later");
        names("AGPL", "agpl", "gnu agpl", "gnu affero general public license");
        names("Unlicense", "unlicense", "the unlicense", "unlicensed (public domain)");
        names("LicenseRef-Public-Domain", "public domain", "public-domain", "pd");
        names("CC0-1.0", "cc0", "cc0 1.0", "cc0-1.0", "cc0 1.0 universal", "cc0 1.0 universal (cc0 1.0) public "
                + "domain dedication");
        names("Zlib", "zlib", "zlib/libpng", "zlib license");
        names("HPND", "hpnd", "historical permission notice and disclaimer");
        names("EPL-2.0", "epl-2.0", "epl 2.0", "eclipse public license 2.0");
        names("EUPL-1.2", "eupl-1.2", "eupl 1.2");
        names("BSL-1.0", "boost", "boost software license", "bsl-1.0", "boost software license 1.0");
        names("WTFPL", "wtfpl");
        names("Artistic-2.0", "artistic-2.0", "artistic license 2.0");
        names("LicenseRef-Proprietary", "proprietary", "commercial", "other/proprietary license",
                "proprietary license", "all rights reserved");

        classifier("MIT License", "MIT");
        classifier("MIT No Attribution License (MIT-0)", "MIT-0");
        classifier("Apache Software License", "Apache");
        classifier("BSD License", "BSD");
        classifier("ISC License (ISCL)", "ISC");
        classifier("Python Software Foundation License", "PSF-2.0");
        classifier("Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0");
        classifier("Mozilla Public License 1.1 (MPL 1.1)", "MPL-1.1");
        classifier("GNU General Public License (GPL)", "GPL");
        classifier("GNU General Public License v2 (GPLv2)", "GPL-2.0-only");
        classifier("GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later");
        classifier("GNU General Public License v3 (GPLv3)", "GPL-3.0-only");
        classifier("GNU General Public License v3 or later (GPLv3+)", "GPL-3.0-or-later");
        classifier("GNU Lesser General Public License v2 (LGPLv2)", "LGPL-2.0-only");
        classifier("GNU Lesser General Public License v2 or later (LGPLv2+)", "LGPL-2.0-or-later");
        classifier("GNU Lesser General Public License v3 (LGPLv3)", "LGPL-3.0-only");
        classifier("GNU Lesser General Public License v3 or later (LGPLv3+)", "LGPL-3.0-or-later");
        classifier("GNU Library or Lesser General Public License (LGPL)", "LGPL");
        classifier("GNU Affero General Public License v3", "AGPL-3.0-only");
        classifier("GNU Affero General Public License v3 or later (AGPLv3+)", "AGPL-3.0-or-later");
        classifier("Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0");
        classifier("European Union Public Licence 1.2 (EUPL 1.2)", "EUPL-1.2");
        classifier("The Unlicense (Unlicense)", "Unlicense");
        classifier("Zope Public License", "ZPL-2.1");
        classifier("zlib/libpng License", "Zlib");
        classifier("Boost Software License 1.0 (BSL-1.0)", "BSL-1.0");
        classifier("Historical Permission Notice and Disclaimer (HPND)", "HPND");
        classifier("Universal Permissive License (UPL)", "UPL-1.0");
        classifier("Academic Free License (AFL)", "AFL-3.0");
        classifier("Artistic License", "Artistic-2.0");
        classifier("University of Illinois/NCSA Open Source License", "NCSA");
        classifier("Public Domain", "LicenseRef-Public-Domain");
        classifier("CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "CC0-1.0");
        classifier("Other/Proprietary License", "LicenseRef-Proprietary");
    }

    private static void names(String expression, String... aliases) {
        for (String a : aliases) {
            NAMES.put(key(a), expression);
        }
    }

    private static void classifier(String tail, String expression) {
        CLASSIFIERS.put(tail, expression);
    }

    private LicenseNames() {
    }

    /** A name as compared: lower case, quotes and a trailing full stop dropped, runs of blanks made one. */
    static String key(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[\"'`]", "").replaceAll("\\s+", " ").trim()
                .replaceAll("\\.$", "");
    }

    /**
     * A classifier ({@code License :: OSI Approved :: MIT License}) as an id; empty for one that names no license
     * ({@code License :: OSI Approved} alone) or one not listed here.
     */
    static Optional<String> classifier(String classifier) {
        String c = classifier.trim();
        if (!c.startsWith("License ::")) {
            return Optional.empty();
        }
        String tail = c.substring(c.lastIndexOf("::") + 2).trim();
        return Optional.ofNullable(CLASSIFIERS.get(tail));
    }

    /**
     * A free-text name as an expression: a known name or classifier title, an expression of known ids, names
     * joined by "or"/"and" ("BSD 3-Clause OR Apache-2.0"), or a pasted license text; else empty.
     */
    static Optional<LicenseExpression> name(String text) {
        Optional<LicenseExpression> one = single(text);
        if (one.isPresent()) {
            return one;
        }
        try {
            Optional<LicenseExpression> e = canonical(LicenseExpression.parse(text.trim()));
            if (e.isPresent()) {
                return e;
            }
        } catch (IllegalArgumentException notAnExpression) {
            // perhaps names joined by words, below
        }
        if (text.length() < 200 && !text.contains("\n")) {
            for (String op : List.of("OR", "AND")) {
                String[] parts = text.trim().split("(?i)\\s+" + op + "\\s+");
                if (parts.length > 1) {
                    List<LicenseExpression> ids = new java.util.ArrayList<>();
                    for (String part : parts) {
                        Optional<LicenseExpression> e = name(part);
                        if (e.isEmpty()) {
                            return fromText(text);
                        }
                        ids.add(e.get());
                    }
                    return Optional.of(op.equals("OR") ? new LicenseExpression.AnyOf(List.copyOf(ids))
                            : new LicenseExpression.All(List.copyOf(ids)));
                }
            }
        }
        return fromText(text);
    }

    /** One license by name: a known alias, a classifier's title, or one SPDX id. */
    private static Optional<LicenseExpression> single(String text) {
        String mapped = NAMES.get(key(text));
        if (mapped == null) {
            mapped = CLASSIFIERS.get(text.trim());
        }
        if (mapped == null) {
            mapped = SPDX.get(text.trim().toLowerCase(Locale.ROOT));
        }
        return Optional.ofNullable(mapped).map(LicenseExpression::parse);
    }

    /** The expression with every id in SPDX's casing, or empty when one of them is not an SPDX id known here. */
    static Optional<LicenseExpression> canonical(LicenseExpression e) {
        if (e instanceof LicenseExpression.Id id) {
            if (id.id().startsWith("LicenseRef-")) {
                return Optional.of(id);
            }
            String known = SPDX.get(id.id().toLowerCase(Locale.ROOT));
            if (known == null && id.exception().isEmpty()) {
                return single(id.id()); // "Public-Domain", "Apache2"
            }
            return known == null ? Optional.empty() : Optional.of(new LicenseExpression.Id(known, id.exception()));
        }
        List<LicenseExpression> parts = e instanceof LicenseExpression.All a ? a.parts()
                : ((LicenseExpression.AnyOf) e).parts();
        List<LicenseExpression> out = new java.util.ArrayList<>();
        for (LicenseExpression p : parts) {
            Optional<LicenseExpression> c = canonical(p);
            if (c.isEmpty()) {
                return Optional.empty();
            }
            out.add(c.get());
        }
        return Optional.of(e instanceof LicenseExpression.All ? new LicenseExpression.All(out)
                : new LicenseExpression.AnyOf(out));
    }

    /**
     * A whole license text pasted into the field (a common habit): recognised by its title or its first operative
     * sentence only where that names one license unambiguously.
     */
    private static Optional<LicenseExpression> fromText(String text) {
        String t = key(text.length() > 4000 ? text.substring(0, 4000) : text);
        String id = null;
        if (t.startsWith("mit license") || t.startsWith("the mit license") || t.contains("permission is hereby "
                + "granted, free of charge, to any person obtaining a copy")) {
            id = "MIT";
        } else if (t.contains("apache license") && t.contains("version 2.0")) {
            id = "Apache-2.0";
        } else if (t.startsWith("bsd 3-clause license") || t.startsWith("3-clause bsd license")) {
            id = "BSD-3-Clause";
        } else if (t.startsWith("bsd 2-clause license")) {
            id = "BSD-2-Clause";
        } else if (t.contains("gnu lesser general public license") && t.contains("version 3")) {
            id = "LGPL-3.0-only";
        } else if (t.contains("gnu general public license") && t.contains("version 3")
                && !t.contains("lesser") && !t.contains("affero")) {
            id = "GPL-3.0-only";
        } else if (t.startsWith("mozilla public license version 2.0")) {
            id = "MPL-2.0";
        } else if (t.startsWith("isc license")) {
            id = "ISC";
        } else if (t.contains("redistribution and use in source and binary forms")) {
            id = "BSD";
        }
        return Optional.ofNullable(id).map(LicenseExpression::parse);
    }
}
