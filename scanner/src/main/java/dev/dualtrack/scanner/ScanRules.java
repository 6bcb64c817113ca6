package dev.dualtrack.scanner;

/**
 * The stable rule ids the scanner reports under. They appear in {@code dualtrack_blocked_total{rule=...}}, in
 * audit lines and in {@code dualtrack scan} output; an id is never renamed, only added.
 */
public final class ScanRules {
    /** An import known to run code or touch the system (os.system, builtins.eval, known gadgets). */
    public static final String PICKLE_DANGEROUS_IMPORT = "hf.pickle.dangerous-import";
    /** An import outside the allow-list of the active profiles. */
    public static final String PICKLE_UNKNOWN_IMPORT = "hf.pickle.unknown-import";
    /** A pickle the scanner cannot read exactly as CPython would: truncated, unknown opcode, bad operands. */
    public static final String PICKLE_MALFORMED = "hf.pickle.malformed";
    /** A construct that only serves code execution or scanner evasion (EXT codes, BUILD on a class or module). */
    public static final String PICKLE_DANGEROUS_OPCODE = "hf.pickle.dangerous-opcode";

    /** A pickle whose structure expands past the configured bound, or that asks for a huge allocation: a bomb. */
    public static final String PICKLE_RESOURCE = "hf.pickle.resource";

    /** A safetensors file whose header or layout is not exactly what the format allows. */
    public static final String SAFETENSORS_INVALID = "hf.safetensors.invalid";
    /** A zip whose central directory disagrees with what was streamed, or that a loader could read two ways. */
    public static final String ZIP_INCONSISTENT = "hf.zip.inconsistent";
    /** A TorchScript archive: executable TorchScript code (and the CVE-2025-32434 load path). */
    public static final String TORCHSCRIPT = "hf.torchscript";
    /** A .npy file whose header or length is invalid. */
    public static final String NUMPY_INVALID = "hf.numpy.invalid";
    /** A container we cannot open (7z, tar, compression we do not decode): refused, since we cannot see inside. */
    public static final String UNSUPPORTED_FORMAT = "hf.unsupported-format";
    /** A file named like model weights whose content is no format we know. */
    public static final String UNRECOGNIZED_WEIGHTS = "hf.unrecognized-weights";
    /** A format we recognise but do not inspect yet (HDF5): reported, warn by default. */
    public static final String UNSCANNED = "hf.unscanned";
    /** A pickle-based weight file under enforce-safetensors, however clean. */
    public static final String ENFORCE_SAFETENSORS = "hf.enforce-safetensors";

    /** A Keras v3 model that carries code: a Lambda layer (marshalled bytecode) or a class from outside Keras. */
    public static final String KERAS_CODE = "hf.keras.code";
    /** A TensorFlow SavedModel or GraphDef with an op that runs Python or touches files or the network. */
    public static final String TF_UNSAFE_OP = "hf.tf.unsafe-op";
    /** A GGUF chat template whose Jinja reaches Python internals (CVE-2024-34359). */
    public static final String GGUF_TEMPLATE = "hf.gguf.chat-template";
    /** A GGUF file whose metadata cannot be read. */
    public static final String GGUF_INVALID = "hf.gguf.invalid";

    private ScanRules() {
    }
}
