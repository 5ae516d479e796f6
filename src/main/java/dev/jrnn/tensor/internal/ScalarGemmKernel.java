package dev.jrnn.tensor.internal;

/**
 * Scalar ({@link Math#fma}) GEMM micro-kernel on the packed panel layout of {@link GemmEngine}.
 *
 * <p>The arithmetic defines the bits every jrnn GEMM path produces. For one element of C and one
 * K block {@code [p, p + kc)} of the fixed {@link GemmEngine#KC} blocking:
 * <pre>
 *   acc = 0;  for k in p .. p+kc-1:  acc = fma(a[i][k], b[k][j], acc)
 *   first block, beta == 0:  c = acc * alpha
 *   first block, beta != 0:  c = fma(acc, alpha, c * beta)
 *   later blocks:            c = fma(acc, alpha, c)
 * </pre>
 * The Vector API kernel performs the same operations lane by lane, so the two kernels, every
 * thread count and the pre-packed path agree bit for bit.
 *
 * <p>The inner loops run over the {@value GemmEngine#NR} contiguous columns of a packed B row, a
 * shape that C2's superword pass turns into vector {@code fma}s even without the Vector API.
 */
final class ScalarGemmKernel {

    private ScalarGemmKernel() {
    }

    /**
     * Multiplies one packed A micro-panel by one packed B micro-panel and combines the product into
     * an {@code (mr, nr)} tile of C.
     *
     * @param mr valid rows of the tile, {@code 1 <= mr <= MR}
     * @param nr valid columns of the tile, {@code 1 <= nr <= NR}
     * @param kc depth of this K block
     * @param a packed A, not modified: {@code a[aOff + k * MR + i]} is {@code op(A)[i][p + k]}
     * @param b packed B, not modified: {@code b[bOff + k * NR + j]} is {@code op(B)[p + k][j]}
     * @param c C, modified: element (i, j) of the tile is {@code c[cOff + i * ldc + j]}
     * @param first whether this is the first K block (beta applies) or a later one (accumulate)
     * @param tmp scratch of at least {@code MR * NR} floats, modified
     */
    static void tile(int mr, int nr, int kc, float[] a, int aOff, float[] b, int bOff,
                     float[] c, int cOff, int ldc, float alpha, float beta, boolean first, float[] tmp) {
        final int nrFull = GemmEngine.NR;
        final int mrFull = GemmEngine.MR;
        java.util.Arrays.fill(tmp, 0, mr * nrFull, 0f); // acc (mr, NR)
        for (int k = 0; k < kc; k++) {
            int bRow = bOff + k * nrFull;
            int aRow = aOff + k * mrFull;
            for (int i = 0; i < mr; i++) {
                float ai = a[aRow + i];
                int t = i * nrFull;
                for (int j = 0; j < nrFull; j++) {
                    tmp[t + j] = Math.fma(ai, b[bRow + j], tmp[t + j]);
                }
            }
        }
        combine(mr, nr, tmp, c, cOff, ldc, alpha, beta, first);
    }

    /**
     * Combines an accumulator tile into C with the rule in the class comment.
     *
     * @param acc accumulators, not modified: {@code acc[i * NR + j]}
     * @param c C, modified: the {@code (mr, nr)} tile at {@code cOff} with row stride {@code ldc}
     */
    static void combine(int mr, int nr, float[] acc, float[] c, int cOff, int ldc,
                        float alpha, float beta, boolean first) {
        final int nrFull = GemmEngine.NR;
        for (int i = 0; i < mr; i++) {
            int t = i * nrFull;
            int r = cOff + i * ldc;
            if (!first) {
                for (int j = 0; j < nr; j++) {
                    c[r + j] = Math.fma(acc[t + j], alpha, c[r + j]);
                }
            } else if (beta == 0f) {
                for (int j = 0; j < nr; j++) {
                    c[r + j] = acc[t + j] * alpha;
                }
            } else {
                for (int j = 0; j < nr; j++) {
                    c[r + j] = Math.fma(acc[t + j], alpha, c[r + j] * beta);
                }
            }
        }
    }
}
