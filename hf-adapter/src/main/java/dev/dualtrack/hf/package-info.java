/**
 * Track 2, the Hugging Face Hub firewall: the Hub API and resolve routes, redirects followed only to CDN hosts,
 * Xet stripped, LFS oids verified in flight, and model files inspected by the scanner. The rule ids it blocks
 * under are in {@link HfRules}.
 */
package dev.dualtrack.hf;
