package dev.dualtrack.proxy.bom;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServedLedgerTest {
    @TempDir
    Path dir;

    static ServedLedger.Served served(String artifact, String commit, String file) {
        return new ServedLedger.Served("hf", artifact, commit, "", file, "ab".repeat(32), 10, "scanner:1",
                List.of(), "2026-12-07T00:00:00Z");
    }

    @Test
    void aCommitsFilesAreListedOnceAndSurviveARestart() throws Exception {
        Path file = dir.resolve("served.jsonl");
        try (ServedLedger ledger = ServedLedger.at(file)) {
            ledger.record(served("acme/m", "a".repeat(40), "b.bin"));
            ledger.record(served("acme/m", "a".repeat(40), "a.json"));
            ledger.record(served("acme/m", "a".repeat(40), "a.json")); // served again: nothing added
            ledger.record(served("acme/m", "c".repeat(40), "a.json")); // another commit
            ledger.record(served("acme/m2", "a".repeat(40), "a.json")); // another repo, whose name contains the first
            assertThat(ledger.of("hf", "acme/m", Optional.of("a".repeat(40)), Optional.empty()).get())
                    .extracting(ServedLedger.Served::file).containsExactly("a.json", "b.bin");
        }
        assertThat(Files.readAllLines(file)).hasSize(4);
        // A crash tore the last line; a restart reads what is whole and appends again after it.
        Files.writeString(file, "{\"track\":\"hf\",\"artifact\":\"acme/m\",\"rev", StandardOpenOption.APPEND);
        try (ServedLedger again = ServedLedger.at(file)) {
            again.record(served("acme/m", "a".repeat(40), "c.txt"));
            assertThat(again.of("hf", "acme/m", Optional.of("a".repeat(40)), Optional.empty()).get())
                    .extracting(ServedLedger.Served::file).containsExactly("a.json", "b.bin", "c.txt");
        }
    }

    @Test
    void withoutAFileNothingIsKeptAndNothingFails() throws Exception {
        try (ServedLedger none = ServedLedger.none()) {
            none.record(served("acme/m", "a".repeat(40), "x"));
            assertThat(none.of("hf", "acme/m", Optional.empty(), Optional.empty()).get()).isEmpty();
        }
    }
}
