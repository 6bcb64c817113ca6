package dev.dualtrack.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The value a record component takes when its key is absent, written as YAML text and bound exactly as a user's
 * value would be (so a default can never be of the wrong type without a test failing).
 *
 * <pre>{@code
 * record RelayConfig(@Default("64KiB") DataSize hold, @Default("[]") List<String> exempt) {}
 * }</pre>
 *
 * <p>A component of record type without {@code @Default} binds from an empty map, so its own defaults apply.
 * {@code Optional} components are empty when absent. Anything else without a default is required.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
public @interface Default {
    String value();
}
