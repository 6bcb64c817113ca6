package dev.dualtrack.scanner.keras;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Keras HDF5 models ({@code model.h5}, {@code tf_model.h5}): a legacy Keras model keeps its architecture as JSON
 * in the root attribute {@code model_config} (and its compile settings in {@code training_config}), with the
 * same structure as a {@code .keras} archive's {@code config.json}. A Lambda layer in it runs on
 * {@code load_model} under Keras up to 3.11 (CVE-2025-9905: safe_mode was ignored for .h5), under tf-keras, and
 * with {@code safe_mode=False} today, so the same checks apply ({@link KerasConfigCheck}). Weights-only files
 * ({@code .weights.h5}, transformers' {@code tf_model.h5}) have no config and pass.
 *
 * <p>HDF5 needs random access, so this runs at the end of the scan over the spooled file. A file that the HDF5
 * reader cannot open is refused: what cannot be read cannot be judged.
 */
public final class Hdf5Models {
    /** The same bound as a .keras archive's config.json. */
    static final long MAX_CONFIG_BYTES = 16 << 20;

    private Hdf5Models() {
    }

    public static void check(Path file, String name, String where, List<Finding> findings) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file);
             HdfFile h5 = new HdfFile(file)) {
            long end = io.jhdf.Superblock.readSuperblock(ch, 0).getEndOfFileAddress();
            if (end > ch.size()) {
                findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, "the HDF5 file is "
                        + ch.size() + " bytes but its superblock says it ends at " + end + ": truncated" + where));
                return;
            }
            for (String attribute : List.of("model_config", "training_config")) {
                Attribute a = h5.getAttribute(attribute);
                if (a == null) {
                    continue;
                }
                if (a.getSizeInBytes() > MAX_CONFIG_BYTES || a.getSizeInBytes() < 0) {
                    findings.add(new Finding(ScanRules.KERAS_CODE, Severity.MALFORMED, "the HDF5 attribute "
                            + attribute + " is " + a.getSizeInBytes() + " bytes, over " + MAX_CONFIG_BYTES + where));
                    continue;
                }
                byte[] json = text(a.getData());
                if (json == null) {
                    findings.add(new Finding(ScanRules.KERAS_CODE, Severity.MALFORMED, "the HDF5 attribute "
                            + attribute + " is not a string of JSON" + where));
                    continue;
                }
                KerasConfigCheck.check(json, " in " + (name.isEmpty() ? "" : name + "!") + attribute, findings);
            }
        } catch (java.io.IOException | RuntimeException | StackOverflowError e) {
            // A reader error, or recursion that a hostile file drove too deep: either way, not judged.
            findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, "the HDF5 file cannot be read"
                    + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "), so its model config cannot be"
                    + " checked" + where));
        }
    }

    /** h5py stores a str attribute as a variable-length string and bytes as a fixed-length one. */
    private static byte[] text(Object data) {
        if (data instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        if (data instanceof byte[] b) {
            return b;
        }
        if (data instanceof String[] a && a.length == 1) {
            return a[0].getBytes(StandardCharsets.UTF_8);
        }
        return null;
    }
}
