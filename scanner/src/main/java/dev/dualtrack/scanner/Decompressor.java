package dev.dualtrack.scanner;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Push-mode zlib (RFC 1950) and gzip (RFC 1952, several members in a row) decompression, for joblib's compressed
 * files and gzip-wrapped pickles. Decompressed bytes go to a consumer as they come; nothing is buffered beyond
 * one 64 KiB output block. Corrupt input, a bad gzip CRC or length, or bytes after the last stream are errors.
 */
final class Decompressor implements Decoder {
    enum Kind { ZLIB, GZIP }

    private enum State { GZIP_HEADER, DATA, GZIP_TRAILER, AFTER, FAILED }

    private final Kind kind;
    private final Consumer<ByteBuffer> out;
    private final byte[] block = new byte[64 * 1024];
    private final CRC32 crc = new CRC32();
    private Inflater inflater;
    private State state;
    private String error;
    private final byte[] header = new byte[10];
    private int headerLen;
    private int headerStage;
    private int extraRemaining;
    private final byte[] trailer = new byte[8];
    private int trailerLen;
    private long memberSize;
    private long trailing;

    Decompressor(Kind kind, Consumer<ByteBuffer> out) {
        this.kind = kind;
        this.out = out;
        if (kind == Kind.ZLIB) {
            inflater = new Inflater(false);
            state = State.DATA;
        } else {
            state = State.GZIP_HEADER;
        }
    }

    @Override
    public String error() {
        return error;
    }

    private void fail(String why) {
        error = why;
        state = State.FAILED;
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
    }

    @Override
    public void feed(ByteBuffer in) {
        while (in.hasRemaining() && state != State.FAILED) {
            switch (state) {
                case GZIP_HEADER -> gzipHeader(in);
                case DATA -> inflate(in);
                case GZIP_TRAILER -> {
                    int n = Math.min(8 - trailerLen, in.remaining());
                    in.get(trailer, trailerLen, n);
                    trailerLen += n;
                    if (trailerLen == 8) {
                        long c = le32(trailer, 0);
                        long size = le32(trailer, 4);
                        if (c != crc.getValue() || size != (memberSize & 0xffffffffL)) {
                            fail("gzip member CRC or length does not match its data");
                            return;
                        }
                        state = State.AFTER;
                    }
                }
                case AFTER -> {
                    if (kind == Kind.GZIP && trailing == 0 && (in.get(in.position()) & 0xff) == 0x1f) {
                        // Another gzip member follows: gunzip and Python's gzip read them all.
                        headerLen = 0;
                        headerStage = 0;
                        state = State.GZIP_HEADER;
                    } else {
                        trailing += in.remaining();
                        in.position(in.limit());
                    }
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        if (state == State.FAILED) {
            in.position(in.limit());
        }
    }

    @Override
    public void finish() {
        if (state != State.FAILED && state != State.AFTER) {
            fail("compressed stream is truncated");
        }
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
    }

    private void gzipHeader(ByteBuffer in) {
        // Stages: 0 fixed 10 bytes; 1 extra length; 2 extra data; 3 file name; 4 comment; 5 header CRC.
        while (in.hasRemaining() && state == State.GZIP_HEADER) {
            int flags = header[3];
            switch (headerStage) {
                case 0 -> {
                    int n = Math.min(10 - headerLen, in.remaining());
                    in.get(header, headerLen, n);
                    headerLen += n;
                    if (headerLen == 10) {
                        if ((header[0] & 0xff) != 0x1f || (header[1] & 0xff) != 0x8b || header[2] != 8
                                || (header[3] & 0xe0) != 0) {
                            fail("not a gzip member header");
                            return;
                        }
                        headerStage = 1;
                        headerLen = 0;
                    }
                }
                case 1 -> {
                    if ((flags & 4) == 0) {
                        headerStage = 3;
                        continue;
                    }
                    header[headerLen++] = in.get();
                    if (headerLen == 2) {
                        extraRemaining = (header[0] & 0xff) | (header[1] & 0xff) << 8;
                        header[3] = (byte) flags;
                        headerStage = 2;
                    }
                }
                case 2 -> {
                    int n = Math.min(extraRemaining, in.remaining());
                    in.position(in.position() + n);
                    extraRemaining -= n;
                    if (extraRemaining == 0) {
                        headerStage = 3;
                    }
                }
                case 3, 4 -> {
                    int bit = headerStage == 3 ? 8 : 16;
                    if ((flags & bit) == 0 || in.get() == 0) {
                        headerStage++;
                    }
                }
                case 5 -> {
                    if ((flags & 2) != 0) {
                        if (in.remaining() < 1) {
                            return;
                        }
                        in.get();
                        headerStage = 6;
                        continue;
                    }
                    startMember();
                }
                case 6 -> {
                    in.get();
                    startMember();
                }
                default -> throw new IllegalStateException("stage " + headerStage);
            }
        }
    }

    private void startMember() {
        inflater = new Inflater(true);
        crc.reset();
        memberSize = 0;
        trailerLen = 0;
        state = State.DATA;
    }

    private void inflate(ByteBuffer in) {
        inflater.setInput(in);
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(block);
                if (n > 0) {
                    crc.update(block, 0, n);
                    memberSize += n;
                    out.accept(ByteBuffer.wrap(block, 0, n));
                } else if (inflater.needsInput()) {
                    break;
                } else if (inflater.needsDictionary()) {
                    fail("compressed stream needs a preset dictionary");
                    return;
                }
            }
        } catch (DataFormatException e) {
            fail("corrupt compressed data: " + e.getMessage());
            return;
        }
        if (inflater.finished()) {
            inflater.end();
            inflater = null;
            state = kind == Kind.GZIP ? State.GZIP_TRAILER : State.AFTER;
        }
    }

    private static long le32(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }
}
