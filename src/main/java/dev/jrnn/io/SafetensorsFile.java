package dev.jrnn.io;

import dev.jrnn.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The validated, fully decoded contents of a safetensors file, as returned by
 * {@link Safetensors#read(java.nio.file.Path)} and its overloads.
 *
 * <p>Entries keep <b>header order</b>: the order in which the tensor names appear in the JSON
 * header (for files written by jrnn or by {@code tools/gen_fixtures.py} that is also the data
 * order and the PyTorch {@code state_dict} order). Floating-point entries ({@code F32}, {@code F64},
 * {@code F16}, {@code BF16}) are held as float32, converted on read as described in {@link Dtype};
 * {@code I64} entries are held as {@code long}.
 *
 * <p>Thread safety: immutable and thread-safe. Every accessor that returns an array or a {@link Tensor} returns a
 * fresh copy. No method accepts {@code null}; an unknown name is an
 * {@link IllegalArgumentException} that lists the names present.
 */
public final class SafetensorsFile {

    /**
     * The element types jrnn reads. Conversions to float32 on read: {@code F32} as is (bit-exact,
     * NaN payloads kept); {@code F64} rounds to the nearest float (ties to even, as a Java
     * {@code (float)} cast and as PyTorch's {@code .float()}; overflow gives ±infinity); {@code F16}
     * is exact (every half value, subnormals, ±infinity and NaN included, is a float); {@code BF16}
     * is exact (a 16-bit left shift of the bits).
     */
    public enum Dtype {
        /** IEEE 754 binary32. */
        F32(4, true),
        /** IEEE 754 binary64, rounded to float32 on read. */
        F64(8, true),
        /** IEEE 754 binary16, exactly converted to float32 on read. */
        F16(2, true),
        /** bfloat16 (the upper half of a binary32), exactly converted on read. */
        BF16(2, true),
        /** Signed 64-bit integer, read as {@code long} (lengths, step counters). */
        I64(8, false);

        private final int byteSize;
        private final boolean floatingPoint;

        Dtype(int byteSize, boolean floatingPoint) {
            this.byteSize = byteSize;
            this.floatingPoint = floatingPoint;
        }

        /** {@return the size of one element in bytes} */
        public int byteSize() {
            return byteSize;
        }

        /** {@return whether entries of this type are read as float32 tensors} */
        public boolean isFloatingPoint() {
            return floatingPoint;
        }
    }

    /** One decoded entry; exactly one of {@code floats} and {@code longs} is non-null. */
    static final class Entry {
        final Dtype dtype;
        final int[] shape;     // never exposed
        final float[] floats;  // (numel) row-major, float dtypes
        final long[] longs;    // (numel) row-major, I64

        Entry(Dtype dtype, int[] shape, float[] floats, long[] longs) {
            this.dtype = dtype;
            this.shape = shape;
            this.floats = floats;
            this.longs = longs;
        }
    }

    private final Map<String, Entry> entries;     // header order
    private final Map<String, String> metadata;   // header order, unmodifiable

    SafetensorsFile(LinkedHashMap<String, Entry> entries, LinkedHashMap<String, String> metadata) {
        this.entries = entries;
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** {@return the tensor names in header order (unmodifiable)} */
    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(entries.keySet()));
    }

    /** {@return whether a tensor of this name is present} */
    public boolean contains(String name) {
        return entries.containsKey(Objects.requireNonNull(name, "name"));
    }

    /** {@return the number of tensors} */
    public int size() {
        return entries.size();
    }

    /** {@return the element type the named tensor had in the file} */
    public Dtype dtype(String name) {
        return entry(name).dtype;
    }

    /** {@return a copy of the named tensor's shape ({@code []} for a scalar)} */
    public int[] shape(String name) {
        return entry(name).shape.clone();
    }

    /**
     * {@return the named floating-point tensor as a new float32 {@link Tensor}}
     *
     * @throws IllegalArgumentException if there is no such tensor, or if it is {@code I64} (use
     *     {@link #longs(String)})
     */
    public Tensor tensor(String name) {
        Entry e = floatEntry(name);
        return Tensor.of(e.floats, e.shape);
    }

    /**
     * {@return a row-major copy of the named floating-point tensor's values, as float32}
     *
     * @throws IllegalArgumentException if there is no such tensor, or if it is {@code I64}
     */
    public float[] floats(String name) {
        return floatEntry(name).floats.clone();
    }

    /**
     * {@return a row-major copy of the named {@code I64} tensor's values}
     *
     * @throws IllegalArgumentException if there is no such tensor, or if it is not {@code I64}
     */
    public long[] longs(String name) {
        Entry e = entry(name);
        if (e.longs == null) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + e.dtype
                    + ", not I64; read it with tensor(name) or floats(name)");
        }
        return e.longs.clone();
    }

    /**
     * {@return every floating-point tensor, in header order, as new tensors (a new modifiable map on
     * each call)} {@code I64} entries are left out: read them with {@link #longs(String)}.
     */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> me : entries.entrySet()) {
            Entry e = me.getValue();
            if (e.floats != null) {
                out.put(me.getKey(), Tensor.of(e.floats, e.shape));
            }
        }
        return out;
    }

    /** {@return the {@code __metadata__} map in header order (unmodifiable; empty if absent)} */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SafetensorsFile{");
        String sep = "";
        for (Map.Entry<String, Entry> me : entries.entrySet()) {
            sb.append(sep).append(me.getKey()).append(": ").append(me.getValue().dtype)
                    .append(Arrays.toString(me.getValue().shape));
            sep = ", ";
        }
        return sb.append(", metadata=").append(metadata).append('}').toString();
    }

    private Entry entry(String name) {
        Entry e = entries.get(Objects.requireNonNull(name, "name"));
        if (e == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "'; present: " + entries.keySet());
        }
        return e;
    }

    private Entry floatEntry(String name) {
        Entry e = entry(name);
        if (e.floats == null) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + e.dtype + "; read it with longs(name)");
        }
        return e;
    }
}
