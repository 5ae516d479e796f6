package dev.jrnn.tensor;

import dev.jrnn.tensor.internal.GemmEngine;
import dev.jrnn.tensor.internal.PackedB;
import java.util.Arrays;
import java.util.Objects;

/**
 * General matrix multiply on 2-D tensor views: {@code c = alpha·op(a)·op(b) + beta·c}, where
 * {@code op(x)} is {@code x} or its transpose {@code xᵀ}.
 *
 * <p>Shapes: {@code op(a)} is {@code (M, K)}, {@code op(b)} is {@code (K, N)}, {@code c} is
 * {@code (M, N)}. Views may have any strides: a unit column stride (row-major) or a unit row stride
 * (column-major, i.e. a transposed view) is read in place; other layouts are copied first. Zero
 * sizes are allowed: {@code K == 0} gives {@code c = beta·c}. {@code beta == 0} overwrites
 * {@code c} without reading it, so NaN in {@code c} does not propagate.
 *
 * <p>{@code c} must not share storage with {@code a} or {@code b}: overlapping views are rejected.
 *
 * <p>Each element is computed in the same order whatever the kernel (scalar or Vector API), the
 * thread count ({@link Threads}) or the form of {@code b} (a tensor or a {@link PackedMatrix}): the
 * results are bitwise identical. Large products run on several threads.
 *
 * <p>The {@code mult*} family follows EJML's names: {@code mult} is {@code c = a·b},
 * {@code multTransA} is {@code c = aᵀ·b}, {@code multTransB} is {@code c = a·bᵀ},
 * {@code multAdd*} accumulate ({@code c += ...}).
 *
 * <p>Thread-safe: concurrent calls are fine as long as they do not write the same tensor.
 *
 * <p>Thread safety: stateless static methods: safe from many threads, as long as no two calls write the same
 * output tensor and no call writes a tensor another one reads.
 */
public final class Gemm {

    private Gemm() {
    }

    /**
     * {@code c = alpha·op(a)·op(b) + beta·c}.
     *
     * @param transA whether {@code op(a) = aᵀ}
     * @param transB whether {@code op(b) = bᵀ}
     * @param alpha scale of the product
     * @param a 2-D, {@code op(a)} is {@code (M, K)}, not modified
     * @param b 2-D, {@code op(b)} is {@code (K, N)}, not modified
     * @param beta scale of the old {@code c}; 0 means {@code c} is overwritten
     * @param c {@code (M, N)}, modified (accumulated into when {@code beta != 0})
     * @return {@code c}
     * @throws IllegalArgumentException on a rank or shape mismatch, or if {@code c} overlaps
     *                                  {@code a} or {@code b}
     */
    public static Tensor gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Objects.requireNonNull(c, "c");
        Operand opA = Operand.of("a", a, transA);
        Operand opB = Operand.of("b", b, transB);
        if (opA.cols != opB.rows) {
            throw new IllegalArgumentException("gemm: op(a) is (" + opA.rows + ", " + opA.cols + ") but op(b) is ("
                    + opB.rows + ", " + opB.cols + "): inner dimensions " + opA.cols + " and " + opB.rows + " differ");
        }
        checkOutput(c, opA.rows, opB.cols);
        checkNoOverlap(c, a, "a");
        checkNoOverlap(c, b, "b");
        run(opA, opB, null, alpha, beta, c);
        return c;
    }

    /**
     * {@code c = alpha·a·B + beta·c} with a pre-packed right-hand side; same bits as the unpacked form.
     *
     * @param alpha scale of the product
     * @param a {@code (M, K)}, not modified
     * @param b packed {@code (K, N)}, not modified
     * @param beta scale of the old {@code c}; 0 means {@code c} is overwritten
     * @param c {@code (M, N)}, modified (accumulated into when {@code beta != 0})
     * @return {@code c}
     */
    public static Tensor gemm(float alpha, Tensor a, PackedMatrix b, float beta, Tensor c) {
        return gemm(false, alpha, a, b, beta, c);
    }

    /**
     * {@code c = alpha·op(a)·B + beta·c} with a pre-packed right-hand side; same bits as the unpacked form.
     *
     * @param transA whether {@code op(a) = aᵀ}
     * @param alpha scale of the product
     * @param a 2-D, {@code op(a)} is {@code (M, K)}, not modified
     * @param b packed {@code (K, N)}, not modified
     * @param beta scale of the old {@code c}; 0 means {@code c} is overwritten
     * @param c {@code (M, N)}, modified (accumulated into when {@code beta != 0})
     * @return {@code c}
     */
    public static Tensor gemm(boolean transA, float alpha, Tensor a, PackedMatrix b, float beta, Tensor c) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        Objects.requireNonNull(c, "c");
        Operand opA = Operand.of("a", a, transA);
        if (opA.cols != b.rows()) {
            throw new IllegalArgumentException("gemm: op(a) is (" + opA.rows + ", " + opA.cols + ") but packed b is ("
                    + b.rows() + ", " + b.cols() + "): inner dimensions " + opA.cols + " and " + b.rows() + " differ");
        }
        checkOutput(c, opA.rows, b.cols());
        checkNoOverlap(c, a, "a");
        run(opA, null, b.packed(), alpha, beta, c);
        return c;
    }

    /**
     * {@code c = a·b}.
     *
     * @param a {@code (M, K)}, not modified
     * @param b {@code (K, N)}, not modified
     * @param c {@code (M, N)}, modified (overwritten)
     * @return {@code c}
     */
    public static Tensor mult(Tensor a, Tensor b, Tensor c) {
        return gemm(false, false, 1f, a, b, 0f, c);
    }

    /**
     * {@code c = aᵀ·b}.
     *
     * @param a {@code (K, M)}, not modified
     * @param b {@code (K, N)}, not modified
     * @param c {@code (M, N)}, modified (overwritten)
     * @return {@code c}
     */
    public static Tensor multTransA(Tensor a, Tensor b, Tensor c) {
        return gemm(true, false, 1f, a, b, 0f, c);
    }

    /**
     * {@code c = a·bᵀ} (e.g. {@code x·Wᵀ} with a torch weight {@code W}).
     *
     * @param a {@code (M, K)}, not modified
     * @param b {@code (N, K)}, not modified
     * @param c {@code (M, N)}, modified (overwritten)
     * @return {@code c}
     */
    public static Tensor multTransB(Tensor a, Tensor b, Tensor c) {
        return gemm(false, true, 1f, a, b, 0f, c);
    }

    /**
     * {@code c += a·b}.
     *
     * @param a {@code (M, K)}, not modified
     * @param b {@code (K, N)}, not modified
     * @param c {@code (M, N)}, modified (accumulated into)
     * @return {@code c}
     */
    public static Tensor multAdd(Tensor a, Tensor b, Tensor c) {
        return gemm(false, false, 1f, a, b, 1f, c);
    }

    /**
     * {@code c += aᵀ·b} (e.g. a weight gradient {@code dW += dYᵀ·X}).
     *
     * @param a {@code (K, M)}, not modified
     * @param b {@code (K, N)}, not modified
     * @param c {@code (M, N)}, modified (accumulated into)
     * @return {@code c}
     */
    public static Tensor multAddTransA(Tensor a, Tensor b, Tensor c) {
        return gemm(true, false, 1f, a, b, 1f, c);
    }

    /**
     * {@code c += a·bᵀ}.
     *
     * @param a {@code (M, K)}, not modified
     * @param b {@code (N, K)}, not modified
     * @param c {@code (M, N)}, modified (accumulated into)
     * @return {@code c}
     */
    public static Tensor multAddTransB(Tensor a, Tensor b, Tensor c) {
        return gemm(false, true, 1f, a, b, 1f, c);
    }

    // ------------------------------------------------------------------ internals

    private static void run(Operand opA, Operand opB, PackedB packed, float alpha, float beta, Tensor c) {
        int m = opA.rows;
        int n = packed != null ? packed.cols() : opB.cols;
        int k = opA.cols;
        float[] cd = c.storage();
        c.markWritten();
        int s0 = c.strideAt(0);
        int s1 = c.strideAt(1);
        if ((s1 == 1 || n <= 1) && (m <= 1 || s0 >= Math.max(1, n))) {
            int ldc = m <= 1 ? Math.max(1, n) : s0;
            call(opA, opB, packed, alpha, beta, cd, c.offset(), ldc, m, n, k);
        } else if (packed == null && (s0 == 1 || m <= 1) && (n <= 1 || s1 >= Math.max(1, m))) {
            // c is column-major: compute cᵀ = op(b)ᵀ·op(a)ᵀ into it (same products, same bits).
            int ldc = n <= 1 ? Math.max(1, m) : s1;
            GemmEngine.sgemm(!opB.trans, !opA.trans, n, m, k, alpha, opB.data, opB.off, opB.ld,
                    opA.data, opA.off, opA.ld, beta, cd, c.offset(), ldc);
        } else {
            float[] tmp = new float[m * n]; // (M, N) contiguous copy of c
            if (beta != 0f) {
                copyOut(c, tmp, m, n);
            }
            call(opA, opB, packed, alpha, beta, tmp, 0, Math.max(1, n), m, n, k);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    cd[c.offset() + i * s0 + j * s1] = tmp[i * n + j];
                }
            }
        }
    }

    private static void call(Operand opA, Operand opB, PackedB packed, float alpha, float beta,
                             float[] c, int cOff, int ldc, int m, int n, int k) {
        if (packed != null) {
            GemmEngine.sgemm(opA.trans, m, alpha, opA.data, opA.off, opA.ld, packed, beta, c, cOff, ldc);
        } else {
            GemmEngine.sgemm(opA.trans, opB.trans, m, n, k, alpha, opA.data, opA.off, opA.ld,
                    opB.data, opB.off, opB.ld, beta, c, cOff, ldc);
        }
    }

    private static void checkOutput(Tensor c, int m, int n) {
        if (c.dim() != 2) {
            throw new IllegalArgumentException("gemm: c must be 2-D, got shape " + Arrays.toString(c.shape()));
        }
        if (c.sizeAt(0) != m || c.sizeAt(1) != n) {
            throw new IllegalArgumentException("gemm: c is (" + c.sizeAt(0) + ", " + c.sizeAt(1)
                    + ") but op(a)·op(b) is (" + m + ", " + n + ")");
        }
    }

    private static void checkNoOverlap(Tensor c, Tensor x, String name) {
        if (c.storage() != x.storage()) {
            return;
        }
        long[] rc = span(c);
        long[] rx = span(x);
        if (rc != null && rx != null && rc[0] <= rx[1] && rx[0] <= rc[1]) {
            throw new IllegalArgumentException("gemm: c overlaps " + name + " in storage (c uses elements ["
                    + rc[0] + ", " + rc[1] + "], " + name + " uses [" + rx[0] + ", " + rx[1]
                    + "]); c must not alias an input");
        }
    }

    /** {@return [lowest, highest] storage index a view touches, or null when it is empty} */
    private static long[] span(Tensor t) {
        long lo = t.offset();
        long hi = t.offset();
        for (int d = 0; d < t.dim(); d++) {
            if (t.sizeAt(d) == 0) {
                return null;
            }
            long ext = (long) (t.sizeAt(d) - 1) * t.strideAt(d);
            if (ext >= 0) {
                hi += ext;
            } else {
                lo += ext;
            }
        }
        return new long[] {lo, hi};
    }

    private static void copyOut(Tensor t, float[] dst, int rows, int cols) {
        float[] d = t.storage();
        int s0 = t.strideAt(0);
        int s1 = t.strideAt(1);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                dst[i * cols + j] = d[t.offset() + i * s0 + j * s1];
            }
        }
    }

    /**
     * A 2-D operand resolved to the engine's raw form: {@code op(x)} is {@code (rows, cols)} and is
     * read from {@code data} as stored row-major with leading dimension {@code ld}, transposed when
     * {@code trans}.
     */
    static final class Operand {
        final float[] data;
        final int off;
        final int ld;
        final boolean trans;
        final int rows; // rows of op(x)
        final int cols; // cols of op(x)

        private Operand(float[] data, int off, int ld, boolean trans, int rows, int cols) {
            this.data = data;
            this.off = off;
            this.ld = ld;
            this.trans = trans;
            this.rows = rows;
            this.cols = cols;
        }

        static Operand of(String name, Tensor x, boolean trans) {
            if (x.dim() != 2) {
                throw new IllegalArgumentException("gemm: " + name + " must be 2-D, got shape "
                        + Arrays.toString(x.shape()));
            }
            int r = x.sizeAt(0);
            int c = x.sizeAt(1);
            int s0 = x.strideAt(0);
            int s1 = x.strideAt(1);
            int opRows = trans ? c : r;
            int opCols = trans ? r : c;
            if (r == 0 || c == 0) {
                return new Operand(x.storage(), 0, Math.max(1, c), trans, opRows, opCols);
            }
            if ((s1 == 1 || c == 1) && (r == 1 || s0 >= c)) {
                // row-major (r, c) with leading dimension s0
                return new Operand(x.storage(), x.offset(), r == 1 ? c : s0, trans, opRows, opCols);
            }
            if ((s0 == 1 || r == 1) && (c == 1 || s1 >= r)) {
                // column-major: x is the transpose of a row-major (c, r) with leading dimension s1
                return new Operand(x.storage(), x.offset(), c == 1 ? r : s1, !trans, opRows, opCols);
            }
            float[] copy = new float[r * c]; // (r, c) contiguous copy
            copyOut(x, copy, r, c);
            return new Operand(copy, 0, c, trans, opRows, opCols);
        }
    }
}
