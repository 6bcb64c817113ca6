package dev.dualtrack.scanner.pickle;

import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a pickle may import {@code module.name}. An allow-list: exact pairs from the active profiles
 * plus extra names from the config; everything else is a finding. The deny-list here only sets the severity
 * of a finding ({@code dangerous} or {@code unknown}); it never lets anything through.
 *
 * <pre>{@code
 * ImportPolicy p = ImportPolicy.of(List.of("weights-only"), List.of());
 * p.check("posix", "system", 2);   // Optional[Finding(hf.pickle.dangerous-import, DANGEROUS, ...)]
 * p.check("collections", "OrderedDict", 2);   // Optional.empty()
 * }</pre>
 *
 * <p>Never allowed, whatever the lists say: dotted names (proto 4 resolves {@code os.system} inside a harmless
 * module by getattr), dunder names ({@code __builtins__}, {@code __class__}), and empty names.
 */
public final class ImportPolicy {
    /** Whole modules (and their submodules) whose every name is dangerous. */
    private static final Set<String> DANGEROUS_MODULES = Set.of("os", "posix", "nt", "subprocess", "sys", "socket",
            "shutil", "pty", "tty", "runpy", "ctypes", "_ctypes", "cffi", "pickle", "_pickle", "dill", "cloudpickle",
            "jsonpickle", "shelve", "dbm", "marshal", "importlib", "_imp", "imp", "zipimport", "code", "codeop",
            "compileall", "py_compile", "commands", "pdb", "bdb", "ipdb", "cProfile", "profile", "pydoc", "timeit",
            "trace", "tracemalloc", "webbrowser", "urllib", "urllib2", "http", "httplib", "requests", "aiohttp",
            "asyncio", "ssl", "ftplib", "smtplib", "poplib", "imaplib", "nntplib", "telnetlib", "xmlrpc",
            "socketserver", "select", "selectors", "multiprocessing", "threading", "_thread", "signal", "_signal",
            "pip", "ensurepip", "venv", "distutils", "setuptools", "tempfile", "glob", "sqlite3", "_sqlite3",
            "pkgutil", "uuid", "_osx_support", "_aix_support", "_pyrepl", "idlelib", "lib2to3", "doctest", "test",
            "unittest", "site", "gc", "inspect", "types", "operator", "_operator", "functools", "logging", "io",
            "_io", "_posixsubprocess", "_winapi", "msvcrt", "winreg", "pexpect", "paramiko", "fabric", "yaml",
            "ruamel", "_frozen_importlib", "_frozen_importlib_external", "_interpreters", "_xxsubinterpreters",
            "fickling", "picklescan", "modelscan", "modelaudit", "numpy.f2py", "numpy.distutils", "numpy.testing",
            "torch.hub", "torch.jit", "torch._dynamo", "torch._inductor", "torch.utils.collect_env",
            "torch.utils.bottleneck", "torch.utils._config_module", "torch.distributed", "torch.fx",
            "torch.serialization", "torch.storage", "mlflow.projects", "pandas.io");
    /** Single dangerous names in otherwise unremarkable modules. */
    private static final Set<String> DANGEROUS_NAMES = Set.of("builtins.eval", "builtins.exec", "builtins.compile",
            "builtins.open", "builtins.__import__", "builtins.getattr", "builtins.setattr", "builtins.delattr",
            "builtins.globals", "builtins.locals", "builtins.vars", "builtins.breakpoint", "builtins.input",
            "builtins.apply", "builtins.execfile", "builtins.file", "builtins.reload", "builtins.help",
            "torch.load", "torch.compile", "numpy.load", "numpy.fromfile", "pandas.read_pickle", "joblib.load",
            "copyreg._reconstructor_with_state", "codecs.open", "_codecs.open");

    private final Set<String> exact;
    private final Set<String> classPrefixes;
    private final List<String> profiles;

    private ImportPolicy(Set<String> exact, Set<String> classPrefixes, List<String> profiles) {
        this.exact = exact;
        this.classPrefixes = classPrefixes;
        this.profiles = profiles;
    }

    /** The default: weights-only. */
    public static ImportPolicy weightsOnly() {
        return of(List.of(), List.of());
    }

    /**
     * Weights-only plus the named profiles and extra exact names. Unknown profile names are refused, so a typo in
     * a config cannot silently mean "nothing extra".
     */
    public static ImportPolicy of(List<String> profileNames, List<String> extraAllowed) {
        Set<String> exact = new HashSet<>(ImportProfiles.EXACT.get(ImportProfiles.WEIGHTS_ONLY));
        Set<String> prefixes = new HashSet<>();
        Set<String> active = new LinkedHashSet<>();
        active.add(ImportProfiles.WEIGHTS_ONLY);
        for (String p : profileNames) {
            Set<String> names = ImportProfiles.EXACT.get(p);
            if (names == null) {
                throw new IllegalArgumentException("unknown pickle profile '" + p + "' (known: "
                        + String.join(", ", knownProfiles()) + ")");
            }
            exact.addAll(names);
            prefixes.addAll(ImportProfiles.CLASS_PREFIXES.getOrDefault(p, Set.of()));
            active.add(p);
        }
        for (String extra : extraAllowed) {
            int dot = extra.lastIndexOf('.');
            if (dot <= 0 || dot == extra.length() - 1) {
                throw new IllegalArgumentException("extra allowed import '" + extra + "' must be module.name");
            }
            exact.add(extra);
        }
        return new ImportPolicy(Set.copyOf(exact), Set.copyOf(prefixes), List.copyOf(active));
    }

    public static List<String> knownProfiles() {
        return ImportProfiles.EXACT.keySet().stream().sorted().toList();
    }

    /**
     * What decides this policy's answers, in a stable order: the profiles and every allowed import. Part of
     * {@link dev.dualtrack.scanner.ScanPolicy#version()}.
     */
    public String describe() {
        return "profiles=" + profiles + ";exact=" + new java.util.TreeSet<>(exact) + ";prefixes="
                + new java.util.TreeSet<>(classPrefixes);
    }

    public List<String> profiles() {
        return profiles;
    }

    /**
     * Checks one import. {@code protocol} matters because CPython maps Python 2 names ({@code __builtin__},
     * {@code copy_reg}) to their Python 3 modules for protocols below 3; we judge the module that would load.
     *
     * @return empty when allowed, else the finding
     */
    public Optional<Finding> check(String module, String name, int protocol, String where) {
        String mod = fixImports(module, protocol);
        String full = mod + "." + name;
        String shown = module.equals(mod) ? full : module + "." + name + " (loads as " + full + ")";
        if (name.isEmpty() || mod.isEmpty()) {
            return Optional.of(new Finding(ScanRules.PICKLE_MALFORMED, Severity.MALFORMED,
                    "import with an empty module or name" + where));
        }
        boolean dotted = name.contains(".");
        // __main__ is the loading script's namespace: never in a profile, but a user may name a class of theirs
        // in extra-allowed (e.g. __main__.Net for a whole pickled model).
        boolean dunder = isDunder(name) || java.util.Arrays.stream(mod.split("\\."))
                .anyMatch(part -> isDunder(part) && !(part.equals("__main__") && exact.contains(full)));
        if (!dotted && !dunder && allowed(mod, name, full)) {
            return Optional.empty();
        }
        boolean dangerous = isDangerous(mod, name, full);
        String why = dotted ? " (a dotted name reaches attributes through getattr)"
                : dunder ? " (dunder names reach interpreter internals)" : "";
        return Optional.of(dangerous
                ? new Finding(ScanRules.PICKLE_DANGEROUS_IMPORT, Severity.DANGEROUS,
                        "imports " + shown + why + where)
                : new Finding(ScanRules.PICKLE_UNKNOWN_IMPORT, Severity.UNKNOWN,
                        "imports " + shown + ", which profiles " + profiles + " do not allow" + why + where));
    }

    private boolean allowed(String mod, String name, String full) {
        if (exact.contains(full)) {
            return true;
        }
        if (!Character.isUpperCase(name.charAt(0))) {
            return false;
        }
        for (String never : ImportProfiles.NEVER_PREFIXES) {
            if (mod.equals(never) || mod.startsWith(never + ".")) {
                return false;
            }
        }
        for (String prefix : classPrefixes) {
            if ((mod + ".").startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** A class a pickle may create with NEWOBJ but never call (see {@link ImportProfiles#CONSTRUCT_ONLY}). */
    public boolean constructOnly(String module, String name, int protocol) {
        return ImportProfiles.CONSTRUCT_ONLY.contains(fixImports(module, protocol) + "." + name);
    }

    /** A callable whose first argument is a size it allocates at once ({@code bytearray(10**10)}). */
    public boolean allocates(String module, String name, int protocol) {
        String full = fixImports(module, protocol) + "." + name;
        return full.equals("builtins.bytearray") || full.equals("builtins.bytes");
    }

    private static boolean isDangerous(String mod, String name, String full) {
        if (DANGEROUS_NAMES.contains(full)) {
            return true;
        }
        // The module or any ancestor (asyncio.unix_events is asyncio, CVE-2025-10157); and a dotted name is
        // judged by the module it walks into (pathlib + "os.system").
        String m = mod;
        while (true) {
            if (DANGEROUS_MODULES.contains(m)) {
                return true;
            }
            int dot = m.lastIndexOf('.');
            if (dot < 0) {
                break;
            }
            m = m.substring(0, dot);
        }
        if (name.contains(".")) {
            String first = name.substring(0, name.indexOf('.'));
            return DANGEROUS_MODULES.contains(first) || name.contains("system") || name.contains("exec")
                    || name.contains("eval");
        }
        return false;
    }

    private static boolean isDunder(String s) {
        return s.length() > 4 && s.startsWith("__") && s.endsWith("__");
    }

    private static final Map<String, String> PY2_MODULES = Map.of("__builtin__", "builtins", "copy_reg", "copyreg",
            "cPickle", "pickle", "Queue", "queue", "repr", "reprlib", "cStringIO", "io", "StringIO", "io",
            "exceptions", "builtins", "UserDict", "collections", "urllib2", "urllib.request");

    static String fixImports(String module, int protocol) {
        if (protocol >= 3) {
            return module;
        }
        return PY2_MODULES.getOrDefault(module, module);
    }
}
