package dev.dualtrack.scanner.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The chat-template judge on arbitrary text: an answer, never an exception, and a template that begins with a
 * dunder in plain code is always refused, whatever follows. Regression mode in every build;
 * {@code JAZZER_FUZZ=1 ./mvnw -pl scanner test -Dtest='ChatTemplatesFuzzTest#template'} fuzzes.
 */
class ChatTemplatesFuzzTest {
    @FuzzTest(maxDuration = "1m")
    void template(FuzzedDataProvider data) {
        String t = data.consumeRemainingAsString();
        ChatTemplates.reachesInternals(t);
        // Code before anything else is always judged (after an unclosed {% raw %} or string, Jinja itself refuses
        // to compile the template, so nothing after it runs).
        assertThat(ChatTemplates.reachesInternals("{{ x.__class__ }}" + t)).isPresent();
    }
}
