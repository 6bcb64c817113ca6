package dev.dualtrack.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanReport;
import dev.dualtrack.scanner.Severity;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The three output formats of {@code dualtrack scan}. */
final class Reports {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Reports() {
    }

    static void text(List<ScanCommand.Result> results, PrintWriter out) {
        int blocked = 0;
        for (ScanCommand.Result r : results) {
            ScanReport rep = r.report();
            if (r.blocks()) {
                blocked++;
                out.println("BLOCK " + r.path() + " [" + r.format() + "]");
            } else if (rep.blocked()) {
                // Blocked by the rules, let through by --policy (a waiver, warn, monitor mode).
                out.println((r.decision().equals("waived") ? "WAIVED " : "WARN  ") + r.path() + " [" + r.format() + "]");
            } else {
                out.println("ok    " + r.path() + " [" + r.format() + "]");
            }
            for (Finding f : rep.findings()) {
                out.println("      " + (ScanReport.blocksByDefault(f) ? ""
                        : LicenseScan.isReport(f) ? "(info) " : "(warn) ")
                        + (f.line() > 0 ? "line " + f.line() + ": " : "") + f.rule() + ": " + f.detail());
            }
        }
        out.println(results.size() + " files, " + blocked + " blocked, " + (results.size() - blocked) + " allowed");
    }

    static String json(List<ScanCommand.Result> results) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode files = root.putArray("files");
        int blocked = 0;
        for (ScanCommand.Result r : results) {
            ObjectNode f = files.addObject();
            f.put("path", r.path());
            f.put("format", r.format());
            f.put("sha256", r.sha256());
            f.put("verdict", r.decision());
            ArrayNode findings = f.putArray("findings");
            for (Finding x : r.report().findings()) {
                ObjectNode n = findings.addObject().put("rule", x.rule()).put("severity", severity(x.severity()))
                        .put("detail", x.detail());
                if (x.line() > 0) {
                    n.put("line", x.line());
                }
            }
            blocked += r.blocks() ? 1 : 0;
        }
        root.putObject("summary").put("files", results.size()).put("blocked", blocked)
                .put("allowed", results.size() - blocked);
        return write(root);
    }

    /** SARIF 2.1.0, as GitHub code scanning reads it: one result per finding, located at the file (and the line, for manifests). */
    static String sarif(List<ScanCommand.Result> results) {
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        root.put("version", "2.1.0");
        ObjectNode run = root.putArray("runs").addObject();
        // Paths stay relative to where the scan ran, resolved through a base id, so code-scanning UIs link them.
        String cwd = java.nio.file.Path.of("").toAbsolutePath().toUri().toString();
        run.putObject("originalUriBaseIds").putObject(SRCROOT).put("uri", cwd.endsWith("/") ? cwd : cwd + "/");
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "dualtrack");
        driver.put("version", BuildInfo.version());
        driver.put("informationUri", "https://github.com/dualtrack/dualtrack");
        ArrayNode rules = driver.putArray("rules");
        Map<String, Integer> ruleIndex = new LinkedHashMap<>();
        ArrayNode out = run.putArray("results");
        for (ScanCommand.Result r : results) {
            for (Finding f : r.report().findings()) {
                // A vulnerability is a rule of its own per advisory, whose help is the advisory's page.
                java.util.Optional<String> advisory = f.rule().equals("deps.vulnerable")
                        ? java.util.Optional.of(f.detail().split("[ ,;(]", 2)[0]) : java.util.Optional.empty();
                String ruleId = advisory.map(a -> f.rule() + "/" + a).orElse(f.rule());
                Integer idx = ruleIndex.get(ruleId);
                if (idx == null) {
                    idx = ruleIndex.size();
                    ruleIndex.put(ruleId, idx);
                    ObjectNode rule = rules.addObject();
                    rule.put("id", ruleId);
                    rule.putObject("shortDescription").put("text", advisory.map(a -> "known vulnerability " + a)
                            .orElse(f.rule()));
                    advisory.ifPresent(a -> rule.put("helpUri", "https://osv.dev/vulnerability/"
                            + java.net.URLEncoder.encode(a, java.nio.charset.StandardCharsets.UTF_8)));
                }
                ObjectNode res = out.addObject();
                res.put("ruleId", ruleId);
                res.put("ruleIndex", idx);
                res.put("level", ScanReport.blocksByDefault(f) ? "error" : "warning");
                res.putObject("message").put("text", f.detail());
                ObjectNode loc = res.putArray("locations").addObject().putObject("physicalLocation");
                ObjectNode artifact = loc.putObject("artifactLocation");
                java.nio.file.Path path = java.nio.file.Path.of(r.path());
                if (path.isAbsolute()) {
                    artifact.put("uri", path.toUri().toString());
                } else {
                    artifact.put("uri", relativeUri(r.path())).put("uriBaseId", SRCROOT);
                }
                if (f.line() > 0) {
                    loc.putObject("region").put("startLine", f.line());
                }
                res.putObject("properties").put("sha256", r.sha256()).put("format", r.format())
                        .put("severity", severity(f.severity()));
            }
        }
        return write(root);
    }

    private static final String SRCROOT = "SRCROOT";

    /** A relative path as a SARIF relative URI: forward slashes, no leading "./", each segment percent-encoded. */
    static String relativeUri(String path) {
        StringBuilder b = new StringBuilder();
        for (String segment : path.replace('\\', '/').split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (b.length() > 0) {
                b.append('/');
            }
            b.append(java.net.URLEncoder.encode(segment, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return b.toString();
    }

    private static String severity(Severity s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    private static String write(ObjectNode root) {
        try {
            return JSON.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
