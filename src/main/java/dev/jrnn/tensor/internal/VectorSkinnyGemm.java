package dev.jrnn.tensor.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API products against a pre-packed B for the two skinny shapes of the recurrent layers, where
 * the blocked driver's job set-up, A packing and 12×32 tile cost more than the arithmetic:
 * <ul>
 *   <li>{@link #narrow}: at most {@value GemmEngine#SMALL_N} columns and one K block ({@code K <= KC}),
 *       the per-step GEMM and the input projection of a layer with a tiny hidden size. Each row of C is
 *       one 16-lane register, four rows at a time, read straight from A and from B's one zero-padded
 *       panel.</li>
 *   <li>{@link #singleRow}: one row ({@code M = 1}), the per-step GEMV of a batch-1 layer. The 12×32
 *       tile with one row has two accumulators, so its {@code fma}s wait on each other's latency; this
 *       keeps eight (four panels, 128 columns) in flight. A large one is split over groups of four
 *       panels across threads ({@link GemmEngine#GEMV_PARALLEL_MIN_FLOPS}).</li>
 * </ul>
 *
 * <p>Bits: each element is, within each K block, the {@code fma} chains over k from zero, each
 * {@link GemmEngine#RC} deep, their sums added in order, followed by the combine of
 * {@link ScalarGemmKernel#combine}: exactly what the micro-kernels compute, so choosing these paths never
 * changes a result.
 *
 * <p>Loaded only when {@link Simd#vectorEnabled()} is true. Thread-safe: stateless.
 */
final class VectorSkinnyGemm {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;

    private VectorSkinnyGemm() {
    }

    /**
     * {@code C = alpha·A·B + beta·C} for {@code A (M, K)} row-major and a packed {@code B (K, N)}.
     *
     * @param n columns, {@code 1 <= n <= 16}
     * @param k depth, {@code 1 <= k <= KC}
     * @param bp packed B data: one panel, {@code bp[kk * NR + j]} is {@code B[kk][j]}, zero past N
     * @param c modified: the {@code (M, N)} block at {@code cOff} with row stride {@code ldc}
     * @param tmp scratch of at least 16 floats, modified
     */
    static void narrow(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] bp,
                       float beta, float[] c, int cOff, int ldc, float[] tmp) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            rows4(n, k, alpha, a, aOff + i * lda, lda, bp, beta, c, cOff + i * ldc, ldc, tmp);
        }
        for (; i < m; i++) {
            row1(n, k, alpha, a, aOff + i * lda, bp, beta, c, cOff + i * ldc, tmp);
        }
    }

    /** Four rows of {@link #narrow} from {@code a[ar...]} into {@code c[r...]}. */
    private static void rows4(int n, int k, float alpha, float[] a, int ar, int lda, float[] bp, float beta,
                              float[] c, int r, int ldc, float[] tmp) {
        final int nr = GemmEngine.NR;
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S);
        int a1 = ar + lda;
        int a2 = a1 + lda;
        int a3 = a2 + lda;
        for (int q = 0; q < k; q += GemmEngine.RC) {   // chains: each sums from zero, then adds to the block's sums
            FloatVector d0 = FloatVector.zero(S);
            FloatVector d1 = FloatVector.zero(S);
            FloatVector d2 = FloatVector.zero(S);
            FloatVector d3 = FloatVector.zero(S);
            for (int kk = q; kk < Math.min(k, q + GemmEngine.RC); kk++) {
                FloatVector b = FloatVector.fromArray(S, bp, kk * nr);
                d0 = FloatVector.broadcast(S, a[ar + kk]).fma(b, d0);
                d1 = FloatVector.broadcast(S, a[a1 + kk]).fma(b, d1);
                d2 = FloatVector.broadcast(S, a[a2 + kk]).fma(b, d2);
                d3 = FloatVector.broadcast(S, a[a3 + kk]).fma(b, d3);
            }
            c0 = q == 0 ? d0 : c0.add(d0);
            c1 = q == 0 ? d1 : c1.add(d1);
            c2 = q == 0 ? d2 : c2.add(d2);
            c3 = q == 0 ? d3 : c3.add(d3);
        }
        c0.intoArray(tmp, 0);
        c1.intoArray(tmp, 16);
        c2.intoArray(tmp, 32);
        c3.intoArray(tmp, 48);
        for (int q = 0; q < 4; q++) {
            combine(tmp, 16 * q, c, r + q * ldc, alpha, beta, true, n);
        }
    }

    /** One row of {@link #narrow} from {@code a[ar...]} into {@code c[r...]}. */
    private static void row1(int n, int k, float alpha, float[] a, int ar, float[] bp, float beta, float[] c, int r,
                             float[] tmp) {
        final int nr = GemmEngine.NR;
        FloatVector acc = FloatVector.zero(S);
        for (int q = 0; q < k; q += GemmEngine.RC) {
            FloatVector d = FloatVector.zero(S);
            for (int kk = q; kk < Math.min(k, q + GemmEngine.RC); kk++) {
                d = FloatVector.broadcast(S, a[ar + kk]).fma(FloatVector.fromArray(S, bp, kk * nr), d);
            }
            acc = q == 0 ? d : acc.add(d);
        }
        acc.intoArray(tmp, 0);
        combine(tmp, 0, c, r, alpha, beta, true, n);
    }

    /**
     * {@code c = alpha·a·B + beta·c} for one row {@code a (1, K)} and a packed {@code B (K, N)}.
     *
     * @param a not modified: {@code a[aOff + kk]}
     * @param b the packed B, not modified
     * @param c modified: {@code c[cOff + j]} for {@code j < N}
     * @param tmp scratch of at least 128 floats, modified
     * @param panelFrom the first {@link GemmEngine#NR}-column panel of B (and C) to compute
     * @param panelTo the end of the panel range, exclusive; the last panel may be partial. Each column's
     *     bits do not depend on the range, so threads may split the panels.
     * @param reverse run the panels from the last to the first (each panel's columns, and each column's k
     *     order, stay the same, so the bits do too). The engine alternates the order from one product on a
     *     B to the next ({@link PackedB#nextRowPassReversed}): a batch-1 recurrence then starts each step's
     *     pass where the last one ended, on the panels still in L2. When B does not fit beside everything
     *     else (lstm256lat's 1 MiB {@code W_hhᵀ} on one core) a pass in one fixed order finds none of them
     *     there; alternating made that forward 6–7 % faster (design notes).
     */
    static void singleRow(float alpha, float[] a, int aOff, PackedB b, float beta, float[] c, int cOff,
                          float[] tmp, int panelFrom, int panelTo, boolean reverse) {
        final int nr = GemmEngine.NR;
        int n = b.cols();
        int k = b.rows();
        float[] bp = b.data();
        int groupsEnd = panelFrom;   // the groups of four full panels end here; single panels follow
        while (groupsEnd + 4 <= panelTo && (groupsEnd + 4) * nr <= n) {
            groupsEnd += 4;
        }
        for (int pc = 0; pc < k; pc += GemmEngine.KC) {
            int kc = Math.min(GemmEngine.KC, k - pc);
            boolean first = pc == 0;
            int block = b.blockOffset(pc);
            if (reverse) {
                for (int p = panelTo - 1; p >= groupsEnd; p--) {
                    panel1(kc, alpha, a, aOff + pc, bp, block + p * kc * nr, beta, c, cOff + p * nr, first,
                            n - p * nr, tmp);
                }
                for (int p = groupsEnd - 4; p >= panelFrom; p -= 4) {
                    panels4(kc, alpha, a, aOff + pc, bp, block + p * kc * nr, beta, c, cOff + p * nr, first, tmp);
                }
            } else {
                for (int p = panelFrom; p < groupsEnd; p += 4) {
                    panels4(kc, alpha, a, aOff + pc, bp, block + p * kc * nr, beta, c, cOff + p * nr, first, tmp);
                }
                for (int p = groupsEnd; p < panelTo; p++) {
                    panel1(kc, alpha, a, aOff + pc, bp, block + p * kc * nr, beta, c, cOff + p * nr, first,
                            n - p * nr, tmp);
                }
            }
        }
    }

    /** Four full panels (128 columns) of {@link #singleRow}: eight accumulators. */
    private static void panels4(int kc, float alpha, float[] a, int ar, float[] bp, int p0, float beta, float[] c,
                                int co, boolean first, float[] tmp) {
        final int nr = GemmEngine.NR;
        FloatVector x0 = FloatVector.zero(S);
        FloatVector x1 = FloatVector.zero(S);
        FloatVector x2 = FloatVector.zero(S);
        FloatVector x3 = FloatVector.zero(S);
        FloatVector x4 = FloatVector.zero(S);
        FloatVector x5 = FloatVector.zero(S);
        FloatVector x6 = FloatVector.zero(S);
        FloatVector x7 = FloatVector.zero(S);
        int step = kc * nr;
        for (int q = 0; q < kc; q += GemmEngine.RC) {   // chains: each sums from zero, then adds to the block's sums
            FloatVector y0 = FloatVector.zero(S);
            FloatVector y1 = FloatVector.zero(S);
            FloatVector y2 = FloatVector.zero(S);
            FloatVector y3 = FloatVector.zero(S);
            FloatVector y4 = FloatVector.zero(S);
            FloatVector y5 = FloatVector.zero(S);
            FloatVector y6 = FloatVector.zero(S);
            FloatVector y7 = FloatVector.zero(S);
            for (int kk = q; kk < Math.min(kc, q + GemmEngine.RC); kk++) {
                FloatVector av = FloatVector.broadcast(S, a[ar + kk]);
                int o = p0 + kk * nr;
                y0 = av.fma(FloatVector.fromArray(S, bp, o), y0);
                y1 = av.fma(FloatVector.fromArray(S, bp, o + 16), y1);
                y2 = av.fma(FloatVector.fromArray(S, bp, o + step), y2);
                y3 = av.fma(FloatVector.fromArray(S, bp, o + step + 16), y3);
                y4 = av.fma(FloatVector.fromArray(S, bp, o + 2 * step), y4);
                y5 = av.fma(FloatVector.fromArray(S, bp, o + 2 * step + 16), y5);
                y6 = av.fma(FloatVector.fromArray(S, bp, o + 3 * step), y6);
                y7 = av.fma(FloatVector.fromArray(S, bp, o + 3 * step + 16), y7);
            }
            x0 = q == 0 ? y0 : x0.add(y0);
            x1 = q == 0 ? y1 : x1.add(y1);
            x2 = q == 0 ? y2 : x2.add(y2);
            x3 = q == 0 ? y3 : x3.add(y3);
            x4 = q == 0 ? y4 : x4.add(y4);
            x5 = q == 0 ? y5 : x5.add(y5);
            x6 = q == 0 ? y6 : x6.add(y6);
            x7 = q == 0 ? y7 : x7.add(y7);
        }
        x0.intoArray(tmp, 0);
        x1.intoArray(tmp, 16);
        x2.intoArray(tmp, 32);
        x3.intoArray(tmp, 48);
        x4.intoArray(tmp, 64);
        x5.intoArray(tmp, 80);
        x6.intoArray(tmp, 96);
        x7.intoArray(tmp, 112);
        for (int q = 0; q < 8; q++) {
            combine(tmp, 16 * q, c, co + 16 * q, alpha, beta, first, 16);
        }
    }

    /** One panel of {@link #singleRow}, {@code w} (at most 32) of its columns valid. */
    private static void panel1(int kc, float alpha, float[] a, int ar, float[] bp, int p0, float beta, float[] c,
                               int co, boolean first, int w, float[] tmp) {
        final int nr = GemmEngine.NR;
        FloatVector x0 = FloatVector.zero(S);
        FloatVector x1 = FloatVector.zero(S);
        for (int q = 0; q < kc; q += GemmEngine.RC) {
            FloatVector y0 = FloatVector.zero(S);
            FloatVector y1 = FloatVector.zero(S);
            for (int kk = q; kk < Math.min(kc, q + GemmEngine.RC); kk++) {
                FloatVector av = FloatVector.broadcast(S, a[ar + kk]);
                int o = p0 + kk * nr;
                y0 = av.fma(FloatVector.fromArray(S, bp, o), y0);
                y1 = av.fma(FloatVector.fromArray(S, bp, o + 16), y1);
            }
            x0 = q == 0 ? y0 : x0.add(y0);
            x1 = q == 0 ? y1 : x1.add(y1);
        }
        x0.intoArray(tmp, 0);
        x1.intoArray(tmp, 16);
        combine(tmp, 0, c, co, alpha, beta, first, Math.min(16, w));
        if (w > 16) {
            combine(tmp, 16, c, co + 16, alpha, beta, first, Math.min(16, w - 16));
        }
    }

    /**
     * The combine of {@link ScalarGemmKernel#combine} for the first {@code w} accumulators at
     * {@code tmp[t...]} into {@code c[r...]}. No vector crosses a call and no mask is built: C2 boxes both
     * whenever it does not inline the callee. Whole vectors go to {@link #combine16}, its own method so
     * that its vector code is never a rarely taken branch of a bigger method, which C2 may compile
     * without the vector intrinsics (design-notes, "Gathers and the JIT").
     */
    private static void combine(float[] tmp, int t, float[] c, int r, float alpha, float beta, boolean first,
                                int w) {
        if (w == 16) {
            combine16(tmp, t, c, r, alpha, beta, first);
        } else {
            ScalarGemmKernel.combineRow(w, tmp, t, c, r, alpha, beta, first);
        }
    }

    private static void combine16(float[] tmp, int t, float[] c, int r, float alpha, float beta, boolean first) {
        FloatVector acc = FloatVector.fromArray(S, tmp, t);
        FloatVector x;
        if (!first) {
            x = acc.fma(FloatVector.broadcast(S, alpha), FloatVector.fromArray(S, c, r));
        } else if (beta == 0f) {
            x = acc.mul(alpha);
        } else {
            x = acc.fma(FloatVector.broadcast(S, alpha), FloatVector.fromArray(S, c, r).mul(beta));
        }
        x.intoArray(c, r);
    }
}
