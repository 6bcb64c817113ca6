package dev.dualtrack.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.proxy.testing.TestProxy;
import dev.dualtrack.scanner.Corpus;
import dev.dualtrack.scanner.ScanPolicy;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** G1 with the real scanner as the inspector, on real checkpoints from the shared corpus. */
@ExtendWith(LeakCheckExtension.class)
class ScannerInFlightTest {
    @TempDir
    static Path data;
    static ScriptedOrigin origin;
    static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        origin = new ScriptedOrigin();
        proxy = TestProxy.start(data, "relay: {hold: 4KiB, hold-whole-below: 0}\n", ex -> TestProxy.specFromQuery(ex,
                origin, () -> new ScannerInspector(ScanPolicy.defaults(), ex.path())));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        origin.close();
    }

    @Test
    void aCleanTorchCheckpointStreamsThroughWhole() throws Exception {
        byte[] ok = Corpus.read("real/hf_tiny_bert_bin/pytorch_model.bin");
        origin.on("/pytorch_model.bin", Script.ok(BodySource.of(ok)).chunkSize(4096));
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/pytorch_model.bin");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.complete()).isTrue();
        assertThat(r.body()).isEqualTo(ok);
    }

    @Test
    void aMaliciousPickleIsRefusedBeforeTheClientHoldsIt() throws Exception {
        byte[] evil = Corpus.read("picklescan/data/malicious11.pkl");
        origin.on("/evil.pkl", Script.ok(BodySource.of(evil)));
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/evil.pkl");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.text()).contains("hf.pickle.dangerous-import");
    }

    @Test
    void aZipWhoseCentralDirectoryDisagreesNeverCompletes() throws Exception {
        byte[] bad = Corpus.read("picklescan/data/malicious1_central_directory.zip");
        origin.on("/cd.zip", Script.ok(BodySource.of(bad)).chunkSize(512));
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/cd.zip");
        assertThat(r.status() == 200 && r.complete()).isFalse();
    }
}
