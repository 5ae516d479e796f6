package dev.jrnn.tensor.internal;

/**
 * Scalar ({@link Math#fma}) GEMM micro-kernel on the packed panel layout of {@link GemmEngine}.
 *
 * <p>The arithmetic defines the bits every jrnn GEMM path produces. For one element of C and one
 * K block {@code [p, p + kc)} of the fixed {@link GemmEngine#KC} blocking, cut into chains of
 * {@link GemmEngine#RC} k steps (the last may be shorter; by default {@code RC = KC}, one chain per block):
 * <pre>
 *   for each chain [q, q + len):  acc = 0;  for k in q .. q+len-1:  acc = fma(a[i][k], b[k][j], acc)
 *   s = acc of the first chain;   s = s + acc  for each later chain, in order
 *   first block, beta == 0:  c = s * alpha
 *   first block, beta != 0:  c = fma(s, alpha, c * beta)
 *   later blocks:            c = fma(s, alpha, c)
 * </pre>
 * Shorter chains keep each accumulator's sum short, as OpenBLAS's 256-deep ones do under torch;
 * combining once per block keeps C's traffic the same whatever the chain depth.
 * The Vector API kernel performs the same operations lane by lane, so the two kernels, every
 * thread count and the pre-packed path agree bit for bit.
 *
 * <p>{@link #block} is the fast form. C2's superword pass vectorises {@code y[j] = fma(x, b[j], y[j])}
 * only when the loads and the store share one index (it cannot rule out that two arrays alias), so
 * each accumulator row and each row of a chunk of B (at most {@value #CHUNK} columns) are separate
 * arrays indexed from 0. A B pre-packed in {@link PackedB}'s row layout
 * is read in place ({@link #blockRows}); any other B is copied chunk by chunk into scratch rows
 * ({@link #block}). Each pass runs several consecutive k steps per element,
 * {@code y[j] = fma(x3, b3[j], fma(x2, b2[j], fma(x1, b1[j], fma(x0, b0[j], y[j]))))}: the same
 * sequential k order, with one accumulator load and store per 4 (or 2) FMAs instead of per FMA,
 * for 4 rows of A sharing each B load. {@link #tile} is the reference form for one micro-tile.
 */
final class ScalarGemmKernel {

    /** Columns per accumulator row in {@link #block} (a multiple of NR): {@code (MR, CHUNK)} floats stay in L1. */
    static final int CHUNK = 512;

    /**
     * Whether {@link #block} runs 4 k steps per pass ({@link #k4r4}) rather than 2 ({@link #k2r4}).
     * Both give the same bits; C2 vectorises {@code k4r4} on JDK 25 but not on JDK 17 (there it runs
     * ≈ 5× slower than {@code k2r4}), and versions in between are untested, so they get {@code k2r4}.
     */
    static final boolean DEEP = Runtime.version().feature() >= 25;

    private ScalarGemmKernel() {
    }

    /**
     * Multiplies a packed A block {@code (mc, kc)} by a packed B block {@code (kc, nc)} and combines
     * the product into the {@code (mc, nc)} block of C, with the same bits as calling {@link #tile}
     * on every micro-tile. Each {@value #CHUNK}-column chunk of B is first copied into rows (see the
     * class comment).
     *
     * @param a packed A, not modified: {@code ceil(mc / MR)} micro-panels of {@code (kc, MR)} from 0
     * @param b packed B, not modified: {@code ceil(nc / NR)} micro-panels of {@code (kc, NR)} from bOff
     * @param c C, modified: element (i, j) of the block is {@code c[cOff + i * ldc + j]}
     * @param acc scratch rows, modified: {@code (2 * MR, CHUNK)}
     * @param brows scratch rows, modified: {@code (KC, CHUNK)}
     */
    static void block(int mc, int nc, int kc, float[] a, float[] b, int bOff, float[] c, int cOff, int ldc,
                      float alpha, float beta, boolean first, float[][] acc, float[][] brows) {
        final int nrFull = GemmEngine.NR;
        for (int j0 = 0; j0 < nc; j0 += CHUNK) {
            int w = Math.min(CHUNK, nc - j0);
            int panels = (w + nrFull - 1) / nrFull;
            // rows k of the chunk, each its own array indexed from 0 (see the class comment)
            int b0 = bOff + (j0 / nrFull) * kc * nrFull;
            for (int k = 0; k < kc; k++) {
                float[] row = brows[k];
                for (int p = 0; p < panels; p++) {
                    System.arraycopy(b, b0 + (p * kc + k) * nrFull, row, p * nrFull, nrFull);
                }
            }
            chunk(mc, w, kc, a, brows, 0, c, cOff + j0, ldc, alpha, beta, first, acc);
        }
    }

    /**
     * {@link #block} on a B already stored as rows ({@link PackedB}'s row layout): no copy.
     *
     * @param strips op(B) by rows in strips of {@value #CHUNK} columns: element (k, j) of op(B) is
     *               {@code strips[j / CHUNK][k][j % CHUNK]}, each strip's rows padded with zeros to a
     *               multiple of NR
     * @param pc the block's first row of op(B)
     * @param jc the block's first column of op(B), a multiple of {@value #CHUNK}
     * @param c C, modified: element (i, j) of the block is {@code c[cOff + i * ldc + j]}
     * @param acc scratch rows, modified: {@code (2 * MR, CHUNK)}
     * @param reverse run the strips from the last to the first: the same bits (each strip's columns and each
     *     column's k order are unchanged); a one-row product alternates it, as the vector GEMV its panels
     *     ({@code VectorSkinnyGemm.singleRow})
     */
    static void blockRows(int mc, int nc, int kc, float[] a, float[][][] strips, int pc, int jc, float[] c, int cOff,
                          int ldc, float alpha, float beta, boolean first, float[][] acc, boolean reverse) {
        assert jc % CHUNK == 0 : "a row-layout block starts at a strip, got column " + jc;
        int count = (nc + CHUNK - 1) / CHUNK;
        for (int q = 0; q < count; q++) {
            int jj = (reverse ? count - 1 - q : q) * CHUNK;
            chunk(mc, Math.min(CHUNK, nc - jj), kc, a, strips[(jc + jj) / CHUNK], pc, c, cOff + jj, ldc,
                    alpha, beta, first, acc);
        }
    }

    /**
     * One chunk of at most {@value #CHUNK} columns: B element (k, j) is {@code rows[r0 + k][j]}, row i's
     * accumulators are {@code acc[i][j]}: one index, from 0, for every array of a loop (C2 vectorises
     * neither an offset index nor a loop from a non-zero start here).
     */
    private static void chunk(int mc, int w, int kc, float[] a, float[][] rows, int r0, float[] c,
                              int cOff, int ldc, float alpha, float beta, boolean first, float[][] acc) {
        final int mrFull = GemmEngine.MR;
        final int wPad = (w + GemmEngine.NR - 1) / GemmEngine.NR * GemmEngine.NR;
        for (int ir = 0; ir < mc; ir += mrFull) {
            int mr = Math.min(mrFull, mc - ir);
            int aPanel = (ir / mrFull) * kc * mrFull;
            int len = Math.min(GemmEngine.RC, kc);
            chain(mr, wPad, 0, len, a, aPanel, rows, r0, acc, 0);
            for (int q = len; q < kc; q += GemmEngine.RC) {
                chain(mr, wPad, q, Math.min(kc, q + GemmEngine.RC), a, aPanel, rows, r0, acc, mrFull);
                for (int i = 0; i < mr; i++) {
                    addRow(acc[i], acc[mrFull + i], wPad);
                }
            }
            for (int i = 0; i < mr; i++) {
                combineRow(w, acc[i], 0, c, cOff + (ir + i) * ldc, alpha, beta, first);
            }
        }
    }

    /** {@code x[j] = x[j] + y[j]} for {@code j < n}: a later chain's sums added to the block's. */
    private static void addRow(float[] x, float[] y, int n) {
        for (int j = 0; j < n; j++) {
            x[j] = x[j] + y[j];
        }
    }

    /**
     * One reduction chain, k in {@code [q, qe)}, of an {@code mr}-row group of {@link #chunk}: its sums into the
     * accumulator rows {@code acc[base + i]}.
     */
    private static void chain(int mr, int wPad, int q, int qe, float[] a, int aPanel, float[][] rows, int r0,
                              float[][] acc, int base) {
        final int mrFull = GemmEngine.MR;
        for (int i = 0; i < mr; i++) {
            java.util.Arrays.fill(acc[base + i], 0, wPad, 0f);
        }
        int k = q;
        if (DEEP) {
            for (; k + 4 <= qe; k += 4) {
                int a0 = aPanel + k * mrFull;
                float[] q0 = rows[r0 + k];
                float[] q1 = rows[r0 + k + 1];
                float[] q2 = rows[r0 + k + 2];
                float[] q3 = rows[r0 + k + 3];
                int i = 0;
                for (; i + 4 <= mr; i += 4) {
                    k4r4(a, a0 + i, q0, q1, q2, q3, acc[base + i], acc[base + i + 1], acc[base + i + 2],
                            acc[base + i + 3], wPad);
                }
                for (; i < mr; i++) {
                    k4r1(a, a0 + i, q0, q1, q2, q3, acc[base + i], wPad);
                }
            }
        } else {
            for (; k + 2 <= qe; k += 2) {
                int a0 = aPanel + k * mrFull;
                float[] q0 = rows[r0 + k];
                float[] q1 = rows[r0 + k + 1];
                int i = 0;
                for (; i + 4 <= mr; i += 4) {
                    k2r4(a, a0 + i, q0, q1, acc[base + i], acc[base + i + 1], acc[base + i + 2], acc[base + i + 3],
                            wPad);
                }
                for (; i < mr; i++) {
                    k2r1(a, a0 + i, q0, q1, acc[base + i], wPad);
                }
            }
        }
        for (; k < qe; k++) {
            int a0 = aPanel + k * mrFull;
            for (int i = 0; i < mr; i++) {
                axpy(a[a0 + i], rows[r0 + k], acc[base + i], wPad);
            }
        }
    }

    /** Steps k..k+3 for rows i..i+3 of an A panel ({@code a0} = element (i, k)): one load and store of each accumulator per 4 FMAs. */
    private static void k4r4(float[] a, int a0, float[] q0, float[] q1, float[] q2, float[] q3, float[] y0, float[] y1, float[] y2, float[] y3, int n) {
        final int mr = GemmEngine.MR;
        float x00 = a[a0];
        float x01 = a[a0 + mr];
        float x02 = a[a0 + 2 * mr];
        float x03 = a[a0 + 3 * mr];
        float x10 = a[a0 + 1];
        float x11 = a[a0 + 1 + mr];
        float x12 = a[a0 + 1 + 2 * mr];
        float x13 = a[a0 + 1 + 3 * mr];
        float x20 = a[a0 + 2];
        float x21 = a[a0 + 2 + mr];
        float x22 = a[a0 + 2 + 2 * mr];
        float x23 = a[a0 + 2 + 3 * mr];
        float x30 = a[a0 + 3];
        float x31 = a[a0 + 3 + mr];
        float x32 = a[a0 + 3 + 2 * mr];
        float x33 = a[a0 + 3 + 3 * mr];
        for (int j = 0; j < n; j++) {
            float b0 = q0[j];
            float b1 = q1[j];
            float b2 = q2[j];
            float b3 = q3[j];
            y0[j] = Math.fma(x03, b3, Math.fma(x02, b2, Math.fma(x01, b1, Math.fma(x00, b0, y0[j]))));
            y1[j] = Math.fma(x13, b3, Math.fma(x12, b2, Math.fma(x11, b1, Math.fma(x10, b0, y1[j]))));
            y2[j] = Math.fma(x23, b3, Math.fma(x22, b2, Math.fma(x21, b1, Math.fma(x20, b0, y2[j]))));
            y3[j] = Math.fma(x33, b3, Math.fma(x32, b2, Math.fma(x31, b1, Math.fma(x30, b0, y3[j]))));
        }
    }

    /** {@link #k4r4} for one row. */
    private static void k4r1(float[] a, int a0, float[] q0, float[] q1, float[] q2, float[] q3, float[] y0, int n) {
        final int mr = GemmEngine.MR;
        float x00 = a[a0];
        float x01 = a[a0 + mr];
        float x02 = a[a0 + 2 * mr];
        float x03 = a[a0 + 3 * mr];
        for (int j = 0; j < n; j++) {
            float b0 = q0[j];
            float b1 = q1[j];
            float b2 = q2[j];
            float b3 = q3[j];
            y0[j] = Math.fma(x03, b3, Math.fma(x02, b2, Math.fma(x01, b1, Math.fma(x00, b0, y0[j]))));
        }
    }

    /** Steps k, k+1 for rows i..i+3 of an A panel: the form JDK 17's superword pass vectorises. */
    private static void k2r4(float[] a, int a0, float[] q0, float[] q1, float[] y0, float[] y1, float[] y2, float[] y3, int n) {
        final int mr = GemmEngine.MR;
        float x00 = a[a0];
        float x01 = a[a0 + mr];
        float x10 = a[a0 + 1];
        float x11 = a[a0 + 1 + mr];
        float x20 = a[a0 + 2];
        float x21 = a[a0 + 2 + mr];
        float x30 = a[a0 + 3];
        float x31 = a[a0 + 3 + mr];
        for (int j = 0; j < n; j++) {
            float b0 = q0[j];
            float b1 = q1[j];
            y0[j] = Math.fma(x01, b1, Math.fma(x00, b0, y0[j]));
            y1[j] = Math.fma(x11, b1, Math.fma(x10, b0, y1[j]));
            y2[j] = Math.fma(x21, b1, Math.fma(x20, b0, y2[j]));
            y3[j] = Math.fma(x31, b1, Math.fma(x30, b0, y3[j]));
        }
    }

    /** {@link #k2r4} for one row. */
    private static void k2r1(float[] a, int a0, float[] q0, float[] q1, float[] y0, int n) {
        final int mr = GemmEngine.MR;
        float x00 = a[a0];
        float x01 = a[a0 + mr];
        for (int j = 0; j < n; j++) {
            float b0 = q0[j];
            float b1 = q1[j];
            y0[j] = Math.fma(x01, b1, Math.fma(x00, b0, y0[j]));
        }
    }

    /** {@code y[j] = fma(x, b[j], y[j])} for {@code j < n}: one index for all arrays, so it vectorises. */
    private static void axpy(float x, float[] b, float[] y, int n) {
        for (int j = 0; j < n; j++) {
            y[j] = Math.fma(x, b[j], y[j]);
        }
    }

    /**
     * The combine rule of {@link #combine} for one row: {@code n} accumulators from {@code acc[a...]} into
     * {@code c[r...]}.
     */
    static void combineRow(int n, float[] acc, int a, float[] c, int r, float alpha, float beta, boolean first) {
        if (!first) {
            for (int j = 0; j < n; j++) {
                c[r + j] = Math.fma(acc[a + j], alpha, c[r + j]);
            }
        } else if (beta == 0f) {
            for (int j = 0; j < n; j++) {
                c[r + j] = acc[a + j] * alpha;
            }
        } else {
            for (int j = 0; j < n; j++) {
                c[r + j] = Math.fma(acc[a + j], alpha, c[r + j] * beta);
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
     * @param tmp scratch of at least {@code 2 * MR * NR} floats, modified
     */
    static void tile(int mr, int nr, int kc, float[] a, int aOff, float[] b, int bOff,
                     float[] c, int cOff, int ldc, float alpha, float beta, boolean first, float[] tmp) {
        final int nrFull = GemmEngine.NR;
        final int mrFull = GemmEngine.MR;
        final int chain = mrFull * nrFull;   // tmp: the block's sums (mr, NR), then one chain's
        for (int q = 0; q < kc; q += GemmEngine.RC) {
            int t0 = q == 0 ? 0 : chain;
            java.util.Arrays.fill(tmp, t0, t0 + mr * nrFull, 0f);
            for (int k = q; k < Math.min(kc, q + GemmEngine.RC); k++) {
                int bRow = bOff + k * nrFull;
                int aRow = aOff + k * mrFull;
                for (int i = 0; i < mr; i++) {
                    float ai = a[aRow + i];
                    int t = t0 + i * nrFull;
                    for (int j = 0; j < nrFull; j++) {
                        tmp[t + j] = Math.fma(ai, b[bRow + j], tmp[t + j]);
                    }
                }
            }
            if (q > 0) {
                for (int x = 0; x < mr * nrFull; x++) {
                    tmp[x] = tmp[x] + tmp[chain + x];
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
