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
 * schemes, {@code OrderedDict}, {@code _codecs.encode} and a few builtins, plus the companions a checkpoint's
 * own safe loader accepts (see {@link #CHECKPOINT_COMPANIONS}). It is always on.
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

    /**
     * Classes a pickle may create only the way pickling an instance writes it: NEWOBJ ({@code cls.__new__}, no
     * {@code __init__}) and BUILD (a plain {@code __dict__} update, since none defines {@code __setstate__}). That
     * is all of what a Trainer's {@code training_args.bin} and timm's {@code argparse.Namespace} hold. Calling one
     * (REDUCE, OBJ, INST) would run its initializer: {@code TrainingArguments.__post_init__} reads a DeepSpeed
     * config file and sets up process groups, so a call is refused.
     */
    static final Set<String> CONSTRUCT_ONLY = Set.of(
            "transformers.training_args.TrainingArguments",
            "transformers.training_args_seq2seq.Seq2SeqTrainingArguments",
            "transformers.trainer_pt_utils.AcceleratorConfig",
            "accelerate.state.PartialState",
            "argparse.Namespace");

    /**
     * Always allowed with the weights: what the checkpoints' own safe loaders accept beside tensors.
     * <ul>
     *   <li>the construct-only classes above;</li>
     *   <li>the enums their fields hold: calling an Enum class with a value looks a member up, and refuses to
     *       create new members of an enum that has any;</li>
     *   <li>numpy's array rebuild and dtypes, for the RNG state in a Trainer's {@code rng_state.pth} (transformers
     *       loads it with {@code weights_only=True} and exactly these as safe globals).</li>
     * </ul>
     */
    private static final Set<String> CHECKPOINT_COMPANIONS = companions();

    private static Set<String> companions() {
        java.util.HashSet<String> s = new java.util.HashSet<>(CONSTRUCT_ONLY);
        for (String e : List.of("IntervalStrategy", "SaveStrategy", "SchedulerType", "HubStrategy",
                "EvaluationStrategy", "FSDPOption")) {
            s.add("transformers.trainer_utils." + e);
        }
        s.addAll(List.of("transformers.training_args.OptimizerNames", "transformers.training_args.ParallelMode",
                "transformers.debug_utils.DebugOption"));
        for (String e : List.of("DistributedType", "DynamoBackend", "PrecisionType", "SageMakerDistributedType")) {
            s.add("accelerate.utils.dataclasses." + e);
        }
        for (String core : List.of("numpy.core", "numpy._core")) {
            s.add(core + ".multiarray._reconstruct");
        }
        s.addAll(List.of("numpy.ndarray", "numpy.dtype"));
        for (String d : List.of("Bool", "Int8", "UInt8", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64",
                "Long", "ULong", "LongLong", "ULongLong", "Float16", "Float32", "Float64", "LongDouble", "Complex64",
                "Complex128", "CLongDouble")) {
            s.add("numpy.dtypes." + d + "DType");
        }
        return Set.copyOf(s);
    }

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
            "builtins.str", "builtins.bytes", "builtins.bool",
            // A plain joblib.dump of arrays writes these wrappers, and the arrays' bytes follow in the stream.
            "joblib.numpy_pickle.NumpyArrayWrapper", "joblib.numpy_pickle.NDArrayWrapper",
            // RandomState and Generator objects (sklearn estimators hold one). The two private constructors are a
            // deliberate exception to avoiding underscore names: each looks a bit generator up by name in numpy's
            // own table, or calls the class it is given with no arguments, and a class can only reach it through
            // an import this allow-list already judged. The state then goes through __setstate__, which only
            // checks and copies numbers.
            "numpy.random._pickle.__randomstate_ctor", "numpy.random._pickle.__bit_generator_ctor",
            "numpy.random._pickle.__generator_ctor", "numpy.random.mtrand.RandomState",
            "numpy.random._generator.Generator", "numpy.random._mt19937.MT19937", "numpy.random._pcg64.PCG64",
            "numpy.random._pcg64.PCG64DXSM", "numpy.random._philox.Philox", "numpy.random._sfc64.SFC64");

    /**
     * numpy ufuncs a {@code FunctionTransformer} commonly holds: numpy pickles a ufunc as a plain global. Not
     * {@code numpy.*} wholesale: {@code numpy.load} and {@code numpy.fromfile} are reachable that way.
     */
    private static final Set<String> UFUNCS = ufuncs();

    private static Set<String> ufuncs() {
        java.util.HashSet<String> s = new java.util.HashSet<>();
        for (String u : List.of("log1p", "expm1", "log", "log2", "log10", "exp", "exp2", "sqrt", "cbrt", "square",
                "absolute", "sign", "negative", "reciprocal", "floor", "ceil", "rint", "trunc", "sin", "cos", "tan",
                "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "deg2rad",
                "rad2deg", "isnan", "isfinite", "logical_not")) {
            s.add("numpy." + u);
        }
        s.add("scipy.special._ufuncs.expit");
        s.add("scipy.special._ufuncs.logit");
        return Set.copyOf(s);
    }

    /** Whole torch.nn modules pickled by {@code torch.save(model)}. */
    private static final Set<String> TORCH_MODULE_PREFIXES = Set.of("torch.nn.modules.");

    static final Map<String, Set<String>> EXACT = Map.of(
            WEIGHTS_ONLY, union(WEIGHTS, CHECKPOINT_COMPANIONS),
            NUMPY_OBJECT, NUMPY,
            SKLEARN, union(NUMPY, UFUNCS),
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
