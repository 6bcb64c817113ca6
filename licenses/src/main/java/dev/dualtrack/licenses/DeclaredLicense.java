package dev.dualtrack.licenses;

import java.util.Optional;

/**
 * What an artifact says its license is, and where it said it.
 *
 * @param expression the license as an expression, when one could be read
 * @param source     where it was read: {@code License-Expression}, {@code License}, {@code classifiers}, {@code model
 *                   card}; for reasons and the AI-BOM
 * @param problem    why there is no expression ("states no license", "License 'see LICENSE' is not a license id")
 * @param name       a model card's {@code license_name} (for {@code license: other})
 * @param link       a model card's {@code license_link}
 */
public record DeclaredLicense(Optional<LicenseExpression> expression, String source, Optional<String> problem,
        Optional<String> name, Optional<String> link) {

    public static DeclaredLicense of(LicenseExpression e, String source) {
        return new DeclaredLicense(Optional.of(e), source, Optional.empty(), Optional.empty(), Optional.empty());
    }

    public static DeclaredLicense none(String source, String problem) {
        return new DeclaredLicense(Optional.empty(), source, Optional.of(problem), Optional.empty(), Optional.empty());
    }

    /** The expression as text, or empty: what the AI-BOM and the audit line carry. */
    public Optional<String> text() {
        return expression.map(Object::toString);
    }
}
