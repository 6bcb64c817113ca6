/**
 * The pure-Java inspection library: push parsers fed byte chunks, which report {@link Finding}s, and the
 * {@link Verdict} type that policy turns findings into. Nothing here knows about Netty or HTTP, so the proxy runs
 * the same code in flight as {@code dualtrack scan} runs on files.
 */
package dev.dualtrack.scanner;
