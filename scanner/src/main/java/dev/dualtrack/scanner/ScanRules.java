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

    private ScanRules() {
    }
}
