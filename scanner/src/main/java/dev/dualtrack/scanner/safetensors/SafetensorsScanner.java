package dev.dualtrack.scanner.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.dualtrack.scanner.Finding;
import dev.dualtrack.scanner.ScanRules;
import dev.dualtrack.scanner.Severity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Validates a safetensors file completely, streaming: the 8-byte header length, the JSON header (shape, dtypes,
 * offsets, metadata), and that the data section is exactly as long as the header says. Tensor bytes are only
 * counted. Format: huggingface/safetensors, "Format" section of its README.
 *
 * <table>
 *   <caption>What makes a file invalid (rule hf.safetensors.invalid)</caption>
 *   <tr><td>header length</td><td>zero, over {@code maxHeaderBytes}, or longer than the file</td></tr>
 *   <tr><td>header JSON</td><td>not UTF-8 JSON, not an object, duplicate keys, trailing content other than
 *       spaces</td></tr>
 *   <tr><td>a tensor entry</td><td>unknown keys, unknown dtype, a shape that is not a list of non-negative
 *       integers, offsets not {@code [begin, end]} with {@code begin <= end}, size not dtype × shape</td></tr>
 *   <tr><td>layout</td><td>offsets that overlap or leave gaps, data that does not start at 0 or end at the end of
 *       the file</td></tr>
 *   <tr><td>{@code __metadata__}</td><td>anything but an object of string values</td></tr>
 * </table>
 */
public final class SafetensorsScanner {
    /** dtype → bits per element. */
    private static final Map<String, Integer> DTYPE_BITS = Map.ofEntries(
            Map.entry("BOOL", 8), Map.entry("U8", 8), Map.entry("I8", 8), Map.entry("F8_E5M2", 8),
            Map.entry("F8_E4M3", 8), Map.entry("F8_E8M0", 8), Map.entry("I16", 16), Map.entry("U16", 16),
            Map.entry("F16", 16), Map.entry("BF16", 16), Map.entry("I32", 32), Map.entry("U32", 32),
            Map.entry("F32", 32), Map.entry("I64", 64), Map.entry("U64", 64), Map.entry("F64", 64),
            Map.entry("C64", 64), Map.entry("F4", 4), Map.entry("F6_E2M3", 6), Map.entry("F6_E3M2", 6));
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private enum State { LENGTH, HEADER, DATA, FAILED }

    private final long maxHeaderBytes;
    private final List<Finding> findings;
    private final String where;
    private State state = State.LENGTH;
    private final byte[] lengthBytes = new byte[8];
    private int lengthRead;
    private byte[] header;
    private int headerRead;
    private long expectedData = -1;
    private long dataSeen;

    public SafetensorsScanner(long maxHeaderBytes, String where, List<Finding> findings) {
        this.maxHeaderBytes = maxHeaderBytes;
        this.where = where;
        this.findings = findings;
    }

    private void invalid(String why) {
        findings.add(new Finding(ScanRules.SAFETENSORS_INVALID, Severity.MALFORMED, why + where));
        state = State.FAILED;
    }

    public boolean failed() {
        return state == State.FAILED;
    }

    /** Borrows the chunk: reads it all during the call. */
    public void feed(ByteBuffer in) {
        while (in.hasRemaining() && state != State.FAILED) {
            switch (state) {
                case LENGTH -> {
                    int n = Math.min(8 - lengthRead, in.remaining());
                    in.get(lengthBytes, lengthRead, n);
                    lengthRead += n;
                    if (lengthRead == 8) {
                        long len = 0;
                        for (int i = 7; i >= 0; i--) {
                            len = (len << 8) | (lengthBytes[i] & 0xff);
                        }
                        if (len <= 0 || len > maxHeaderBytes) {
                            invalid("header length " + Long.toUnsignedString(len) + " is outside 1.." + maxHeaderBytes);
                        } else {
                            header = new byte[(int) len];
                            state = State.HEADER;
                        }
                    }
                }
                case HEADER -> {
                    int n = Math.min(header.length - headerRead, in.remaining());
                    in.get(header, headerRead, n);
                    headerRead += n;
                    if (headerRead == header.length) {
                        parseHeader();
                        header = null;
                        if (state != State.FAILED) {
                            state = State.DATA;
                        }
                    }
                }
                case DATA -> {
                    int n = in.remaining();
                    in.position(in.limit());
                    dataSeen += n;
                }
                default -> throw new IllegalStateException(state.name());
            }
        }
        if (state == State.FAILED) {
            in.position(in.limit());
        }
    }

    public void finish() {
        if (state == State.FAILED) {
            return;
        }
        if (state != State.DATA) {
            invalid("file ends inside the " + (state == State.LENGTH ? "header length" : "header"));
        } else if (dataSeen != expectedData) {
            invalid(dataSeen < expectedData
                    ? "data section is " + dataSeen + " bytes but the header describes " + expectedData
                    : (dataSeen - expectedData) + " bytes trail the last tensor");
        }
    }

    private record Tensor(String name, long begin, long end) {
    }

    private void parseHeader() {
        // The format allows trailing spaces as padding after the JSON object, nothing else.
        List<Tensor> tensors = new ArrayList<>();
        try (JsonParser p = JSON.createParser(header)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                invalid("header is not a JSON object");
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals("__metadata__")) {
                    if (!readMetadata(p)) {
                        return;
                    }
                    continue;
                }
                Tensor t = readTensor(p, name);
                if (t == null) {
                    return;
                }
                tensors.add(t);
            }
            long end = p.currentLocation().getByteOffset();
            for (long i = end; i < header.length; i++) {
                if (header[(int) i] != ' ') {
                    invalid("header has content after its JSON object");
                    return;
                }
            }
        } catch (IOException e) {
            invalid("header is not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
            return;
        }
        tensors.sort(Comparator.comparingLong(Tensor::begin).thenComparingLong(Tensor::end));
        long expected = 0;
        for (Tensor t : tensors) {
            if (t.begin() != expected) {
                invalid("tensor '" + t.name() + "' starts at " + t.begin() + " but the previous data ends at " + expected
                        + (t.begin() < expected ? " (overlap)" : " (gap)"));
                return;
            }
            expected = t.end();
        }
        expectedData = expected;
    }

    private boolean readMetadata(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            invalid("__metadata__ is not an object");
            return false;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                invalid("__metadata__ value of '" + p.currentName() + "' is not a string");
                return false;
            }
        }
        return true;
    }

    private Tensor readTensor(JsonParser p, String name) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            invalid("entry '" + name + "' is not an object");
            return null;
        }
        String dtype = null;
        List<Long> shape = null;
        List<Long> offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            switch (key) {
                case "dtype" -> {
                    if (p.currentToken() != JsonToken.VALUE_STRING) {
                        invalid("dtype of '" + name + "' is not a string");
                        return null;
                    }
                    dtype = p.getText();
                }
                case "shape" -> shape = readLongs(p);
                case "data_offsets" -> offsets = readLongs(p);
                default -> {
                    invalid("entry '" + name + "' has unknown key '" + key + "'");
                    return null;
                }
            }
            if (state == State.FAILED) {
                return null;
            }
        }
        if (dtype == null || shape == null || offsets == null) {
            invalid("entry '" + name + "' needs dtype, shape and data_offsets");
            return null;
        }
        Integer bits = DTYPE_BITS.get(dtype);
        if (bits == null) {
            invalid("entry '" + name + "' has unknown dtype '" + dtype + "'");
            return null;
        }
        if (offsets.size() != 2 || offsets.get(0) > offsets.get(1)) {
            invalid("data_offsets of '" + name + "' must be [begin, end] with begin <= end");
            return null;
        }
        long elements = 1;
        try {
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            long totalBits = Math.multiplyExact(elements, (long) bits);
            if (totalBits % 8 != 0 || totalBits / 8 != offsets.get(1) - offsets.get(0)) {
                invalid("'" + name + "' is " + dtype + " " + shape + " = " + (totalBits / 8.0) + " bytes, but its offsets span "
                        + (offsets.get(1) - offsets.get(0)));
                return null;
            }
        } catch (ArithmeticException e) {
            invalid("shape of '" + name + "' overflows");
            return null;
        }
        return new Tensor(name, offsets.get(0), offsets.get(1));
    }

    private List<Long> readLongs(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            invalid("expected a list of integers");
            return null;
        }
        List<Long> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || p.getLongValue() < 0) {
                invalid("expected a non-negative integer, got '" + p.getText() + "'");
                return null;
            }
            out.add(p.getLongValue());
        }
        return out;
    }
}
