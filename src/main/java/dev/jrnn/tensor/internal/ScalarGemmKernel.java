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
 * <p>{@link #block} is the fast form: C2's superword pass vectorises {@code acc[j] = fma(a, b[j], acc[j])}
 * only when the loads and the store share one index (it cannot rule out that two arrays alias), so
 * each accumulator row and the current B row are separate arrays indexed from 0, and the rows are
 * {@value #CHUNK} columns wide rather than one 32-column panel. {@link #tile} is the reference form
 * for one micro-tile.
 */
final class ScalarGemmKernel {

    /** Columns per accumulator row in {@link #block} (a multiple of NR): {@code (MR, CHUNK)} floats stay in L1. */
    static final int CHUNK = 256;

    private ScalarGemmKernel() {
    }

    /**
     * Multiplies a packed A block {@code (mc, kc)} by a packed B block {@code (kc, nc)} and combines
     * the product into the {@code (mc, nc)} block of C, with the same bits as calling {@link #tile}
     * on every micro-tile.
     *
     * @param a packed A, not modified: {@code ceil(mc / MR)} micro-panels of {@code (kc, MR)} from 0
     * @param b packed B, not modified: {@code ceil(nc / NR)} micro-panels of {@code (kc, NR)} from bOff
     * @param c C, modified: element (i, j) of the block is {@code c[cOff + i * ldc + j]}
     * @param acc scratch rows, modified: {@code (MR, CHUNK)}
     * @param brow scratch, modified: {@code (CHUNK)}
     */
    static void block(int mc, int nc, int kc, float[] a, float[] b, int bOff, float[] c, int cOff, int ldc,
                      float alpha, float beta, boolean first, float[][] acc, float[] brow) {
        final int nrFull = GemmEngine.NR;
        final int mrFull = GemmEngine.MR;
        for (int j0 = 0; j0 < nc; j0 += CHUNK) {
            int w = Math.min(CHUNK, nc - j0);
            int panels = (w + nrFull - 1) / nrFull;
            int wPad = panels * nrFull;
            int b0 = bOff + (j0 / nrFull) * kc * nrFull;
            for (int ir = 0; ir < mc; ir += mrFull) {
                int mr = Math.min(mrFull, mc - ir);
                for (int i = 0; i < mr; i++) {
                    java.util.Arrays.fill(acc[i], 0, wPad, 0f);
                }
                int aRow = (ir / mrFull) * kc * mrFull;
                for (int k = 0; k < kc; k++, aRow += mrFull) {
                    for (int p = 0; p < panels; p++) {
                        System.arraycopy(b, b0 + (p * kc + k) * nrFull, brow, p * nrFull, nrFull);
                    }
                    int i = 0;
                    for (; i + 4 <= mr; i += 4) {
                        axpy4(a[aRow + i], a[aRow + i + 1], a[aRow + i + 2], a[aRow + i + 3], brow,
                                acc[i], acc[i + 1], acc[i + 2], acc[i + 3], wPad);
                    }
                    for (; i < mr; i++) {
                        axpy(a[aRow + i], brow, acc[i], wPad);
                    }
                }
                for (int i = 0; i < mr; i++) {
                    combineRow(w, acc[i], c, cOff + (ir + i) * ldc + j0, alpha, beta, first);
                }
            }
        }
    }

    /** {@code y[j] = fma(x, b[j], y[j])} for {@code j < n}: one index for all arrays, so it vectorises. */
    private static void axpy(float x, float[] b, float[] y, int n) {
        for (int j = 0; j < n; j++) {
            y[j] = Math.fma(x, b[j], y[j]);
        }
    }

    /** Four {@link #axpy}s sharing each load of {@code b}. */
    private static void axpy4(float x0, float x1, float x2, float x3, float[] b,
                              float[] y0, float[] y1, float[] y2, float[] y3, int n) {
        for (int j = 0; j < n; j++) {
            float bj = b[j];
            y0[j] = Math.fma(x0, bj, y0[j]);
            y1[j] = Math.fma(x1, bj, y1[j]);
            y2[j] = Math.fma(x2, bj, y2[j]);
            y3[j] = Math.fma(x3, bj, y3[j]);
        }
    }

    private static void combineRow(int n, float[] acc, float[] c, int r, float alpha, float beta, boolean first) {
        if (!first) {
            for (int j = 0; j < n; j++) {
                c[r + j] = Math.fma(acc[j], alpha, c[r + j]);
            }
        } else if (beta == 0f) {
            for (int j = 0; j < n; j++) {
                c[r + j] = acc[j] * alpha;
            }
        } else {
            for (int j = 0; j < n; j++) {
                c[r + j] = Math.fma(acc[j], alpha, c[r + j] * beta);
            }
        }
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
