/**
 * The {@code dualtrack} command line: {@code serve} runs the proxy, {@code check-config} validates a config
 * file. Exit codes: 0 success, 1 something was blocked (scan), 2 usage, configuration or I/O error.
 */
package dev.dualtrack.app;
