package dev.jrnn.io;

import dev.jrnn.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a safetensors file: tensors are laid out back to back in the order they were added, float
 * values as {@code F32} and long values as {@code I64}, little-endian; the JSON header lists
 * {@code __metadata__} first (omitted when empty), then the tensors in the same order, and is padded
 * with spaces (0x20) to a multiple of 8 bytes. The output is deterministic: the same contents give
 * the same bytes.
 *
 * <pre>{@code
 * new SafetensorsWriter()
 *     .metadata("format_version", "1")
 *     .put("weight_ih_l0", weight)                 // a Tensor
 *     .putFloats("bias", values, 4)
 *     .putLongs("lengths", new long[] {5, 3}, 2)
 *     .write(Path.of("model.safetensors"));
 * }</pre>
 *
 * <p>Every {@code put} copies its values, so later changes to the caller's array or tensor do not
 * leak in.
 * Mutable and not thread-safe; {@code null} is rejected everywhere with a
 * {@link NullPointerException}.
 *
 * <p>Thread safety: not thread-safe: a builder; fill and write it from one thread.
 */
public final class SafetensorsWriter {

    /** One tensor to write; exactly one of floats/longs is non-null. */
    private static final class Item {
        final int[] shape;    // validated, copied
        final float[] floats; // (numel) row-major, F32
        final long[] longs;   // (numel) row-major, I64

        Item(int[] shape, float[] floats, long[] longs) {
            this.shape = shape;
            this.floats = floats;
            this.longs = longs;
        }

        long byteSize() {
            return floats != null ? 4L * floats.length : 8L * longs.length;
        }
    }

    private static final int BUFFER_BYTES = 1 << 16;

    private final LinkedHashMap<String, Item> items = new LinkedHashMap<>();      // file order
    private final LinkedHashMap<String, String> metadata = new LinkedHashMap<>(); // header order

    /** Creates an empty writer. */
    public SafetensorsWriter() {
    }

    /**
     * Adds (or replaces) one {@code __metadata__} entry.
     *
     * @return this writer
     * @throws IllegalArgumentException if the key or value holds an unpaired surrogate
     */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(checkText(key, "metadata key"), checkText(value, "metadata value of '" + key + "'"));
        return this;
    }

    /**
     * Adds (or replaces) every entry of {@code entries} as {@code __metadata__}, in its iteration order.
     *
     * @param entries not modified
     * @return this writer
     */
    public SafetensorsWriter metadata(Map<String, String> entries) {
        Objects.requireNonNull(entries, "entries");
        entries.forEach(this::metadata);
        return this;
    }

    /**
     * Adds a tensor as {@code F32}, its elements in row-major order of its logical shape (views and
     * non-contiguous tensors are written as their contiguous copy).
     *
     * @param name the tensor name: not {@code __metadata__}, not already added
     * @param tensor the values, not modified (copied)
     * @return this writer
     * @throws IllegalArgumentException if the name is taken or invalid
     */
    public SafetensorsWriter put(String name, Tensor tensor) {
        Objects.requireNonNull(tensor, "tensor");
        float[] values = tensor.toArray(); // a fresh row-major copy
        int[] s = checkShape(name, values.length, tensor.shape());
        items.put(name, new Item(s, values, null));
        return this;
    }

    /**
     * Adds every entry of {@code tensors} with {@link #put(String, Tensor)}, in iteration order.
     *
     * @param tensors not modified
     * @return this writer
     */
    public SafetensorsWriter putAll(Map<String, Tensor> tensors) {
        Objects.requireNonNull(tensors, "tensors");
        tensors.forEach(this::put);
        return this;
    }

    /**
     * Adds an {@code F32} tensor.
     *
     * @param name the tensor name: not {@code __metadata__}, not already added
     * @param values row-major values, not modified (copied); length = product of {@code shape}
     * @param shape the shape ({@code []} for a scalar), not modified
     * @return this writer
     * @throws IllegalArgumentException if the name is taken or invalid, or the shape does not fit
     */
    public SafetensorsWriter putFloats(String name, float[] values, int... shape) {
        Objects.requireNonNull(values, "values");
        int[] s = checkShape(name, values.length, shape);
        items.put(name, new Item(s, values.clone(), null));
        return this;
    }

    /**
     * Adds an {@code I64} tensor (lengths, step counters).
     *
     * @param name the tensor name: not {@code __metadata__}, not already added
     * @param values row-major values, not modified (copied); length = product of {@code shape}
     * @param shape the shape ({@code []} for a scalar), not modified
     * @return this writer
     * @throws IllegalArgumentException if the name is taken or invalid, or the shape does not fit
     */
    public SafetensorsWriter putLongs(String name, long[] values, int... shape) {
        Objects.requireNonNull(values, "values");
        int[] s = checkShape(name, values.length, shape);
        items.put(name, new Item(s, null, values.clone()));
        return this;
    }

    /**
     * {@return the whole file as bytes}
     *
     * @throws IllegalStateException if the file would exceed the capacity of a byte array (use
     *     {@link #write(Path)})
     */
    public byte[] toByteArray() {
        byte[] header = header();
        long total = 8L + header.length + dataBytes();
        if (total > Safetensors.MAX_ELEMENTS) {
            throw new IllegalStateException("file of " + total + " bytes does not fit a byte array; use write(Path)");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) total);
        try {
            writeTo(out, header);
        } catch (IOException e) {
            throw new UncheckedIOException("ByteArrayOutputStream cannot fail", e);
        }
        return out.toByteArray();
    }

    /**
     * Writes the file to a stream (buffered internally; not closed, not flushed beyond the last byte).
     *
     * @param out the stream, modified (written to)
     * @throws IOException if the stream fails
     */
    public void writeTo(OutputStream out) throws IOException {
        writeTo(Objects.requireNonNull(out, "out"), header());
    }

    /**
     * Writes the file atomically: the bytes go to a new temporary file in the same directory
     * ({@code .<name>.<random>.tmp}, created with the default permissions), which is forced to disk
     * and then moved over {@code path} with {@code ATOMIC_MOVE} and {@code REPLACE_EXISTING}. Readers
     * see either the old file or the complete new one. On a file system that cannot move atomically
     * the move falls back to a plain {@code REPLACE_EXISTING}. On failure the temporary file is
     * deleted and {@code path} is left untouched.
     *
     * @param path the destination, replaced if it exists
     * @throws IOException if writing or moving fails
     */
    public void write(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        byte[] header = header();
        AtomicFiles.write(path, out -> writeTo(out, header));
    }

    // ---------------------------------------------------------------- encoding

    /** {@return the header length field's payload: JSON padded with spaces to a multiple of 8} */
    byte[] header() {
        StringBuilder sb = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            Json.quote(sb, "__metadata__").append(":{");
            String sep = "";
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                sb.append(sep);
                Json.quote(sb, e.getKey()).append(':');
                Json.quote(sb, e.getValue());
                sep = ",";
            }
            sb.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, Item> e : items.entrySet()) {
            Item it = e.getValue();
            if (sb.length() > 1) {
                sb.append(',');
            }
            Json.quote(sb, e.getKey()).append(":{\"dtype\":\"").append(it.floats != null ? "F32" : "I64")
                    .append("\",\"shape\":[");
            for (int d = 0; d < it.shape.length; d++) {
                sb.append(d == 0 ? "" : ",").append(it.shape[d]);
            }
            long end = offset + it.byteSize();
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        if (padded > Safetensors.MAX_HEADER_BYTES) {
            throw new IllegalStateException("header of " + padded + " bytes exceeds the safetensors limit of "
                    + Safetensors.MAX_HEADER_BYTES);
        }
        byte[] h = Arrays.copyOf(json, padded);
        Arrays.fill(h, json.length, padded, (byte) ' ');
        return h;
    }

    private long dataBytes() {
        long n = 0;
        for (Item it : items.values()) {
            n += it.byteSize();
        }
        return n;
    }

    private void writeTo(OutputStream out, byte[] header) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(0, header.length);
        out.write(buf.array(), 0, 8);
        out.write(header);
        for (Item it : items.values()) {
            buf.clear();
            if (it.floats != null) {
                for (float v : it.floats) {
                    if (buf.remaining() < 4) {
                        flush(out, buf);
                    }
                    buf.putInt(Float.floatToRawIntBits(v));
                }
            } else {
                for (long v : it.longs) {
                    if (buf.remaining() < 8) {
                        flush(out, buf);
                    }
                    buf.putLong(v);
                }
            }
            flush(out, buf);
        }
    }

    private static void flush(OutputStream out, ByteBuffer buf) throws IOException {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }

    // ---------------------------------------------------------------- validation

    private int[] checkShape(String name, int length, int[] shape) {
        checkText(name, "tensor name");
        Objects.requireNonNull(shape, "shape");
        if (name.equals("__metadata__")) {
            throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
        }
        if (items.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already added");
        }
        int[] s = shape.clone();
        long n = 1;
        for (int d = 0; d < s.length; d++) {
            if (s[d] < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(s)
                        + " has a negative size at dim " + d);
            }
            n = n > Integer.MAX_VALUE ? (s[d] == 0 ? 0 : n) : n * s[d]; // saturates above int range
        }
        if (n != length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(s) + " needs "
                    + (n > Integer.MAX_VALUE ? "more than " + Integer.MAX_VALUE : String.valueOf(n))
                    + " values, got " + length);
        }
        return s;
    }

    private static String checkText(String s, String what) {
        Objects.requireNonNull(s, what);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(what + " has an unpaired surrogate at index " + i
                        + " and cannot be written as UTF-8");
            }
        }
        return s;
    }
}
