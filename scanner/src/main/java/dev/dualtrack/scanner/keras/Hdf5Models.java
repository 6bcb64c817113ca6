package dev.dualtrack.scanner.keras;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keras HDF5 models ({@code model.h5}, {@code tf_model.h5}): a legacy Keras model keeps its architecture as JSON
 * in the root attribute {@code model_config} (and its compile settings in {@code training_config}), with the
 * same structure as a {@code .keras} archive's {@code config.json}. A Lambda layer in it runs on
 * {@code load_model} under Keras up to 3.11 (CVE-2025-9905: safe_mode was ignored for .h5), under tf-keras, and
 * with {@code safe_mode=False} today, so the same checks apply ({@link KerasConfigCheck}). Weights-only files
 * ({@code .weights.h5}, transformers' {@code tf_model.h5}) have no config and pass.
 *
 * <p>HDF5 needs random access, so this runs at the end of the scan over the spooled file, with a reader of
 * our own that reads only the root group's attributes, within bounds ({@link Hdf5Attributes}). A file that
 * cannot be read that far is refused: what cannot be read cannot be judged.
 */
public final class Hdf5Models {
    /** The same bound as a .keras archive's config.json. */
    static final long MAX_CONFIG_BYTES = 16 << 20;
    private static final List<String> CONFIGS = List.of("model_config", "training_config");

    private Hdf5Models() {
    }

    public static void check(Path file, String name, String where, List<Finding> findings) {
        Map<String, byte[]> attributes;
        try (FileChannel ch = FileChannel.open(file)) {
            attributes = Hdf5Attributes.root(ch, Set.copyOf(CONFIGS));
        } catch (Hdf5Attributes.Malformed | RuntimeException e) {
            findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, "the HDF5 file cannot be "
                    + "read (" + e.getMessage() + "), so its model config cannot be checked" + where));
            return;
        } catch (IOException e) {
            findings.add(new Finding(ScanRules.UNSUPPORTED_FORMAT, Severity.MALFORMED, "the HDF5 file could not be "
                    + "read back from its spool (" + e + ")" + where));
            return;
        }
        for (String attribute : CONFIGS) {
            byte[] json = attributes.get(attribute);
            if (json == null) {
                continue;
            }
            if (json.length > MAX_CONFIG_BYTES) {
                findings.add(new Finding(ScanRules.KERAS_CODE, Severity.MALFORMED, "the HDF5 attribute " + attribute
                        + " is " + json.length + " bytes, over " + MAX_CONFIG_BYTES + where));
                continue;
            }
            KerasConfigCheck.check(json, " in " + (name.isEmpty() ? "" : name + "!") + attribute, findings);
        }
    }
}
