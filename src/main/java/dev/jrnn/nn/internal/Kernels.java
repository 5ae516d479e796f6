package dev.jrnn.nn.internal;

import dev.jrnn.tensor.internal.Activations;
import dev.jrnn.tensor.internal.GemmEngine;
import dev.jrnn.tensor.internal.PackedB;
import java.util.Arrays;

/**
 * The raw-array operations the recurrent layers need, BLAS-style (row-major, leading dimensions):
 * a thin seam over the tensor kernels so that the layers read like the math and tests can see one
 * place where the layers touch the kernels.
 */
public final class Kernels {

    private Kernels() {
    }

    /**
     * {@code C = alpha·op(A)·op(B) + beta·C}, row-major with leading dimensions.
     *
     * @param a not modified
     * @param b not modified
     * @param c modified (accumulated into when {@code beta != 0}; overwritten when {@code beta == 0})
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {   // empty inner dimension (input_size 0 or hidden_size 0): C = beta·C
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = cOff + i * ldc + j;
                    c[ci] = beta == 0f ? 0f : beta * c[ci];
                }
            }
            return;
        }
        GemmEngine.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * Packs a torch-layout weight {@code W (G, K)} once so that {@link #sgemmPacked} computes
     * {@code C = alpha·A·Wᵀ + beta·C} without repacking it at every time step.
     *
     * @param w row-major {@code (G, K)}, not modified
     */
    public static PackedB packTransposed(float[] w, int g, int k) {
        return PackedB.pack(true, k, g, w, 0, Math.max(1, k));
    }

    /**
     * Packs a torch-layout weight {@code W (G, K)} once, untransposed, so that {@link #sgemmPacked}
     * computes {@code C = alpha·A·W + beta·C} ({@code A (M, G)}, {@code C (M, K)}): the backward
     * recurrence {@code dh_{t−1} = dA_t·W_hh}.
     *
     * @param w row-major {@code (G, K)}, not modified
     */
    public static PackedB pack(float[] w, int g, int k) {
        return PackedB.pack(false, g, k, w, 0, Math.max(1, k));
    }

    /**
     * {@code C = alpha·A·Wᵀ + beta·C} with {@code W} packed by {@link #packTransposed}: A is {@code (M, K)}
     * with leading dimension {@code lda}, C is {@code (M, G)} with leading dimension {@code ldc}.
     *
     * @param a not modified
     * @param c modified (accumulated into when {@code beta != 0})
     */
    public static void sgemmPacked(int m, float alpha, float[] a, int aOff, int lda, PackedB w, float beta,
                                   float[] c, int cOff, int ldc) {
        if (m == 0 || w.cols() == 0) {
            return;
        }
        if (w.rows() == 0) {
            sgemm(false, false, m, w.cols(), 0, alpha, a, aOff, lda, null, 0, 1, beta, c, cOff, ldc);
            return;
        }
        GemmEngine.sgemm(false, m, alpha, a, aOff, lda, w, beta, c, cOff, ldc);
    }

    /**
     * Writes what {@link #sgemmPacked}{@code (m, 1f, A, …, W, beta, c, cOff, ldc)} writes when every element
     * of {@code A} is {@code +0} and every element of {@code W} is finite, without reading either: each
     * accumulator of the product is then {@code +0}, so the combine rule of the GEMM
     * ({@code c = acc·alpha} for {@code beta == 0}, else {@code c = fma(acc, alpha, c·beta)}) leaves
     * {@code +0}, or {@code c·beta + 0} (which turns a {@code −0} into {@code +0} and changes nothing else).
     * Bitwise the same as the product on every kernel and thread count. The first step of a recurrence
     * whose initial state was omitted uses it to skip {@code 0·W_hhᵀ}.
     *
     * @param n the columns of C ({@code W}'s {@code G})
     * @param c modified
     */
    public static void sgemmZeroA(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int r = cOff + i * ldc;
            if (beta == 0f) {
                Arrays.fill(c, r, r + n, 0f);
            } else {
                for (int j = r; j < r + n; j++) {
                    c[j] = c[j] * beta + 0f;
                }
            }
        }
    }

    /** {@return whether every element of {@code a} is finite (no NaN, no ±infinity)} */
    public static boolean allFinite(float[] a) {
        for (float v : a) {
            if (v - v != 0f) {   // NaN exactly for NaN and ±infinity
                return false;
            }
        }
        return true;
    }

    /** {@code a[aOff + r·g + j] += row[rowOff + j]} for {@code rows} rows of g elements; row not modified, must not overlap them. */
    public static void addRows(float[] a, int aOff, float[] row, int rowOff, int rows, int g) {
        Activations.addRows(a, aOff, row, rowOff, rows, g);
    }

    /** {@code dst[i] = tanh(src[i])} for n elements; src not modified, dst modified (may alias src). */
    public static void tanh(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        Activations.tanh(src, srcOff, dst, dstOff, n);
    }

    /** {@code dst[i] = max(src[i], 0)} for n elements; NaN propagates; dst may alias src. */
    public static void relu(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        Activations.relu(src, srcOff, dst, dstOff, n);
    }

    /**
     * Backward of {@code h = tanh(a)} from the output, with the two upstream gradients of {@code h}
     * added: {@code dA[i] = (dh[i] + dOut[i])·(1 − h[i]²)} for n elements.
     *
     * @param dh gradient from the later time step, not modified
     * @param dOut gradient from the layer output, not modified
     * @param h the forward output {@code tanh(a)}, not modified
     * @param dA modified (overwritten)
     */
    public static void tanhBackward(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff,
                                    float[] dA, int dAOff, int n) {
        Activations.tanhBackward(dh, dhOff, dOut, dOutOff, h, hOff, dA, dAOff, n);
    }

    /**
     * Backward of {@code h = relu(a)} from the output, with the two upstream gradients of {@code h}
     * added: {@code dA[i] = h[i] <= 0 ? 0 : dh[i] + dOut[i]} for n elements. The derivative at exactly
     * 0 is 0, and a NaN output passes the gradient, both as torch's {@code threshold_backward}.
     *
     * @param dh gradient from the later time step, not modified
     * @param dOut gradient from the layer output, not modified
     * @param h the forward output {@code relu(a)}, not modified
     * @param dA modified (overwritten)
     */
    public static void reluBackward(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff,
                                    float[] dA, int dAOff, int n) {
        Activations.reluBackward(dh, dhOff, dOut, dOutOff, h, hOff, dA, dAOff, n);
    }

    /**
     * Writes the column sums of a row-major {@code (rows, cols)} matrix into {@code sums} (accumulated in
     * double per column, row by row, rounded once): the bias gradient {@code Σ_{t,n} dA}.
     *
     * @param a not modified
     * @param acc a scratch array of at least {@code cols} elements, modified
     * @param sums {@code (cols)}, modified (overwritten)
     */
    public static void columnSums(float[] a, int rows, int cols, double[] acc, float[] sums) {
        Activations.columnSums(a, 0, rows, cols, acc, sums);
    }
}
