package dev.dualtrack.scanner.pickle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.scanner.Scans;
import dev.dualtrack.scanner.ScanReport;
import dev.dualtrack.scanner.ScanRules;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** PyTorch's legacy tar format, built byte by byte as torch.save wrote it before 0.4. */
class TorchTarScannerTest {

    static void member(ByteArrayOutputStream tar, String name, byte[] data) {
        member(tar, name, data, '0');
    }

    static void member(ByteArrayOutputStream tar, String name, byte[] data, char type) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", data.length));
        put(h, 136, "00000000000");
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        tar.writeBytes(h);
        tar.writeBytes(data);
        tar.writeBytes(new byte[(512 - data.length % 512) % 512]);
    }

    static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] legacyTar(byte[] mainPickle) {
        ByteArrayOutputStream storages = new ByteArrayOutputStream();
        storages.writeBytes(PickleBytes.proto(2).binint1(1).stop().bytes());
        storages.writeBytes(PickleBytes.proto(2).unicode("0").unicode("cpu").global("torch", "FloatStorage")
                .op(0x87).stop().bytes());
        storages.writeBytes(le64(6));
        storages.writeBytes(new byte[24]);
        storages.writeBytes(PickleBytes.proto(2).op(']').stop().bytes());
        ByteArrayOutputStream tensors = new ByteArrayOutputStream();
        tensors.writeBytes(PickleBytes.proto(2).binint1(1).stop().bytes());
        tensors.writeBytes(PickleBytes.proto(2).unicode("t0").unicode("0").global("torch", "FloatTensor")
                .op(0x87).stop().bytes());
        tensors.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(2).putInt(0).array());
        for (long v : new long[] {2, 3, 3, 1, 0}) {
            tensors.writeBytes(le64(v));
        }
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        member(tar, "sys_info", PickleBytes.proto(2).op('}').stop().bytes());
        member(tar, "storages", storages.toByteArray());
        member(tar, "tensors", tensors.toByteArray());
        member(tar, "pickle", mainPickle);
        tar.writeBytes(new byte[1024]);
        return tar.toByteArray();
    }

    @Test
    void aLegacyTarCheckpointIsReadMemberByMember() {
        ScanReport r = Scans.scan(legacyTar(PickleScannerTest.torchStateDict()), "old.pt");
        assertThat(r.format()).isEqualTo("pytorch-legacy-tar");
        assertThat(r.blocked()).as(r.findings().toString()).isFalse();
    }

    @Test
    void aPayloadInAnyMemberIsFound() {
        byte[] evil = PickleBytes.proto(2).call("os", "system", "id").stop().bytes();
        ScanReport r = Scans.scan(legacyTar(evil), "old.pt");
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.PICKLE_DANGEROUS_IMPORT);
    }

    @Test
    void unexpectedMembersAndBadChecksumsFailClosed() {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        member(tar, "pickle", PickleBytes.proto(2).op('N').stop().bytes());
        member(tar, "payload.sh", "id".getBytes(StandardCharsets.US_ASCII));
        tar.writeBytes(new byte[1024]);
        assertThat(Scans.scan(tar.toByteArray(), "old.pt").verdict().rule())
                .isEqualTo(ScanRules.PICKLE_MALFORMED);
        byte[] ok = legacyTar(PickleScannerTest.torchStateDict());
        ok[100] = '1';
        assertThat(Scans.scan(ok, "old.pt").verdict().reason()).contains("checksum");
    }

    /** What Python's tarfile writes for an sdist: a PAX header, then the package's folder. */
    @Test
    void aTarThatIsNoTorchSaveIsAnUnopenedContainerNotABrokenPickle() {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        member(tar, "././@PaxHeader", "20 mtime=1700000000\n".getBytes(StandardCharsets.US_ASCII), 'x');
        member(tar, "pkg-1.0/", new byte[0], '5');
        member(tar, "pkg-1.0/setup.py", "print('hi')\n".getBytes(StandardCharsets.US_ASCII));
        tar.writeBytes(new byte[1024]);
        ScanReport r = Scans.scan(tar.toByteArray(), "pkg-1.0.tar");
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.UNSUPPORTED_FORMAT);
        assertThat(r.verdict().reason()).contains("not a legacy torch save", "'pkg-1.0/'");
        assertThat(r.findings()).extracting(dev.dualtrack.scanner.Finding::rule)
                .doesNotContain(ScanRules.PICKLE_MALFORMED);
        assertThat(r.format()).isEqualTo("tar");
    }
}
