package dev.jrnn.nn.internal;

/**
 * The raw-array operations the recurrent layers need, BLAS-style (row-major, leading dimensions).
 * Placeholder implementations until the tensor GEMM and activation kernels are wired in.
 */
public final class Kernels {

    private Kernels() {
    }

    /** {@code C = alpha·op(A)·op(B) + beta·C}, row-major with leading dimensions. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    acc = Math.fma(av, bv, acc);
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * acc : alpha * acc + beta * c[ci];
            }
        }
    }

    /** {@code dst[i] = tanh(src[i])} for n elements. */
    public static void tanh(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = (float) Math.tanh(src[srcOff + i]);
        }
    }

    /** {@code dst[i] = max(src[i], 0)} for n elements; NaN propagates. */
    public static void relu(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            float v = src[srcOff + i];
            dst[dstOff + i] = v > 0f ? v : (v == v ? 0f : v);
        }
    }
}
