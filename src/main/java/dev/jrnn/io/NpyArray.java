package dev.jrnn.io;

import dev.jrnn.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * One array read from a NumPy {@code .npy} file (or an {@code .npz} member): its element type, its
 * shape and its values, always held in row-major (C) order whatever the file's
 * {@code fortran_order}. Floating-point arrays are held as float32 ({@code <f8} rounded to nearest,
 * {@code <f2} exact), integer arrays as {@code long}.
 *
 * <p>Immutable: every accessor returns a copy. Thread-safe.
 *
 * <p>Thread safety: immutable: every accessor returns a copy; safe to share between threads.
 */
public final class NpyArray {

    /** The element types jrnn reads, with their NumPy type code (without the byte-order character). */
    public enum Dtype {
        /** {@code f2}: IEEE binary16, converted exactly to float32. */
        F2("f2", 2, true),
        /** {@code f4}: IEEE binary32. */
        F4("f4", 4, true),
        /** {@code f8}: IEEE binary64, rounded to the nearest float32. */
        F8("f8", 8, true),
        /** {@code i4}: signed 32-bit integer, read as {@code long}. */
        I4("i4", 4, false),
        /** {@code i8}: signed 64-bit integer. */
        I8("i8", 8, false);

        private final String code;
        private final int byteSize;
        private final boolean floatingPoint;

        Dtype(String code, int byteSize, boolean floatingPoint) {
            this.code = code;
            this.byteSize = byteSize;
            this.floatingPoint = floatingPoint;
        }

        /** {@return NumPy's type code without byte order, e.g. {@code f4}} */
        public String code() {
            return code;
        }

        /** {@return the size of one element in bytes} */
        public int byteSize() {
            return byteSize;
        }

        /** {@return whether arrays of this type are read as float32 tensors} */
        public boolean isFloatingPoint() {
            return floatingPoint;
        }
    }

    private final Dtype dtype;
    private final int[] shape;      // never exposed
    private final float[] floats;   // (numel) row-major, floating dtypes; else null
    private final long[] longs;     // (numel) row-major, integer dtypes; else null
    private final boolean fortranOrder;

    NpyArray(Dtype dtype, int[] shape, float[] floats, long[] longs, boolean fortranOrder) {
        this.dtype = dtype;
        this.shape = shape;
        this.floats = floats;
        this.longs = longs;
        this.fortranOrder = fortranOrder;
    }

    /** {@return the element type the file declared} */
    public Dtype dtype() {
        return dtype;
    }

    /** {@return a copy of the shape ({@code []} for a 0-d array)} */
    public int[] shape() {
        return shape.clone();
    }

    /** {@return the number of elements} */
    public int numel() {
        return floats != null ? floats.length : longs.length;
    }

    /** {@return whether the file stored the data in column-major order (it is held row-major here)} */
    public boolean fortranOrder() {
        return fortranOrder;
    }

    /**
     * {@return the values as a new float32 tensor of this shape}
     *
     * @throws IllegalArgumentException if the array is of an integer type (use {@link #longs()})
     */
    public Tensor tensor() {
        return Tensor.of(floats(), shape);
    }

    /**
     * {@return a row-major copy of the values as float32}
     *
     * @throws IllegalArgumentException if the array is of an integer type (use {@link #longs()})
     */
    public float[] floats() {
        if (floats == null) {
            throw new IllegalArgumentException("array is " + dtype.code + " (integer); read it with longs()");
        }
        return floats.clone();
    }

    /**
     * {@return a row-major copy of the integer values}
     *
     * @throws IllegalArgumentException if the array is of a floating-point type
     */
    public long[] longs() {
        if (longs == null) {
            throw new IllegalArgumentException("array is " + dtype.code + " (floating point); read it with tensor()"
                    + " or floats()");
        }
        return longs.clone();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof NpyArray)) {
            return false;
        }
        NpyArray a = (NpyArray) o;
        return dtype == a.dtype && Arrays.equals(shape, a.shape) && Arrays.equals(floats, a.floats)
                && Arrays.equals(longs, a.longs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(floats), Arrays.hashCode(longs));
    }

    @Override
    public String toString() {
        return "NpyArray[" + dtype.code + " " + Arrays.toString(shape) + (fortranOrder ? " (read fortran_order)" : "")
                + "]";
    }
}
