package dev.dualtrack.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TailHoldTest {

    @Test
    void releasesOnlyBytesOutsideTheTailAndBeforeHoldFrom() {
        try (TailHold hold = new TailHold(ByteBufAllocator.DEFAULT)) {
            hold.add(Unpooled.wrappedBuffer(new byte[100]));
            assertThat(hold.releasable(64, Long.MAX_VALUE)).isEqualTo(36);
            assertThat(hold.releasable(64, 20)).isEqualTo(20);
            hold.take(20).release();
            assertThat(hold.releasable(64, 20)).isZero();
            assertThat(hold.releasable(64, Long.MAX_VALUE)).isEqualTo(16);
            assertThat(hold.releasable(200, Long.MAX_VALUE)).isZero();
        }
    }

    @Test
    void takesPreserveTheBytesInOrderAcrossChunkBoundaries() {
        byte[] data = new byte[10_000];
        new Random(1).nextBytes(data);
        Random r = new Random(2);
        List<ByteBuf> out = new ArrayList<>();
        try (TailHold hold = new TailHold(ByteBufAllocator.DEFAULT)) {
            int pos = 0;
            while (pos < data.length) {
                int n = Math.min(data.length - pos, 1 + r.nextInt(700));
                hold.add(Unpooled.copiedBuffer(data, pos, n));
                pos += n;
                long can = hold.releasable(512, Long.MAX_VALUE);
                if (can > 0) {
                    long take = 1 + r.nextInt((int) can);
                    out.add(hold.take(take));
                }
            }
            out.add(hold.take(hold.heldBytes()));
        }
        ByteBuf all = Unpooled.wrappedBuffer(out.toArray(new ByteBuf[0]));
        try {
            assertThat(ByteBufUtil.getBytes(all)).isEqualTo(data);
        } finally {
            all.release();
        }
    }

    @Test
    void skipDropsBytesAndCloseReleasesWhatIsHeld() {
        ByteBuf a = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
        ByteBuf b = Unpooled.copiedBuffer(new byte[] {4, 5, 6});
        TailHold hold = new TailHold(ByteBufAllocator.DEFAULT);
        hold.add(a);
        hold.add(b);
        hold.skip(4);
        ByteBuf rest = hold.take(1);
        assertThat(rest.readByte()).isEqualTo((byte) 5);
        rest.release();
        hold.close();
        assertThat(a.refCnt()).isZero();
        assertThat(b.refCnt()).isZero();
    }
}
