package dev.dualtrack.scanner;

/**
 * How bad a finding is. {@code DANGEROUS}: known to run code or touch the system (os.system, builtins.eval,
 * known gadgets). {@code UNKNOWN}: outside the allow-list, not known to be harmful. {@code MALFORMED}: the input
 * could not be understood, which fails closed. {@code INFO}: worth recording, never a reason to block by itself.
 */
public enum Severity {
    DANGEROUS,
    UNKNOWN,
    MALFORMED,
    INFO
}
