package dev.jrnn.io;

import dev.jrnn.tensor.Tensor;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0).
 *
 * <pre>{@code
 * NpyArray a = Npy.read(Path.of("kernel.npy"));   // np.save("kernel.npy", w)
 * Tensor w = a.tensor();
 * Npy.write(Path.of("out.npy"), w);                // np.load("out.npy") gives it back
 * }</pre>
 *
 * <p><b>Layout.</b> The magic {@code \x93NUMPY}, a version byte pair (major, minor), the header
 * length (uint16 LE in 1.0, uint32 LE in 2.0/3.0), then a Python dict literal such as
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }} padded with spaces and ending in
 * {@code \n} (latin-1 in 1.0/2.0, UTF-8 in 3.0), then the raw elements.
 *
 * <p><b>Reading</b> accepts the dtypes of {@link NpyArray.Dtype} in either byte order
 * ({@code <f4}, {@code >f8}, …) and both {@code fortran_order} values (column-major data is reordered
 * to row-major). It fails with an {@link IOException} naming the problem when: the input is shorter
 * than the preamble; the magic is wrong; the version is not 1.0, 2.0 or 3.0; the header length exceeds
 * {@value #MAX_HEADER_BYTES} bytes or the input; the header is not a dict literal with exactly the keys
 * {@code descr}, {@code fortran_order} and {@code shape} (duplicates rejected) of the right types; the
 * dtype is not supported (structured, object, string, bool, unsigned and other types are rejected and
 * named); a dimension is negative or the element count exceeds {@value Safetensors#MAX_ELEMENTS}; or
 * the data is shorter or longer than the shape needs. Memory use is bounded by the real size of the
 * input, never by sizes the header claims.
 *
 * <p><b>Writing</b> produces exactly the bytes {@code numpy.save} (NumPy 1.24) writes for a C-ordered
 * {@code float32} ({@code <f4}) or {@code int64} ({@code <i8}) array: format 1.0, keys sorted, the
 * header padded so the data starts on a 64-byte boundary.
 *
 * <p>Stateless and thread-safe. {@code null} arguments are rejected with a {@link NullPointerException}.
 *
 * <p>Thread safety: stateless; calls from many threads are safe.
 */
public final class Npy {

    /** The largest header accepted (NumPy itself refuses headers over 10,000 bytes by default). */
    public static final int MAX_HEADER_BYTES = 100_000;

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ARRAY_ALIGN = 64;
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    private static final int CHUNK_BYTES = 1 << 20;

    private Npy() {
    }

    // ---------------------------------------------------------------- read

    /**
     * Reads and validates a {@code .npy} file.
     *
     * @param path the file, not modified
     * @return the array, row-major
     * @throws IOException if the file is malformed (the message starts with the path) or cannot be read
     */
    public static NpyArray read(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        long size = Files.size(path);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path), CHUNK_BYTES)) {
            return read(in, size, path.toString());
        }
    }

    /**
     * Reads and validates {@code .npy} bytes held in memory.
     *
     * @param bytes the whole file, not modified (and not retained)
     * @return the array, row-major
     * @throws IOException if the bytes are malformed
     */
    public static NpyArray read(byte[] bytes) throws IOException {
        Objects.requireNonNull(bytes, "bytes");
        return read(new ByteArrayInputStream(bytes), bytes.length, "npy input");
    }

    /**
     * Reads one {@code .npy} of exactly {@code length} bytes from a stream (its end is not checked:
     * callers that know more check it).
     */
    static NpyArray read(InputStream in, long length, String source) throws IOException {
        String p = source + ": ";
        byte[] pre = in.readNBytes(8);
        if (pre.length < 8 || length < 8) {
            throw new IOException(p + "input is only " + Math.min(pre.length, length)
                    + " bytes; a .npy file starts with the 6-byte magic \\x93NUMPY, a 2-byte version and the header"
                    + " length");
        }
        if (!Arrays.equals(Arrays.copyOf(pre, 6), MAGIC)) {
            throw new IOException(p + "bad magic " + hex(pre, 6) + "; a .npy file starts with 93 4e 55 4d 50 59"
                    + " (\\x93NUMPY)");
        }
        int major = pre[6] & 0xff;
        int minor = pre[7] & 0xff;
        if ((major != 1 && major != 2 && major != 3) || minor != 0) {
            throw new IOException(p + "unsupported .npy format version " + major + "." + minor
                    + "; jrnn reads 1.0, 2.0 and 3.0");
        }
        int lenBytes = major == 1 ? 2 : 4;
        byte[] lb = in.readNBytes(lenBytes);
        if (lb.length < lenBytes || length < 8 + lenBytes) {
            throw new IOException(p + "input ends inside the header length (version " + major + ".0 stores it in "
                    + lenBytes + " bytes)");
        }
        ByteBuffer lbb = ByteBuffer.wrap(lb).order(ByteOrder.LITTLE_ENDIAN);
        long hlen = major == 1 ? (lbb.getShort() & 0xffffL) : (lbb.getInt() & 0xffffffffL);
        long preamble = 8L + lenBytes;
        if (hlen > MAX_HEADER_BYTES) {
            throw new IOException(p + "header length " + hlen + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (preamble + hlen > length) {
            throw new IOException(p + "header length " + hlen + " runs past the end of the input: only "
                    + (length - preamble) + " bytes follow the preamble");
        }
        byte[] hb = in.readNBytes((int) hlen);
        if (hb.length < hlen) {
            throw new IOException(p + "input ends inside the header: " + hb.length + " of " + hlen + " bytes");
        }
        String text = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header h = new HeaderParser(text, p).parse();
        long need = (long) h.numel * h.dtype.byteSize();
        long have = length - preamble - hlen;
        if (have < need) {
            throw new IOException(p + "data truncated: shape " + Arrays.toString(h.shape) + " of " + h.descr + " needs "
                    + need + " bytes, only " + have + " follow the header");
        }
        if (have > need) {
            throw new IOException(p + (have - need) + " bytes of trailing data: shape " + Arrays.toString(h.shape)
                    + " of " + h.descr + " needs " + need + " bytes, " + have + " follow the header");
        }
        return decode(in, h, p);
    }

    private static NpyArray decode(InputStream in, Header h, String p) throws IOException {
        int size = h.dtype.byteSize();
        float[] floats = h.dtype.isFloatingPoint() ? new float[h.numel] : null;
        long[] longs = h.dtype.isFloatingPoint() ? null : new long[h.numel];
        int done = 0;
        while (done < h.numel) {
            int n = Math.min(h.numel - done, CHUNK_BYTES / size);
            byte[] chunk = in.readNBytes(n * size);
            if (chunk.length < n * size) {
                throw new IOException(p + "data truncated: the input ended after " + ((long) done * size + chunk.length)
                        + " of " + ((long) h.numel * size) + " data bytes");
            }
            ByteBuffer b = ByteBuffer.wrap(chunk).order(h.order);
            for (int i = 0; i < n; i++) {
                switch (h.dtype) {
                    case F2: floats[done + i] = Safetensors.halfToFloat(b.getShort()); break;
                    case F4: floats[done + i] = b.getFloat(); break;
                    case F8: floats[done + i] = (float) b.getDouble(); break;
                    case I4: longs[done + i] = b.getInt(); break;
                    case I8: longs[done + i] = b.getLong(); break;
                    default: throw new AssertionError(h.dtype);
                }
            }
            done += n;
        }
        if (h.fortranOrder && h.shape.length > 1) {
            int[] perm = fortranToRowMajor(h.shape);
            if (floats != null) {
                float[] c = new float[floats.length];
                for (int i = 0; i < c.length; i++) {
                    c[i] = floats[perm[i]];
                }
                floats = c;
            } else {
                long[] c = new long[longs.length];
                for (int i = 0; i < c.length; i++) {
                    c[i] = longs[perm[i]];
                }
                longs = c;
            }
        }
        return new NpyArray(h.dtype, h.shape, floats, longs, h.fortranOrder);
    }

    /** {@return for each row-major index, the column-major position of the same element} */
    private static int[] fortranToRowMajor(int[] shape) {
        int numel = 1;
        for (int d : shape) {
            numel *= d;
        }
        int[] colStride = new int[shape.length]; // column-major strides
        int s = 1;
        for (int d = 0; d < shape.length; d++) {
            colStride[d] = s;
            s *= shape[d];
        }
        int[] idx = new int[shape.length];
        int[] perm = new int[numel];
        int off = 0;
        for (int i = 0; i < numel; i++) {
            perm[i] = off;
            for (int d = shape.length - 1; d >= 0; d--) {   // row-major increment of the multi-index
                idx[d]++;
                off += colStride[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                off -= colStride[d] * shape[d];
                idx[d] = 0;
            }
        }
        return perm;
    }

    private static String hex(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xff));
        }
        return s.toString();
    }

    // ---------------------------------------------------------------- header parsing

    /** A validated header. */
    private static final class Header {
        String descr;
        NpyArray.Dtype dtype;
        ByteOrder order;
        boolean fortranOrder;
        int[] shape;
        int numel;
    }

    /** A strict parser for the Python dict literal subset NumPy writes. */
    private static final class HeaderParser {
        private final String s;
        private final String p;
        private int i;

        HeaderParser(String s, String prefix) {
            this.s = s;
            this.p = prefix;
        }

        Header parse() throws IOException {
            Map<String, Object> d = new LinkedHashMap<>();
            skipWs();
            expect('{');
            skipWs();
            while (peek() != '}') {
                int at = i;
                String key = string();
                skipWs();
                expect(':');
                skipWs();
                Object value = value();
                if (d.put(key, value) != null) {
                    throw new IOException(p + "header has the key '" + key + "' twice (at character " + at + ")");
                }
                skipWs();
                if (peek() == ',') {
                    i++;
                    skipWs();
                } else if (peek() != '}') {
                    throw error("',' or '}'");
                }
            }
            i++;
            skipWs();
            if (i != s.length()) {
                throw new IOException(p + "header has text after the dict at character " + i + ": "
                        + snippet(i));
            }
            if (!d.keySet().equals(Set.of("descr", "fortran_order", "shape"))) {
                throw new IOException(p + "header keys are " + d.keySet()
                        + "; a .npy header has exactly 'descr', 'fortran_order' and 'shape'");
            }
            Header h = new Header();
            Object descr = d.get("descr");
            if (!(descr instanceof String)) {
                throw new IOException(p + "header 'descr' is " + describe(descr)
                        + "; only simple dtypes are supported (structured arrays are not)");
            }
            h.descr = (String) descr;
            dtype(h);
            Object fo = d.get("fortran_order");
            if (!(fo instanceof Boolean)) {
                throw new IOException(p + "header 'fortran_order' is " + describe(fo) + ", expected True or False");
            }
            h.fortranOrder = (Boolean) fo;
            Object shape = d.get("shape");
            if (!(shape instanceof long[])) {
                throw new IOException(p + "header 'shape' is " + describe(shape)
                        + ", expected a tuple of non-negative integers");
            }
            long[] dims = (long[]) shape;
            h.shape = new int[dims.length];
            long n = 1;
            boolean empty = false;
            for (int k = 0; k < dims.length; k++) {
                if (dims[k] > Safetensors.MAX_ELEMENTS) {
                    throw new IOException(p + "shape " + Arrays.toString(dims) + ": dimension " + k
                            + " exceeds the largest array jrnn holds (" + Safetensors.MAX_ELEMENTS + " elements)");
                }
                h.shape[k] = (int) dims[k];
                empty |= dims[k] == 0;
                n = Math.min(n * dims[k], Safetensors.MAX_ELEMENTS + 1L); // both factors ≤ 2^31: no overflow
            }
            if (empty) {
                n = 0;
            }
            if (n > Safetensors.MAX_ELEMENTS) {
                throw new IOException(p + "shape " + Arrays.toString(dims) + " has more than " + Safetensors.MAX_ELEMENTS
                        + " elements, the capacity of an array");
            }
            h.numel = (int) n;
            return h;
        }

        private void dtype(Header h) throws IOException {
            String d = h.descr;
            if (d.length() >= 2) {
                char bo = d.charAt(0);
                String code = d.substring(1);
                for (NpyArray.Dtype t : NpyArray.Dtype.values()) {
                    if (t.code().equals(code) && (bo == '<' || bo == '>' || bo == '=')) {
                        h.dtype = t;
                        h.order = bo == '>' ? ByteOrder.BIG_ENDIAN
                                : bo == '<' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.nativeOrder();
                        return;
                    }
                }
            }
            throw new IOException(p + "unsupported dtype '" + d + "'; jrnn reads f2, f4, f8, i4 and i8 in either byte"
                    + " order (e.g. '<f4')");
        }

        private Object value() throws IOException {
            char c = peek();
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '(') {
                return tuple();
            }
            if (s.startsWith("True", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            if (c == '[') {
                throw new IOException(p + "header value at character " + i
                        + " is a list; only strings, True, False and tuples are read (structured dtypes are not supported)");
            }
            if (c == '-' || (c >= '0' && c <= '9')) {
                return Long.valueOf(integer());
            }
            throw error("a string, True, False or a tuple");
        }

        private long[] tuple() throws IOException {
            expect('(');
            skipWs();
            long[] dims = new long[0];
            boolean trailingComma = false;
            while (peek() != ')') {
                if (dims.length >= 64) {
                    throw new IOException(p + "shape has more than 64 dimensions");
                }
                int at = i;
                long v = integer();
                if (v < 0) {
                    throw new IOException(p + "shape has the negative dimension " + v + " at character " + at);
                }
                dims = Arrays.copyOf(dims, dims.length + 1);
                dims[dims.length - 1] = v;
                skipWs();
                trailingComma = false;
                if (peek() == ',') {
                    i++;
                    trailingComma = true;
                    skipWs();
                } else if (peek() != ')') {
                    throw error("',' or ')'");
                }
            }
            i++;
            if (dims.length == 1 && !trailingComma) {
                throw new IOException(p + "shape '(" + dims[0] + ")' is not a tuple (a 1-tuple needs a trailing comma)");
            }
            return dims;
        }

        private long integer() throws IOException {
            int start = i;
            if (peek() == '-') {
                i++;
            }
            int digits = i;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            if (i == digits) {
                i = start;
                throw error("an integer");
            }
            String t = s.substring(start, i);
            if (i < s.length() && s.charAt(i) == 'L') {
                i++; // Python 2 long literal, written by old NumPy
            }
            if (t.length() > 19) {
                throw new IOException(p + "integer '" + t + "' at character " + start + " is out of range");
            }
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new IOException(p + "integer '" + t + "' at character " + start + " is out of range");
            }
        }

        private String string() throws IOException {
            char q = peek();
            if (q != '\'' && q != '"') {
                throw error("a quoted string");
            }
            int start = ++i;
            while (i < s.length() && s.charAt(i) != q) {
                if (s.charAt(i) == '\\' || s.charAt(i) == '\n') {
                    throw new IOException(p + "header string at character " + (start - 1)
                            + " has an escape or a line break; jrnn reads plain strings only");
                }
                i++;
            }
            if (i >= s.length()) {
                throw new IOException(p + "header string starting at character " + (start - 1) + " is not closed");
            }
            return s.substring(start, i++);
        }

        private void expect(char c) throws IOException {
            if (peek() != c) {
                throw error("'" + c + "'");
            }
            i++;
        }

        private char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        private void skipWs() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\n' || s.charAt(i) == '\t'
                    || s.charAt(i) == '\r')) {
                i++;
            }
        }

        private IOException error(String expected) {
            return new IOException(p + "header is not a valid dict literal: expected " + expected + " at character "
                    + i + ", found " + (i < s.length() ? snippet(i) : "the end of the header"));
        }

        private String snippet(int at) {
            String t = s.substring(at, Math.min(s.length(), at + 20));
            return "'" + t.replace("\n", "\\n") + "'";
        }

        private static String describe(Object v) {
            if (v instanceof String) {
                return "the string '" + v + "'";
            }
            if (v instanceof Boolean) {
                return (Boolean) v ? "True" : "False";
            }
            if (v instanceof long[]) {
                return "the tuple " + Arrays.toString((long[]) v);
            }
            return "the number " + v;
        }
    }

    // ---------------------------------------------------------------- write

    /**
     * Writes a tensor as a C-ordered {@code <f4} {@code .npy} file, atomically (a temporary file in the
     * same directory, forced to disk, then renamed over {@code path}; on failure {@code path} is untouched).
     *
     * @param path the destination, replaced if it exists
     * @param tensor the values, not modified
     * @throws IOException if writing fails
     */
    public static void write(Path path, Tensor tensor) throws IOException {
        Objects.requireNonNull(tensor, "tensor");
        byte[] bytes = toBytes(tensor);
        AtomicFiles.write(path, out -> out.write(bytes));
    }

    /**
     * Writes a tensor as {@code .npy} bytes to a stream (not closed).
     *
     * @param out the stream, modified (written to)
     * @param tensor the values, not modified
     * @throws IOException if the stream fails
     */
    public static void write(OutputStream out, Tensor tensor) throws IOException {
        Objects.requireNonNull(out, "out");
        out.write(toBytes(tensor));
    }

    /** {@return the {@code .npy} bytes {@code numpy.save} writes for this tensor as a C-ordered float32 array} */
    public static byte[] toBytes(Tensor tensor) {
        Objects.requireNonNull(tensor, "tensor");
        float[] v = tensor.toArray();
        int[] shape = tensor.shape();
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(v.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putInt(Float.floatToRawIntBits(x));
        }
        return assemble("<f4", shape, b.array());
    }

    /**
     * {@return the {@code .npy} bytes {@code numpy.save} writes for a C-ordered int64 ({@code <i8}) array}
     *
     * @param values row-major values, not modified; length = product of {@code shape}
     * @param shape the shape ({@code []} for a 0-d array), not modified
     * @throws IllegalArgumentException if the shape has a negative size or does not match the values
     */
    public static byte[] toBytes(long[] values, int... shape) {
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(shape, "shape");
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative size");
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                n = Long.MAX_VALUE / 2;
            }
        }
        if (n != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got "
                    + values.length);
        }
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : values) {
            b.putLong(x);
        }
        return assemble("<i8", shape.clone(), b.array());
    }

    /** NumPy 1.24's {@code _write_array_header} + {@code _wrap_header}, then the data. */
    private static byte[] assemble(String descr, int[] shape, byte[] data) {
        StringBuilder h = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': (");
        for (int d = 0; d < shape.length; d++) {
            h.append(d == 0 ? "" : ", ").append(shape[d]);
        }
        h.append(shape.length == 1 ? ",), }" : "), }");
        if (shape.length > 0) {
            h.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length()));
        }
        byte[] text = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        int hlen = text.length + 1;
        int lenBytes = 2;
        int padlen = ARRAY_ALIGN - ((MAGIC.length + 2 + lenBytes + hlen) % ARRAY_ALIGN);
        int major = 1;
        if (hlen + padlen > 0xffff) {
            lenBytes = 4;
            major = 2;
            padlen = ARRAY_ALIGN - ((MAGIC.length + 2 + lenBytes + hlen) % ARRAY_ALIGN);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(MAGIC.length + 2 + lenBytes + hlen + padlen + data.length);
        out.writeBytes(MAGIC);
        out.write(major);
        out.write(0);
        ByteBuffer len = ByteBuffer.allocate(lenBytes).order(ByteOrder.LITTLE_ENDIAN);
        if (lenBytes == 2) {
            len.putShort((short) (hlen + padlen));
        } else {
            len.putInt(hlen + padlen);
        }
        out.writeBytes(len.array());
        out.writeBytes(text);
        for (int k = 0; k < padlen; k++) {
            out.write(' ');
        }
        out.write('\n');
        out.writeBytes(data);
        return out.toByteArray();
    }
}
