package dev.dualtrack.scanner.pickle;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Named allow-lists of pickle imports. A profile lists exact {@code module.name} pairs; the "sklearn" profile
 * also admits classes (capitalised names) under the {@code sklearn.} package, because a pipeline can hold any of
 * several hundred estimators.
 *
 * <p>"weights-only" is what {@code torch.load(weights_only=True)} accepts (PyTorch's
 * {@code torch/_weights_only_unpickler.py}): tensor and storage rebuilders, dtypes, layouts, quantization
 * schemes, {@code OrderedDict}, {@code _codecs.encode} and a few builtins. It is always on.
 */
final class ImportProfiles {
    static final String WEIGHTS_ONLY = "weights-only";
    static final String NUMPY_OBJECT = "numpy-object";
    static final String SKLEARN = "sklearn";
    static final String TORCH_MODULES = "torch-modules";

    private static final List<String> TORCH_DTYPES = List.of("float32", "float64", "float16", "bfloat16", "int64",
            "int32", "int16", "int8", "uint8", "uint16", "uint32", "uint64", "bool", "complex32", "complex64",
            "complex128", "qint8", "quint8", "qint32", "quint4x2", "quint2x4", "float8_e4m3fn", "float8_e5m2",
            "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2", "bits1x8", "bits2x4",
            "bits4x2", "bits8", "bits16");
    private static final List<String> TORCH_STORAGES = List.of("FloatStorage", "DoubleStorage", "HalfStorage",
            "BFloat16Storage", "LongStorage", "IntStorage", "ShortStorage", "CharStorage", "ByteStorage",
            "BoolStorage", "ComplexFloatStorage", "ComplexDoubleStorage", "QUInt8Storage", "QInt8Storage",
            "QInt32Storage", "QUInt4x2Storage", "QUInt2x4Storage", "UntypedStorage");
    private static final List<String> TORCH_REBUILDERS = List.of("_rebuild_parameter",
            "_rebuild_parameter_with_state", "_rebuild_qtensor", "_rebuild_tensor", "_rebuild_tensor_v2",
            "_rebuild_tensor_v3", "_rebuild_sparse_tensor", "_rebuild_meta_tensor_no_storage",
            "_rebuild_wrapper_subclass", "_rebuild_device_tensor_from_numpy", "_rebuild_device_tensor_from_cpu_tensor",
            "_rebuild_nested_tensor");
    private static final List<String> TORCH_SCHEMES = List.of("per_tensor_affine", "per_channel_affine",
            "per_tensor_symmetric", "per_channel_symmetric", "per_channel_affine_float_qparams");
    private static final List<String> TORCH_LAYOUTS = List.of("strided", "sparse_coo", "sparse_csr", "sparse_csc",
            "sparse_bsr", "sparse_bsc", "_mkldnn", "jagged");

    private static final Set<String> WEIGHTS = build();

    private static Set<String> build() {
        java.util.HashSet<String> s = new java.util.HashSet<>(List.of(
                "collections.OrderedDict", "collections.Counter",
                "torch.nn.parameter.Parameter", "torch.serialization._get_layout",
                "torch.Size", "torch.Tensor", "torch.device", "torch._tensor._rebuild_from_type_v2",
                "torch.storage.UntypedStorage", "torch.storage.TypedStorage",
                "_codecs.encode", "builtins.bytearray", "builtins.set", "builtins.complex"));
        TORCH_DTYPES.forEach(d -> s.add("torch." + d));
        TORCH_STORAGES.forEach(st -> s.add("torch." + st));
        // The legacy tensor classes (torch._tensor_classes), which old checkpoints name.
        for (String t : List.of("Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool")) {
            s.add("torch." + t + "Tensor");
            s.add("torch.cuda." + t + "Tensor");
        }
        TORCH_REBUILDERS.forEach(r -> s.add("torch._utils." + r));
        TORCH_SCHEMES.forEach(q -> s.add("torch." + q));
        TORCH_LAYOUTS.forEach(l -> s.add("torch." + l));
        return Set.copyOf(s);
    }

    /** numpy arrays and scalars as numpy pickles them, and plain builtin containers. */
    private static final Set<String> NUMPY = Set.of(
            "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
            "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
            "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer",
            "numpy.ndarray", "numpy.dtype", "numpy.ma.core._mareconstruct",
            "copyreg._reconstructor", "builtins.object", "builtins.list", "builtins.dict", "builtins.tuple",
            "builtins.frozenset", "builtins.slice", "builtins.range", "builtins.int", "builtins.float",
            "builtins.str", "builtins.bytes", "builtins.bool");

    /** Whole torch.nn modules pickled by {@code torch.save(model)}. */
    private static final Set<String> TORCH_MODULE_PREFIXES = Set.of("torch.nn.modules.");

    static final Map<String, Set<String>> EXACT = Map.of(
            WEIGHTS_ONLY, WEIGHTS,
            NUMPY_OBJECT, NUMPY,
            SKLEARN, union(NUMPY, Set.of("joblib.numpy_pickle.NumpyArrayWrapper",
                    "joblib.numpy_pickle.NDArrayWrapper")),
            TORCH_MODULES, Set.of("torch.nn.functional.relu", "torch.nn.functional.gelu",
                    "torch.nn.functional.silu"));

    /** Packages under which a profile admits capitalised (class) names. */
    static final Map<String, Set<String>> CLASS_PREFIXES = Map.of(
            SKLEARN, Set.of("sklearn."),
            TORCH_MODULES, TORCH_MODULE_PREFIXES);

    /** Packages a prefix profile never admits, even for classes: test helpers and vendored code. */
    static final Set<String> NEVER_PREFIXES = Set.of("sklearn.utils._testing", "sklearn.externals",
            "sklearn.utils._show_versions");

    private ImportProfiles() {
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.HashSet<String> s = new java.util.HashSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }
}
