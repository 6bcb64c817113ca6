package dev.dualtrack.scanner.keras;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * Checks the {@code config.json} of a Keras v3 {@code .keras} archive for code. Keras deserialises every object
 * of the config by {@code module} + {@code class_name} (+ {@code registered_name} for custom objects), so:
 *
 * <ul>
 *   <li>a {@code Lambda} layer (its function is marshalled Python bytecode) or a {@code __lambda__} function is
 *       code, dangerous;</li>
 *   <li>{@code TFSMLayer} loads a TensorFlow SavedModel of the author's choosing (CVE-2026-1462), dangerous;</li>
 *   <li>{@code keras.utils.get_file} in a config fetches and opens a URL (CVE-2025-8747), dangerous;</li>
 *   <li>a {@code module} outside Keras and TensorFlow, or a custom {@code registered_name}, imports the
 *       author's code (CVE-2025-1550), unknown.</li>
 * </ul>
 * Plain Keras models (Sequential, Functional, Dense, Conv2D …) pass.
 */
public final class KerasConfigCheck {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private KerasConfigCheck() {
    }

    /** What one JSON object of the config declared. */
    private static final class Obj {
        String className;
        String module;
        String registeredName;
        String name;
    }

    public static void check(byte[] config, String where, List<Finding> findings) {
        Deque<Obj> stack = new ArrayDeque<>();
        try (JsonParser p = JSON.createParser(config)) {
            String field = null;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                switch (t) {
                    case START_OBJECT -> stack.push(new Obj());
                    case END_OBJECT -> judge(stack.pop(), where, findings);
                    case FIELD_NAME -> field = p.currentName();
                    case VALUE_STRING -> {
                        Obj o = stack.peek();
                        if (o != null && field != null) {
                            switch (field) {
                                case "class_name" -> o.className = p.getText();
                                case "module" -> o.module = p.getText();
                                case "registered_name" -> o.registeredName = p.getText();
                                case "function_name", "name", "config" -> o.name = p.getText();
                                default -> { }
                            }
                        }
                    }
                    default -> { }
                }
            }
        } catch (IOException e) {
            findings.add(new Finding(ScanRules.KERAS_CODE, Severity.MALFORMED, "config.json is not valid JSON: "
                    + e.getMessage() + where));
        }
    }

    /** Class names no Keras object has, that name a way to run a process or code ("Popen" as a layer). */
    private static final java.util.Set<String> CODE_NAMES = java.util.Set.of("Popen", "system", "popen", "eval",
            "exec", "compile", "__import__", "getattr", "open", "run", "call", "check_call", "check_output",
            "spawn", "execv", "execve", "fork", "import_module", "load", "loads");

    private static void judge(Obj o, String where, List<Finding> findings) {
        if ("Lambda".equals(o.className) || "__lambda__".equals(o.className)) {
            // Keras 3 writes a Lambda layer and, inside it, its __lambda__ function: one finding for both.
            add(findings, new Finding(ScanRules.KERAS_CODE, Severity.DANGEROUS,
                    "Keras Lambda layer: its function is marshalled Python bytecode that runs on load" + where));
            return;
        }
        if ("enable_unsafe_deserialization".equals(o.name) || "enable_unsafe_deserialization".equals(o.className)) {
            add(findings, new Finding(ScanRules.KERAS_CODE, Severity.DANGEROUS, "the config calls keras.config."
                    + "enable_unsafe_deserialization, which turns safe_mode off for what follows (CVE-2025-9906)"
                    + where));
            return;
        }
        if ("TFSMLayer".equals(o.className)) {
            findings.add(new Finding(ScanRules.KERAS_CODE, Severity.DANGEROUS,
                    "TFSMLayer loads a TensorFlow SavedModel named by the file (CVE-2026-1462)" + where));
            return;
        }
        if ("get_file".equals(o.className) || ("get_file".equals(o.name) && o.module != null
                && o.module.startsWith("keras"))) {
            findings.add(new Finding(ScanRules.KERAS_CODE, Severity.DANGEROUS,
                    "keras.utils.get_file in a model config downloads and opens a file (CVE-2025-8747)" + where));
            return;
        }
        if (o.module != null && !kerasModule(o.module)) {
            findings.add(new Finding(ScanRules.KERAS_CODE, Severity.UNKNOWN, "object " + o.className + " comes from"
                    + " module '" + o.module + "', outside Keras and TensorFlow: loading imports it (CVE-2025-1550)"
                    + where));
            return;
        }
        if (o.className != null && CODE_NAMES.contains(o.className)) {
            add(findings, new Finding(ScanRules.KERAS_CODE, Severity.DANGEROUS, "object of class '" + o.className
                    + "' names a way to run code, not a Keras layer" + where));
            return;
        }
        if (o.registeredName != null && o.registeredName.contains(">")
                && !kerasModule(o.registeredName.substring(0, o.registeredName.indexOf('>')))) {
            findings.add(new Finding(ScanRules.KERAS_CODE, Severity.UNKNOWN, "custom object '" + o.registeredName
                    + "': loading runs the registering package's code" + where));
        }
    }

    private static void add(List<Finding> findings, Finding f) {
        if (!findings.contains(f)) {
            findings.add(f);
        }
    }

    private static boolean kerasModule(String module) {
        String m = module.toLowerCase(Locale.ROOT);
        return m.equals("keras") || m.startsWith("keras.") || m.equals("tensorflow") || m.startsWith("tensorflow.")
                || m.equals("tf_keras") || m.startsWith("tf_keras.");
    }
}
