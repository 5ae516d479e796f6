package dev.jrnn.tensor.internal;

import java.util.Arrays;
import java.util.Objects;

/**
 * Array kernels for the activations of the recurrent layers (and the bias add before them), dispatched
 * once per call to the Vector API ({@code VectorMath}) when {@link Simd#vectorEnabled()} and to
 * {@link FastMath} otherwise. Both paths run the same algorithm and give bitwise identical results.
 *
 * <p>Each kernel reads {@code src[srcOff .. srcOff + n)} and writes {@code dst[dstOff .. dstOff + n)};
 * {@code dst} may be {@code src} with the same offset (in place), but not a shifted overlap.
 * Bad ranges throw {@link IndexOutOfBoundsException} before anything is written.
 *
 * <p>This class never references {@code jdk.incubator.vector} types itself, so it loads without the
 * module. Thread-safe: stateless.
 */
public final class Activations {

    private Activations() {
    }

    /**
     * {@code dst[dstOff + i] = exp(src[srcOff + i])} for {@code i < n}; at most 2 ulp off.
     *
     * @param src the input, not modified
     * @param srcOff first input index
     * @param dst the output, modified
     * @param dstOff first output index
     * @param n number of elements, {@code >= 0}
     */
    public static void exp(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        check(src, srcOff, dst, dstOff, n);
        if (Simd.vectorEnabled()) {
            VectorMath.exp(src, srcOff, dst, dstOff, n);
        } else {
            FastMath.exp(src, srcOff, dst, dstOff, n);
        }
    }

    /**
     * {@code dst[dstOff + i] = tanh(src[srcOff + i])} for {@code i < n}; at most 2 ulp off.
     *
     * @param src the input, not modified
     * @param srcOff first input index
     * @param dst the output, modified
     * @param dstOff first output index
     * @param n number of elements, {@code >= 0}
     */
    public static void tanh(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        check(src, srcOff, dst, dstOff, n);
        if (Simd.vectorEnabled()) {
            VectorMath.tanh(src, srcOff, dst, dstOff, n);
        } else {
            FastMath.tanh(src, srcOff, dst, dstOff, n);
        }
    }

    /**
     * {@code dst[dstOff + i] = 1 / (1 + exp(-src[srcOff + i]))} for {@code i < n}; at most 2 ulp off.
     *
     * @param src the input, not modified
     * @param srcOff first input index
     * @param dst the output, modified
     * @param dstOff first output index
     * @param n number of elements, {@code >= 0}
     */
    public static void sigmoid(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        check(src, srcOff, dst, dstOff, n);
        if (Simd.vectorEnabled()) {
            VectorMath.sigmoid(src, srcOff, dst, dstOff, n);
        } else {
            FastMath.sigmoid(src, srcOff, dst, dstOff, n);
        }
    }

    /**
     * {@code dst[dstOff + i] = max(src[srcOff + i], 0)} for {@code i < n} (NaN stays NaN, -0 gives +0).
     *
     * @param src the input, not modified
     * @param srcOff first input index
     * @param dst the output, modified
     * @param dstOff first output index
     * @param n number of elements, {@code >= 0}
     */
    public static void relu(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        check(src, srcOff, dst, dstOff, n);
        if (Simd.vectorEnabled()) {
            VectorMath.relu(src, srcOff, dst, dstOff, n);
        } else {
            FastMath.relu(src, srcOff, dst, dstOff, n);
        }
    }

    /**
     * Backward of {@code h = tanh(a)} with two upstream gradients of {@code h} added:
     * {@code dA[dAOff + i] = (dh[dhOff + i] + dOut[dOutOff + i]) * (1 - h[hOff + i]²)} for {@code i < n},
     * each operation rounded to float in that order (no fused multiply-add), on both paths.
     *
     * @param dh the first upstream gradient, not modified
     * @param dOut the second upstream gradient, not modified
     * @param h the forward output, not modified
     * @param dA the result, modified (may alias {@code dh} or {@code dOut} at the same offset)
     * @param n number of elements, {@code >= 0}
     */
    public static void tanhBackward(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff,
                                    float[] dA, int dAOff, int n) {
        check(dh, dhOff, dA, dAOff, n);
        check(dOut, dOutOff, h, hOff, n);
        if (Simd.vectorEnabled()) {
            VectorMath.tanhBackward(dh, dhOff, dOut, dOutOff, h, hOff, dA, dAOff, n);
        } else {
            FastMath.tanhBackward(dh, dhOff, dOut, dOutOff, h, hOff, dA, dAOff, n);
        }
    }

    /**
     * Backward of {@code h = relu(a)} with two upstream gradients of {@code h} added:
     * {@code dA[dAOff + i] = h[hOff + i] <= 0 ? 0 : dh[dhOff + i] + dOut[dOutOff + i]} for {@code i < n}.
     * The derivative at exactly 0 is 0, and a NaN {@code h} passes the gradient, both as torch's
     * {@code threshold_backward}; a NaN gradient where {@code h <= 0} gives 0 (a select, not a product).
     *
     * @param dh the first upstream gradient, not modified
     * @param dOut the second upstream gradient, not modified
     * @param h the forward output, not modified
     * @param dA the result, modified (may alias {@code dh} or {@code dOut} at the same offset)
     * @param n number of elements, {@code >= 0}
     */
    public static void reluBackward(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff,
                                    float[] dA, int dAOff, int n) {
        check(dh, dhOff, dA, dAOff, n);
        check(dOut, dOutOff, h, hOff, n);
        if (Simd.vectorEnabled()) {
            VectorMath.reluBackward(dh, dhOff, dOut, dOutOff, h, hOff, dA, dAOff, n);
        } else {
            FastMath.reluBackward(dh, dhOff, dOut, dOutOff, h, hOff, dA, dAOff, n);
        }
    }

    /**
     * Adds one row to each row of a block: {@code a[aOff + r * g + j] += row[rowOff + j]} for
     * {@code r < rows}, {@code j < g}, e.g. a bias {@code (G)} onto an input projection {@code (rows, G)}.
     * One float addition per element on both paths. (C2 does not vectorise the plain loop: it cannot rule
     * out that the two arrays overlap, and their indices differ; it ran at about 0.6 ns per element on
     * the Intel machine, the vector loop at 0.1.)
     *
     * @param a the block, modified
     * @param aOff index of element (0, 0) of the block
     * @param row the row added, not modified; must not overlap the block's range of {@code a}
     * @param rowOff index of the row's first element
     * @param rows number of rows, {@code >= 0}
     * @param g row length, {@code >= 0}
     * @throws IndexOutOfBoundsException if a range is outside its array, before anything is written
     */
    public static void addRows(float[] a, int aOff, float[] row, int rowOff, int rows, int g) {
        checkBlock(a, aOff, rows, g);
        Objects.requireNonNull(row, "row");
        Objects.checkFromIndexSize(rowOff, g, row.length);
        if (Simd.vectorEnabled()) {
            VectorMath.addRows(a, aOff, row, rowOff, rows, g);
        } else {
            FastMath.addRows(a, aOff, row, rowOff, rows, g);
        }
    }

    /**
     * {@code sums[j] = (float) Σ_r a[aOff + r·cols + j]} for {@code j < cols}: each column summed in
     * {@code double}, row by row from row 0, and rounded once. One loop for both paths: JDK 25's C2
     * vectorises it; a Vector API form (floats widened to doubles) was 1.3–2.9× faster on JDK 17 but up to
     * 1.8× slower on JDK 25, and one variant of it made C2 box the other Vector API loops (design notes,
     * "Bias-gradient column sums on the Vector API").
     *
     * @param a the row-major {@code (rows, cols)} block at {@code aOff}, not modified
     * @param rows number of rows, {@code >= 0}
     * @param cols row length, {@code >= 0}
     * @param acc scratch of at least {@code cols} elements, modified
     * @param sums the column sums, {@code [0, cols)} overwritten
     * @throws IndexOutOfBoundsException if a range is outside its array, before anything is written
     */
    public static void columnSums(float[] a, int aOff, int rows, int cols, double[] acc, float[] sums) {
        checkBlock(a, aOff, rows, cols);
        Objects.checkFromIndexSize(0, cols, acc.length);
        Objects.checkFromIndexSize(0, cols, sums.length);
        Arrays.fill(acc, 0, cols, 0.0);
        FastMath.columnSums(a, aOff, rows, cols, acc);   // one path (see above)
        for (int j = 0; j < cols; j++) {
            sums[j] = (float) acc[j];
        }
    }

    /** Checks that the row-major {@code (rows, cols)} block at {@code aOff} lies inside {@code a}. */
    private static void checkBlock(float[] a, int aOff, int rows, int cols) {
        Objects.requireNonNull(a, "a");
        if (rows < 0 || cols < 0) {
            throw new IndexOutOfBoundsException("rows and cols must be >= 0, got (" + rows + ", " + cols + ")");
        }
        if (aOff < 0 || aOff + (long) rows * cols > a.length) {
            throw new IndexOutOfBoundsException("block (" + rows + ", " + cols + ") at offset " + aOff
                    + " does not fit an array of length " + a.length);
        }
    }

    private static void check(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        Objects.checkFromIndexSize(srcOff, n, src.length);
        Objects.checkFromIndexSize(dstOff, n, dst.length);
    }
}
