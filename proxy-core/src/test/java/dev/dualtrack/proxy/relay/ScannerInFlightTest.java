package dev.dualtrack.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.proxy.testing.BodySource;
import dev.dualtrack.proxy.testing.LeakCheckExtension;
import dev.dualtrack.proxy.testing.RawHttpClient;
import dev.dualtrack.proxy.testing.ScriptedOrigin;
import dev.dualtrack.proxy.testing.ScriptedOrigin.Script;
import dev.dualtrack.proxy.testing.TestProxy;
import dev.dualtrack.scanner.fixtures.ModelFixtures;
import dev.dualtrack.scanner.fixtures.PickleWriter;
import dev.dualtrack.scanner.fixtures.ZipWriter;
import dev.dualtrack.scanner.ScanPolicy;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** G1 with the real scanner as the inspector, on checkpoints laid out as the real libraries write them. */
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
        byte[] ok = ModelFixtures.torchZip("pytorch_model", ModelFixtures.tensor(PickleWriter.proto(2)
                .global("collections", "OrderedDict").emptyTuple().reduce().mark().str("w"), "0", 256, 256)
                .setitems().stop().bytes(), ModelFixtures.floats(256 * 256));
        origin.on("/pytorch_model.bin", Script.ok(BodySource.of(ok)).chunkSize(4096));
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/pytorch_model.bin");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.complete()).isTrue();
        assertThat(r.body()).isEqualTo(ok);
    }

    @Test
    void aMaliciousPickleIsRefusedBeforeTheClientHoldsIt() throws Exception {
        byte[] evil = PickleWriter.proto(2).global("posix", "system").str("id").tuple1().reduce().stop().bytes();
        origin.on("/evil.pkl", Script.ok(BodySource.of(evil)));
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/evil.pkl");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.text()).contains("hf.pickle.dangerous-import");
    }

    @Test
    void aZipWhoseCentralDirectoryDisagreesNeverCompletes() throws Exception {
        ZipWriter z = new ZipWriter();
        z.add("archive/data.pkl", PickleWriter.proto(2).emptyDict().stop().bytes()).centralName("archive/data.pkl");
        z.add("archive/data/0", PickleWriter.proto(2).global("posix", "system").str("id").tuple1().reduce().stop()
                .bytes()).centralName("archive/data.pkl");
        byte[] bad = z.bytes();
        origin.on("/cd.zip", Script.ok(BodySource.of(bad)).chunkSize(512));
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/cd.zip");
        assertThat(r.status() == 200 && r.complete()).isFalse();
    }

    @Test
    void aKerasHdf5ModelWithALambdaIsRefusedAtItsEndAndNeverCompletes() throws Exception {
        byte[] h5 = ModelFixtures.kerasH5(true, true, 64 * 1024);
        origin.on("/model.h5", Script.ok(BodySource.of(h5)).chunkSize(8192));
        RawHttpClient.Response r = RawHttpClient.get(proxy.port(), "/files/model.h5");
        assertThat(r.status() == 200 && r.complete()).isFalse();
        assertThat(r.body().length).isLessThan(h5.length);
        byte[] plain = ModelFixtures.kerasH5(true, false, 64 * 1024);
        origin.on("/plain.h5", Script.ok(BodySource.of(plain)).chunkSize(8192));
        RawHttpClient.Response ok = RawHttpClient.get(proxy.port(), "/files/plain.h5");
        assertThat(ok.complete()).isTrue();
        assertThat(ok.body()).isEqualTo(plain);
    }
}
