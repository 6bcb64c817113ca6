/**
 * Typed configuration for dualtrack.
 *
 * <p>A YAML file is read into a tree that remembers where every node stands ({@link YamlNode}), then bound to
 * immutable records ({@link DualtrackConfig} and its parts) by {@link RecordBinder}. Binding is strict: unknown
 * keys, wrong types, bad durations and sizes, and references to nothing are all errors, and every error names the
 * file, line, column and key path. Defaults live beside the record components they belong to ({@link Default}),
 * so that an empty file and the embedded {@code default.yaml} bind to the same configuration.
 *
 * <p>Secrets never appear in YAML: the config names environment variables ({@code bearer-env: INTERNAL_TOKEN}),
 * and {@link Secrets} reads them when a request needs them.
 */
package dev.dualtrack.config;
