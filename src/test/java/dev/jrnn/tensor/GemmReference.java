package dev.jrnn.tensor;

import static org.assertj.core.api.Assertions.fail;

/**
 * The naive GEMM oracle for tests: accumulates in double, and bounds the float32 error of a
 * K-term dot product by {@code (K + 2) * eps * (|alpha| * sum_k |a_ik * b_kj| + |beta * c_ij|)}.
 * Raw row-major layout, as {@code GemmEngine.sgemm} takes it.
 */
public final class GemmReference {

    private static final double EPS = Math.ulp(1.0f);

    private GemmReference() {
    }

    /** {@return op(A)[i][kk]} */
    static float at(float[] x, int off, int ld, boolean trans, int i, int kk) {
        return trans ? x[off + kk * ld + i] : x[off + i * ld + kk];
    }

    /**
     * Checks {@code got} (the computed C) against {@code alpha·op(A)·op(B) + beta·c0}.
     *
     * @param c0 C before the call, not modified
     * @param got C after the call, not modified; elements outside the (m, n) window must equal c0's
     */
    public static void check(String what, boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
                             float[] c0, float[] got, int cOff, int ldc) {
        boolean[] inside = new boolean[got.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                double mag = 0;
                for (int kk = 0; kk < k; kk++) {
                    double p = (double) at(a, aOff, lda, transA, i, kk) * at(b, bOff, ldb, transB, kk, j);
                    sum += p;
                    mag += Math.abs(p);
                }
                int idx = cOff + i * ldc + j;
                inside[idx] = true;
                double old = beta == 0f ? 0 : (double) beta * c0[idx];
                double expected = alpha * sum + old;
                double tol = (k + 2) * EPS * (Math.abs(alpha) * mag + Math.abs(old)) + 1e-30;
                double actual = got[idx];
                if (!(Math.abs(actual - expected) <= tol)) {
                    fail("%s: C[%d][%d] = %s, expected %s (tolerance %s) for m=%d n=%d k=%d transA=%s transB=%s"
                                    + " alpha=%s beta=%s", what, i, j, actual, expected, tol, m, n, k, transA, transB,
                            alpha, beta);
                }
            }
        }
        for (int idx = 0; idx < got.length; idx++) {
            if (!inside[idx] && Float.floatToRawIntBits(got[idx]) != Float.floatToRawIntBits(c0[idx])) {
                fail("%s: element %d outside C was written (%s -> %s)", what, idx, c0[idx], got[idx]);
            }
        }
    }
}
