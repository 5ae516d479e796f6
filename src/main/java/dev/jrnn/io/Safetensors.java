package dev.jrnn.io;

import dev.jrnn.io.SafetensorsFile.Dtype;
import dev.jrnn.io.SafetensorsFile.Entry;
import dev.jrnn.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.DoubleBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files: an
 * 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the raw little-endian tensor
 * data. {@link #write(Path, Map, Map)} is a shortcut for {@link SafetensorsWriter}, which also
 * writes raw arrays and {@code I64} tensors.
 *
 * <pre>{@code
 * SafetensorsFile f = Safetensors.read(Path.of("rnn.safetensors"));
 * Tensor w = f.tensor("weight_ih_l0");
 * String seed = f.metadata().get("seed");
 * Safetensors.write(Path.of("copy.safetensors"), f.tensors(), f.metadata());
 * }</pre>
 *
 * <p>Every read validates the whole header before touching the data, and fails with a
 * {@link SafetensorsFormatException} naming the problem and its place (file byte offset or tensor
 * name) when: the input is shorter than 8 bytes; the header length exceeds
 * {@value #MAX_HEADER_BYTES} bytes or the input; the header is not valid UTF-8 or not strict JSON
 * (RFC 8259; duplicate keys rejected); it is not an object; an entry lacks {@code dtype},
 * {@code shape} or {@code data_offsets} or has them of the wrong type; the dtype is not one of
 * {@link Dtype}; a dimension is negative or not an integer; shape × element size overflows; a
 * tensor needs more than {@value #MAX_ELEMENTS} elements (the capacity of a {@code Tensor});
 * {@code end − begin ≠ numel × size}; the tensors, sorted by offset, do not tile the data section
 * exactly (starting at 0, no gap, no overlap, the last end equal to the data length);
 * {@code __metadata__} is not a flat string-to-string object. Unknown keys inside a tensor entry
 * are ignored (as the reference implementation does). Empty tensors and rank-0 scalars are legal.
 * Memory use is bounded by the real size of the input, never by sizes the header claims.
 *
 * <p>Stateless and thread-safe. {@code null} arguments are rejected with a
 * {@link NullPointerException}.
 *
 * <p>Thread safety: stateless; every call reads or writes its own file or bytes, so calls from many
 * threads are safe (writes go through a temporary file and a rename).
 */
public final class Safetensors {

    /** The largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    /** The most elements one tensor may have (the capacity of a {@code float[]}-backed tensor). */
    public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** Largest slice of the data section mapped or decoded at once; a multiple of every dtype size. */
    private static final int CHUNK_BYTES = 1 << 30;

    private Safetensors() {
    }

    // ---------------------------------------------------------------- public entry points

    /**
     * Reads and validates a safetensors file. The header and the data are memory-mapped (read-only),
     * never copied whole onto the heap; each tensor is decoded straight into its own array.
     *
     * @param path the file, not modified
     * @return the decoded tensors and metadata, in header order
     * @throws SafetensorsFormatException if the file is malformed
     * @throws IOException if it cannot be read
     */
    public static SafetensorsFile read(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new SafetensorsFormatException("input is only " + size
                        + " bytes; a safetensors file starts with an 8-byte header length");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (len.hasRemaining()) {
                if (ch.read(len, len.position()) < 0) {
                    throw new SafetensorsFormatException("file shrank while reading: " + path);
                }
            }
            long n = len.getLong(0);
            checkHeaderLength(n, size - 8);
            Header h = parseHeader(ch.map(FileChannel.MapMode.READ_ONLY, 8, n));
            long dataStart = 8 + n;
            checkTiling(h.specs, size - dataStart, false);
            return decode(h, (begin, length) -> ch.map(FileChannel.MapMode.READ_ONLY, dataStart + begin, length));
        }
    }

    /**
     * Reads and validates safetensors bytes held in memory.
     *
     * @param bytes the whole file, not modified (and not retained)
     * @return the decoded tensors and metadata, in header order
     * @throws SafetensorsFormatException if the bytes are malformed
     */
    public static SafetensorsFile read(byte[] bytes) throws SafetensorsFormatException {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length < 8) {
            throw new SafetensorsFormatException("input is only " + bytes.length
                    + " bytes; a safetensors file starts with an 8-byte header length");
        }
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        checkHeaderLength(n, bytes.length - 8L);
        Header h = parseHeader(ByteBuffer.wrap(bytes, 8, (int) n).slice());
        int dataStart = 8 + (int) n;
        checkTiling(h.specs, bytes.length - dataStart, false);
        return decodeInMemory(h, (begin, length) -> ByteBuffer.wrap(bytes, dataStart + (int) begin, length).slice());
    }

    /**
     * Reads and validates one safetensors file from a stream: exactly the bytes the header
     * declares are consumed, and the stream must end right after them. The stream is not closed.
     * Memory grows with the bytes actually received, so a lying header cannot force a large
     * allocation. Inputs over 2 GB must be read with {@link #read(Path)}.
     *
     * @param in the stream, read to its end
     * @return the decoded tensors and metadata, in header order
     * @throws SafetensorsFormatException if the bytes are malformed
     * @throws IOException if the stream fails
     */
    public static SafetensorsFile read(InputStream in) throws IOException {
        Objects.requireNonNull(in, "in");
        byte[] len = in.readNBytes(8);
        if (len.length < 8) {
            throw new SafetensorsFormatException("input is only " + len.length
                    + " bytes; a safetensors file starts with an 8-byte header length");
        }
        long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        checkHeaderLength(n, Long.MAX_VALUE);
        byte[] header = in.readNBytes((int) n);
        if (header.length < n) {
            throw new SafetensorsFormatException("header length " + n
                    + " runs past the end of the input: only " + header.length + " bytes follow the 8-byte length");
        }
        Header h = parseHeader(ByteBuffer.wrap(header));
        long need = 0;
        for (Spec s : h.specs) {
            need = Math.max(need, s.end);
        }
        if (need > MAX_ELEMENTS) {
            throw new SafetensorsFormatException("data section of " + need
                    + " bytes is too large to read from a stream; read the file with read(Path)");
        }
        byte[] data = in.readNBytes((int) need);
        boolean trailing = data.length == need && in.read() >= 0;
        checkTiling(h.specs, data.length, trailing);
        return decodeInMemory(h, (begin, length) -> ByteBuffer.wrap(data, (int) begin, length).slice());
    }

    /**
     * Writes tensors as {@code F32} plus string metadata, atomically, as
     * {@code new SafetensorsWriter().metadata(metadata).putAll(tensors).write(path)}: tensors back to
     * back in the map's iteration order, header padded with spaces to a multiple of 8, through a
     * temporary file in the same directory moved over {@code path} (see
     * {@link SafetensorsWriter#write(Path)}).
     *
     * @param path the destination, replaced if it exists
     * @param tensors name → tensor, not modified; a name must not be {@code __metadata__}
     * @param metadata written as {@code __metadata__} (omitted when empty), not modified
     * @throws IOException if writing fails
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        new SafetensorsWriter().metadata(metadata).putAll(tensors).write(path);
    }

    /**
     * Writes tensors and metadata to a stream, exactly as {@link #write(Path, Map, Map)} writes a
     * file. The stream is not closed.
     *
     * @param out the stream, modified (written to)
     * @param tensors name → tensor, not modified
     * @param metadata written as {@code __metadata__} (omitted when empty), not modified
     * @throws IOException if the stream fails
     */
    public static void write(OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        new SafetensorsWriter().metadata(metadata).putAll(tensors).writeTo(out);
    }

    // ---------------------------------------------------------------- header

    /** One validated header entry. */
    private static final class Spec {
        final String name;
        final Dtype dtype;
        final int[] shape;    // validated: each dim in [0, Integer.MAX_VALUE]
        final int numel;      // <= MAX_ELEMENTS
        final long begin;     // data-section offsets, end exclusive
        final long end;

        Spec(String name, Dtype dtype, int[] shape, int numel, long begin, long end) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.numel = numel;
            this.begin = begin;
            this.end = end;
        }
    }

    private static final class Header {
        final List<Spec> specs = new ArrayList<>();                      // header order
        final LinkedHashMap<String, String> metadata = new LinkedHashMap<>();
    }

    static void checkHeaderLength(long n, long available) throws SafetensorsFormatException {
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new SafetensorsFormatException("header length " + Long.toUnsignedString(n)
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes (bytes 0-7)");
        }
        if (n > available) {
            throw new SafetensorsFormatException("header length " + n
                    + " runs past the end of the input: only " + available + " bytes follow the 8-byte length");
        }
    }

    /**
     * Parses and validates the header (UTF-8 JSON at file byte 8) into specs and metadata. Two
     * passes: the first checks the JSON syntax of the whole header (so a syntax error is reported
     * as such even when an earlier entry is also invalid), the second validates the entries. Each
     * top-level member is converted as soon as it is parsed, so no tree of the whole header is built.
     */
    private static Header parseHeader(ByteBuffer utf8) throws SafetensorsFormatException {
        String text = decodeUtf8(utf8);
        Json syntax = new Json(text, 8);
        syntax.beginObject();
        while (syntax.nextKey() != null) {
            syntax.memberValue();
        }
        syntax.end();

        Json json = new Json(text, 8);
        Header h = new Header();
        LinkedHashMap<String, Spec> byName = new LinkedHashMap<>();
        boolean sawMetadata = false;
        json.beginObject();
        String key;
        while ((key = json.nextKey()) != null) {
            long at = json.byteOffset();
            Object v = json.memberValue();
            if (byName.containsKey(key) || (sawMetadata && key.equals("__metadata__"))) {
                throw new SafetensorsFormatException("duplicate key \"" + key + "\" in header (second value at byte " + at + ")");
            }
            if (key.equals("__metadata__")) {
                sawMetadata = true;
                metadata(v, at, h.metadata);
            } else {
                byName.put(key, spec(key, v, at));
            }
        }
        h.specs.addAll(byName.values());
        return h;
    }

    private static String decodeUtf8(ByteBuffer in) throws SafetensorsFormatException {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(in.remaining());
        int start = in.position();
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) {
            r = dec.flush(out);
        }
        if (r.isError()) {
            throw new SafetensorsFormatException("header is not valid UTF-8: malformed sequence at byte "
                    + (8 + in.position() - start));
        }
        out.flip();
        return out.toString();
    }

    private static void metadata(Object v, long at, Map<String, String> out) throws SafetensorsFormatException {
        if (!(v instanceof Map)) {
            throw new SafetensorsFormatException("\"__metadata__\" (at byte " + at
                    + ") must be an object of strings, found " + Json.typeName(v));
        }
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
            if (!(e.getValue() instanceof String)) {
                throw new SafetensorsFormatException("\"__metadata__\" (at byte " + at + "): value of \""
                        + e.getKey() + "\" must be a string, found " + Json.typeName(e.getValue()));
            }
            out.put((String) e.getKey(), (String) e.getValue());
        }
    }

    private static Spec spec(String name, Object v, long at) throws SafetensorsFormatException {
        String where = "tensor '" + name + "' (header byte " + at + "): ";
        if (!(v instanceof Map)) {
            throw new SafetensorsFormatException(where + "entry must be an object, found " + Json.typeName(v));
        }
        Map<?, ?> m = (Map<?, ?>) v;
        Object dt = required(m, "dtype", where);
        Object sh = required(m, "shape", where);
        Object off = required(m, "data_offsets", where);
        if (!(dt instanceof String)) {
            throw new SafetensorsFormatException(where + "\"dtype\" must be a string, found " + Json.typeName(dt));
        }
        Dtype dtype = dtype((String) dt, where);
        if (!(sh instanceof List)) {
            throw new SafetensorsFormatException(where + "\"shape\" must be an array, found " + Json.typeName(sh));
        }
        List<?> dims = (List<?>) sh;
        long[] d = new long[dims.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = nonNegativeInteger(dims.get(i), where + "\"shape\" element " + i);
        }
        long numel = 1;
        long nbytes;
        try {
            for (long x : d) {
                numel = Math.multiplyExact(numel, x);
            }
            nbytes = Math.multiplyExact(numel, (long) dtype.byteSize());
        } catch (ArithmeticException overflow) {
            throw new SafetensorsFormatException(where + "shape " + Arrays.toString(d) + " × " + dtype.byteSize()
                    + " bytes overflows 64 bits");
        }
        int[] shape = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            if (d[i] > Integer.MAX_VALUE) {
                throw new SafetensorsFormatException(where + "dimension " + i + " of shape " + Arrays.toString(d)
                        + " exceeds " + Integer.MAX_VALUE);
            }
            shape[i] = (int) d[i];
        }
        if (numel > MAX_ELEMENTS) {
            throw new SafetensorsFormatException(where + "shape " + Arrays.toString(d) + " has " + numel
                    + " elements, more than the " + MAX_ELEMENTS + " a tensor can hold");
        }
        if (!(off instanceof List) || ((List<?>) off).size() != 2) {
            throw new SafetensorsFormatException(where + "\"data_offsets\" must be an array [begin, end], found "
                    + (off instanceof List ? "an array of " + ((List<?>) off).size() + " elements" : Json.typeName(off)));
        }
        long begin = nonNegativeInteger(((List<?>) off).get(0), where + "\"data_offsets\" begin");
        long end = nonNegativeInteger(((List<?>) off).get(1), where + "\"data_offsets\" end");
        if (end < begin) {
            throw new SafetensorsFormatException(where + "data_offsets [" + begin + ", " + end + "] end before begin");
        }
        if (end - begin != nbytes) {
            throw new SafetensorsFormatException(where + "data_offsets [" + begin + ", " + end + "] span "
                    + (end - begin) + " bytes but shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + nbytes);
        }
        return new Spec(name, dtype, shape, (int) numel, begin, end);
    }

    private static Object required(Map<?, ?> m, String key, String where) throws SafetensorsFormatException {
        Object v = m.get(key);
        if (v == null) {
            throw new SafetensorsFormatException(where + "missing \"" + key + "\"");
        }
        return v;
    }

    private static Dtype dtype(String s, String where) throws SafetensorsFormatException {
        for (Dtype d : Dtype.values()) {
            if (d.name().equals(s)) {
                return d;
            }
        }
        throw new SafetensorsFormatException(where + "unsupported dtype '" + s + "' (jrnn reads "
                + Arrays.toString(Dtype.values()) + ")");
    }

    private static long nonNegativeInteger(Object v, String what) throws SafetensorsFormatException {
        if (!(v instanceof Json.Num) || !((Json.Num) v).isInteger()) {
            throw new SafetensorsFormatException(what + " must be a non-negative integer, found "
                    + (v instanceof Json.Num ? v.toString() : Json.typeName(v)));
        }
        String t = ((Json.Num) v).text();
        if (t.startsWith("-")) {
            throw new SafetensorsFormatException(what + " must be a non-negative integer, found " + t);
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException tooLarge) {
            throw new SafetensorsFormatException(what + " is " + (t.length() > 40 ? t.substring(0, 40) + "..." : t)
                    + ", larger than " + Long.MAX_VALUE);
        }
    }

    /** Sorted by offset, the tensors must cover [0, dataLength) exactly once. */
    private static void checkTiling(List<Spec> specs, long dataLength, boolean trailing)
            throws SafetensorsFormatException {
        Spec[] sorted = specs.toArray(new Spec[0]);
        Arrays.sort(sorted, Comparator.<Spec>comparingLong(s -> s.begin).thenComparingLong(s -> s.end));
        long expected = 0;
        Spec prev = null;
        for (Spec s : sorted) {
            if (s.begin != expected) {
                if (prev == null) {
                    throw new SafetensorsFormatException("tensor '" + s.name + "' begins at data offset " + s.begin
                            + ", but the data section must start with a tensor at offset 0");
                }
                if (s.begin > expected) {
                    throw new SafetensorsFormatException("gap of " + (s.begin - expected) + " bytes in the data section"
                            + " between tensor '" + prev.name + "' (ends at " + expected + ") and tensor '"
                            + s.name + "' (begins at " + s.begin + ")");
                }
                throw new SafetensorsFormatException("tensors '" + prev.name + "' [" + prev.begin + ", " + prev.end
                        + ") and '" + s.name + "' [" + s.begin + ", " + s.end + ") overlap in the data section");
            }
            expected = s.end;
            prev = s;
        }
        if (trailing) {
            throw new SafetensorsFormatException("tensors end at data offset " + expected
                    + " but the input continues after it");
        }
        if (expected != dataLength) {
            throw new SafetensorsFormatException("tensors end at data offset " + expected + " but the data section is "
                    + dataLength + " bytes long (" + (dataLength < expected
                            ? (expected - dataLength) + " bytes missing)"
                            : (dataLength - expected) + " trailing bytes belong to no tensor)"));
        }
    }

    // ---------------------------------------------------------------- data

    /** A view of {@code length} bytes of the data section starting at data offset {@code begin}. */
    @FunctionalInterface
    private interface Source {
        ByteBuffer slice(long begin, int length) throws IOException;
    }

    private static SafetensorsFile decodeInMemory(Header h, MemorySource src) throws SafetensorsFormatException {
        try {
            return decode(h, (Source) src::slice);
        } catch (SafetensorsFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new AssertionError("in-memory source cannot fail", e);
        }
    }

    /** Same as {@link Source} but without the IOException, for in-memory data. */
    @FunctionalInterface
    private interface MemorySource {
        ByteBuffer slice(long begin, int length);
    }

    private static SafetensorsFile decode(Header h, Source src) throws IOException {
        LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
        for (Spec s : h.specs) {
            int size = s.dtype.byteSize();
            float[] floats = s.dtype.isFloatingPoint() ? new float[s.numel] : null;
            long[] longs = s.dtype.isFloatingPoint() ? null : new long[s.numel];
            int done = 0;
            while (done < s.numel) {
                int n = Math.min(s.numel - done, CHUNK_BYTES / size);
                ByteBuffer b = src.slice(s.begin + (long) done * size, n * size).order(ByteOrder.LITTLE_ENDIAN);
                if (longs != null) {
                    b.asLongBuffer().get(longs, done, n);
                } else {
                    convert(s.dtype, b, floats, done, n);
                }
                done += n;
            }
            entries.put(s.name, new Entry(s.dtype, s.shape, floats, longs));
        }
        return new SafetensorsFile(entries, h.metadata);
    }

    private static void convert(Dtype dtype, ByteBuffer b, float[] dst, int off, int n) {
        switch (dtype) {
            case F32:
                b.asFloatBuffer().get(dst, off, n);
                break;
            case F64: {
                DoubleBuffer d = b.asDoubleBuffer();
                for (int i = 0; i < n; i++) {
                    dst[off + i] = (float) d.get(i);
                }
                break;
            }
            case F16: {
                ShortBuffer h = b.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    dst[off + i] = halfToFloat(h.get(i));
                }
                break;
            }
            case BF16: {
                ShortBuffer h = b.asShortBuffer();
                for (int i = 0; i < n; i++) {
                    dst[off + i] = bfloat16ToFloat(h.get(i));
                }
                break;
            }
            default:
                throw new AssertionError(dtype);
        }
    }

    /** {@return the float32 value of IEEE binary16 bits (exact; NaN payload kept in the high bits)} */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {                       // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {                          // zero or subnormal: mant × 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** {@return the float32 value of bfloat16 bits: a 16-bit left shift} */
    static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }
}
