/**
 * Track 1, the PyPI firewall: the simple API (PEP 503 HTML, PEP 691 JSON, PEP 592, 658/714, 700) parsed,
 * filtered by policy and rendered again, with file URLs rewritten to dualtrack. The rule ids it blocks under
 * are in {@link PypiRules}.
 */
package dev.dualtrack.pypi;
