package dev.dualtrack.scanner;

/**
 * Bounds on the state any scanner keeps, so memory stays independent of the input (G6). Hitting a limit is a
 * finding (a block), never a silent truncation.
 *
 * <table>
 *   <caption>Limits</caption>
 *   <tr><th>limit</th><th>default</th><th>what it bounds</th></tr>
 *   <tr><td>maxPickleStack</td><td>200,000</td><td>symbolic stack depth of one pickle</td></tr>
 *   <tr><td>maxPickleMemo</td><td>4,000,000</td><td>memo entries of one pickle (8 bytes each)</td></tr>
 *   <tr><td>maxPickleMarks</td><td>10,000</td><td>nested MARKs</td></tr>
 *   <tr><td>maxLineBytes</td><td>1 MiB</td><td>a text-protocol argument line (STRING, UNICODE, INT…)</td></tr>
 *   <tr><td>maxNameChars</td><td>256</td><td>a string kept as a possible import name; longer ones are kept
 *       as "not a name"</td></tr>
 *   <tr><td>maxFindings</td><td>100</td><td>findings recorded per file</td></tr>
 *   <tr><td>maxPickleObjects</td><td>100,000,000</td><td>objects a pickle's structure may expand to, a shared
 *       reference counted each time it is reached ({@code hf.pickle.max-objects}); also the largest size a
 *       pickle may ask an allocating constructor for (bytearray)</td></tr>
 *   <tr><td>maxRetainedNames</td><td>262,144</td><td>strings kept as possible import names per pickle;
 *       later ones are kept as "not a name", so an import spelled with one of them is refused</td></tr>
 * </table>
 */
public record ScanLimits(int maxPickleStack, int maxPickleMemo, int maxPickleMarks, int maxLineBytes,
        int maxNameChars, int maxFindings, int maxRetainedNames, long maxPickleObjects) {

    /** The default of {@code hf.pickle.max-objects}. */
    public static final long DEFAULT_MAX_PICKLE_OBJECTS = 100_000_000L;

    public static final ScanLimits DEFAULT = new ScanLimits(200_000, 4_000_000, 10_000, 1 << 20, 256, 100, 1 << 18,
            DEFAULT_MAX_PICKLE_OBJECTS);

    /** With the default bound on a pickle's expanded size. */
    public ScanLimits(int maxPickleStack, int maxPickleMemo, int maxPickleMarks, int maxLineBytes, int maxNameChars,
            int maxFindings, int maxRetainedNames) {
        this(maxPickleStack, maxPickleMemo, maxPickleMarks, maxLineBytes, maxNameChars, maxFindings,
                maxRetainedNames, DEFAULT_MAX_PICKLE_OBJECTS);
    }

    public ScanLimits withMaxPickleObjects(long n) {
        return new ScanLimits(maxPickleStack, maxPickleMemo, maxPickleMarks, maxLineBytes, maxNameChars, maxFindings,
                maxRetainedNames, n);
    }

    public ScanLimits {
        if (maxPickleObjects <= 0) {
            throw new IllegalArgumentException("maxPickleObjects must be positive (was " + maxPickleObjects + ")");
        }
        require(maxPickleStack, "maxPickleStack");
        require(maxPickleMemo, "maxPickleMemo");
        require(maxPickleMarks, "maxPickleMarks");
        require(maxLineBytes, "maxLineBytes");
        require(maxNameChars, "maxNameChars");
        require(maxFindings, "maxFindings");
        require(maxRetainedNames, "maxRetainedNames");
    }

    private static void require(int v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive (was " + v + ")");
        }
    }
}
