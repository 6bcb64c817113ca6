package dev.dualtrack.scanner;

/**
 * What a file is, as {@link FileScanner} found it. The label is what reports print ({@code gzip+pickle} for one
 * format inside another); whether a format is pickle-based decides {@code enforce-safetensors}.
 */
public enum Format {
    ZIP("zip"),
    PYTORCH_ZIP("pytorch-zip", true),
    TORCHSCRIPT("torchscript", true),
    NUMPY_ZIP("numpy-zip"),
    KERAS("keras"),
    SEVEN_Z("7z"),
    TAR("tar"),
    GZIP("gzip"),
    BZIP2("bzip2"),
    XZ("xz"),
    LZMA("lzma"),
    ZLIB("zlib"),
    PYTORCH_LEGACY_TAR("pytorch-legacy-tar", true),
    NUMPY("numpy"),
    NUMPY_OBJECT("numpy-object", true),
    HDF5("hdf5"),
    GGUF("gguf"),
    SAFETENSORS("safetensors"),
    PICKLE("pickle", true),
    PYTORCH_LEGACY("pytorch-legacy", true),
    JOBLIB("joblib", true),
    ONNX("onnx"),
    TF_SAVEDMODEL("tf-savedmodel"),
    TF_GRAPHDEF("tf-graphdef"),
    SENTENCEPIECE("sentencepiece"),
    ONNX_EXTERNAL_DATA("onnx-external-data"),
    OTHER("other");

    public final String label;
    /** Loading it unpickles: code can run (enforce-safetensors refuses these however clean). */
    public final boolean pickleBased;

    Format(String label) {
        this(label, false);
    }

    Format(String label, boolean pickleBased) {
        this.label = label;
        this.pickleBased = pickleBased;
    }

    /** The format a label names. */
    public static Format ofLabel(String label) {
        for (Format f : values()) {
            if (f.label.equals(label)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no format is called " + label);
    }
}
