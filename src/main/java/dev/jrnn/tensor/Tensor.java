package dev.jrnn.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * A strided float32 n-dimensional array: a view (shape, strides, offset) over a {@code float[]}
 * storage, with PyTorch's semantics for views, broadcasting and shapes.
 *
 * <p>Views ({@code view}, {@code transpose}, {@code narrow}, ...) share storage with the tensor they
 * come from: writing through one is visible through the other. Every method that returns a view
 * says so. Methods ending in {@code InPlace} mutate this tensor; every other method leaves it
 * unchanged.
 *
 * <p>Not thread-safe for concurrent mutation; concurrent reads are safe.
 */
public final class Tensor {

    private final float[] data;   // storage, shared between views
    private final int offset;     // index of element (0, ..., 0) in data
    private final int[] shape;    // (d0, d1, ..., d_{n-1}); never exposed
    private final int[] strides;  // elements, not bytes; never exposed

    Tensor(float[] data, int offset, int[] shape, int[] strides) {
        this.data = data;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
    }

    // ---------------------------------------------------------------- factories (skeleton)

    /** {@return a new contiguous tensor of the given shape filled with zeros} */
    public static Tensor zeros(int... shape) {
        int[] s = checkShape(shape);
        return new Tensor(new float[numel(s)], 0, s, contiguousStrides(s));
    }

    /**
     * {@return a new contiguous tensor holding a copy of {@code values} with the given shape}
     *
     * @param values row-major values, not modified; length must equal the product of {@code shape}
     * @param shape the shape, not modified
     */
    public static Tensor of(float[] values, int... shape) {
        Objects.requireNonNull(values, "values");
        int[] s = checkShape(shape);
        int n = numel(s);
        if (values.length != n) {
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " needs " + n
                    + " values, got " + values.length);
        }
        return new Tensor(values.clone(), 0, s, contiguousStrides(s));
    }

    // ---------------------------------------------------------------- geometry

    /** {@return a copy of the shape} */
    public int[] shape() {
        return shape.clone();
    }

    /** {@return a copy of the strides, in elements} */
    public int[] strides() {
        return strides.clone();
    }

    /** {@return the number of dimensions} */
    public int dim() {
        return shape.length;
    }

    /** {@return the number of elements} */
    public int numel() {
        return numel(shape);
    }

    /** {@return the storage offset of element (0, ..., 0), in elements} */
    public int storageOffset() {
        return offset;
    }

    // ---------------------------------------------------------------- raw access for this package

    float[] storage() {
        return data;
    }

    int offset() {
        return offset;
    }

    int sizeAt(int d) {
        return shape[d];
    }

    int strideAt(int d) {
        return strides[d];
    }

    // ---------------------------------------------------------------- helpers

    static int[] checkShape(int[] shape) {
        Objects.requireNonNull(shape, "shape");
        int[] s = shape.clone();
        long n = 1;
        for (int d = 0; d < s.length; d++) {
            if (s[d] < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(s) + " has a negative size at dim " + d);
            }
            n *= s[d];
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + Arrays.toString(s) + " has more than "
                        + (Integer.MAX_VALUE - 8) + " elements");
            }
        }
        return s;
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int v : shape) {
            n *= v;
        }
        return n;
    }

    static int[] contiguousStrides(int[] shape) {
        int[] st = new int[shape.length];
        int acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = acc;
            acc *= Math.max(shape[d], 1);
        }
        return st;
    }
}
