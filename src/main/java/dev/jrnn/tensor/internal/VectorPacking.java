package dev.jrnn.tensor.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API packing of {@link GemmEngine}, all with 16-lane vectors:
 * <ul>
 *   <li>op(B) stored {@code (N, K)} (the torch-weight case): transposed 16×16 in registers;</li>
 *   <li>op(A) stored {@code (K, M)} (the weight gradients' {@code dAᵀ}): twelve floats per k, moved as
 *       one vector;</li>
 *   <li>op(A) stored {@code (M, K)}: transposed 16×16 in registers, twelve lanes kept.</li>
 * </ul>
 * Packing only moves values, so it never changes a result bit; partial panels and the k tail use scalar
 * code. There are no gathers (see {@link #packTail}), and no other vector shape: an 8- and 4-lane copy
 * of the twelve floats ran the allocating Java fallback on JDK 17 in {@code TrainingBuffersTest}.
 *
 * <p>Loaded only when {@link Simd#vectorEnabled()} is true.
 */
final class VectorPacking {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    private static final int L = 16;

    // Transpose stages b = 8, 4, 2, 1: lanes with bit b set, and the shuffles moving lanes by -b / +b.
    private static final VectorMask<Float> M8 = mask(8);
    private static final VectorMask<Float> M4 = mask(4);
    private static final VectorMask<Float> M2 = mask(2);
    private static final VectorMask<Float> M1 = mask(1);
    private static final VectorShuffle<Float> UP8 = shift(-8);   // lane l takes lane l - 8
    private static final VectorShuffle<Float> UP4 = shift(-4);
    private static final VectorShuffle<Float> UP2 = shift(-2);
    private static final VectorShuffle<Float> UP1 = shift(-1);
    private static final VectorShuffle<Float> DOWN8 = shift(8);  // lane l takes lane l + 8
    private static final VectorShuffle<Float> DOWN4 = shift(4);
    private static final VectorShuffle<Float> DOWN2 = shift(2);
    private static final VectorShuffle<Float> DOWN1 = shift(1);

    private static VectorMask<Float> mask(int b) {
        boolean[] bits = new boolean[L];
        for (int l = 0; l < L; l++) {
            bits[l] = (l & b) != 0;
        }
        return VectorMask.fromArray(S, bits, 0);
    }

    private static VectorShuffle<Float> shift(int by) {
        int[] idx = new int[L];
        for (int l = 0; l < L; l++) {
            idx[l] = Math.floorMod(l + by, L);
        }
        return VectorShuffle.fromArray(S, idx, 0);
    }

    private VectorPacking() {
    }

    /**
     * {@link GemmEngine#packB} for {@code transB == true}.
     *
     */
    static void packBTransposed(float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc,
                                float[] dst, int dOff) {
        final int nrFull = GemmEngine.NR;
        for (int jp = 0; jp < nc; jp += nrFull) {
            int nr = Math.min(nrFull, nc - jp);
            int d = dOff + (jp / nrFull) * kc * nrFull;
            if (nr < nrFull) {
                GemmEngine.packBPanel(true, b, bOff, ldb, pc, kc, jc + jp, nr, dst, d);
                continue;
            }
            int s = bOff + (jc + jp) * ldb + pc;
            int kFull = kc - kc % L;
            for (int v = 0; v < nrFull; v += L) {
                for (int kk = 0; kk < kFull; kk += L) {
                    transpose16(b, s + v * ldb + kk, ldb, dst, d + kk * nrFull + v, nrFull);
                }
            }
            int kk = kFull;
            if (kk < kc) {
                packTail(b, s, ldb, kk, kc, dst, d);
            }
        }
    }

    /**
     * {@link GemmEngine#packA} for {@code transA == true}: A stored {@code (K, M)}, so each k gives the
     * twelve floats of a full panel contiguously; they move as one 16-lane vector whose last four lanes
     * the next k's store overwrites (five times faster than the scalar copy on Zen 4). Like
     * {@link #packARowMajor}, it writes up to {@link GemmEngine#A_SLACK} floats past the packed block. A
     * partial last panel, and a panel whose 16-float reads would pass the end of {@code a}, are packed by
     * {@link GemmEngine#packAPanel}.
     */
    static void packATransposed(float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float[] dst) {
        final int mrFull = GemmEngine.MR;
        int full = mc - mc % mrFull;
        for (int ip = 0; ip < full; ip += mrFull) {
            int s = aOff + pc * lda + ic + ip;
            int d = (ip / mrFull) * kc * mrFull;
            if ((long) s + (long) (kc - 1) * lda + L <= a.length) {
                copyPanel12(a, s, lda, kc, dst, d);
            } else {
                GemmEngine.packAPanel(true, a, aOff, lda, ic + ip, mrFull, pc, kc, dst, d);
            }
        }
        if (full < mc) {
            GemmEngine.packAPanel(true, a, aOff, lda, ic + full, mc - full, pc, kc, dst, (full / mrFull) * kc * mrFull);
        }
    }

    /**
     * {@link GemmEngine#packA} for {@code transA == false}: A stored {@code (M, K)}, so a panel is the
     * transpose of twelve rows, done 16 x 16 in registers with {@link #transpose16} (twelve of its output
     * lanes kept); the k tail and a partial last panel use scalar code. Each 16-float store of a
     * transposed column spills four floats into the next one's place, so the packing writes up to four
     * floats past the packed block, and
     * {@code dst} needs {@link GemmEngine#A_SLACK} floats beyond {@code ceil(mc / MR) * kc * MR}.
     */
    static void packARowMajor(float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float[] dst) {
        final int mrFull = GemmEngine.MR;
        int full = mc - mc % mrFull;
        for (int ip = 0; ip < full; ip += mrFull) {
            transposePanel12(a, aOff + (ic + ip) * lda + pc, lda, kc, dst, (ip / mrFull) * kc * mrFull);
        }
        if (full < mc) {
            GemmEngine.packAPanel(false, a, aOff, lda, ic + full, mc - full, pc, kc, dst, (full / mrFull) * kc * mrFull);
        }
    }

    /**
     * One full panel of {@link #packARowMajor}: twelve rows from {@code a[s...]}, {@code kc} columns.
     * Each 16-column block goes through {@link #transpose16}, which also reads the four rows below the
     * panel (rows of the matrix or other data of {@code a}; their lanes are overwritten or land in the
     * slack). A panel too close to the end of {@code a} for that is packed by scalar code.
     */
    private static void transposePanel12(float[] a, int s, int lda, int kc, float[] dst, int d) {
        if ((long) s + 15L * lda + kc > a.length) {
            rowPanelScalar(a, s, lda, 0, kc, dst, d);
            return;
        }
        int kk = 0;
        for (; kk + L <= kc; kk += L) {
            transpose16(a, s + kk, lda, dst, d + kk * 12, 12);
        }
        rowPanelScalar(a, s, lda, kk, kc, dst, d);
    }

    /**
     * Columns {@code [k0, kc)} of a twelve-row panel of {@link #packARowMajor}, in scalar code: the loop of
     * {@link GemmEngine#packAPanel} for a full panel. Calling that method from {@link #transposePanel12}
     * instead made the whole packing slower (0.48 → 0.62 ms per 1.6M floats on JDK 25), as C2 then
     * inlined differently.
     */
    private static void rowPanelScalar(float[] a, int s, int lda, int k0, int kc, float[] dst, int d) {
        for (int kk = k0; kk < kc; kk++) {
            int r = s + kk;
            int o = d + kk * 12;
            for (int i = 0; i < 12; i++, r += lda) {
                dst[o + i] = a[r];
            }
        }
    }

    /** {@code kc} runs of twelve floats, {@code lda} apart in {@code a}, to {@code dst[d...]} back to back (16-float stores). */
    private static void copyPanel12(float[] a, int s, int lda, int kc, float[] dst, int d) {
        for (int kk = 0; kk < kc; kk++, s += lda, d += 12) {
            FloatVector.fromArray(S, a, s).intoArray(dst, d);
        }
    }

    /**
     * The k tail ({@code kc % 16} rows) of one panel of {@link #packBTransposed}, in scalar code. A
     * 16-lane gather would be faster, but C2 intrinsifies a gather only when it has inlined the gather's
     * helpers ({@code IntVector.species}), which depends on the call-site profile; when it does not, the
     * gather runs the boxed fallback, allocating on every call, for the rest of the JVM's life
     * ({@code docs/design-notes.md}, "Gathers and the JIT").
     */
    private static void packTail(float[] b, int s, int ldb, int kk, int kc, float[] dst, int d) {
        final int nrFull = GemmEngine.NR;
        for (int j = 0; j < nrFull; j++) {
            int src = s + j * ldb;
            for (int q = kk; q < kc; q++) {
                dst[d + q * nrFull + j] = b[src + q];
            }
        }
    }

    /**
     * Transposes the 16 x 16 block {@code src[so + r * ls + q]} into {@code dst[dOff + q * ld + r]}
     * in registers: four stages that swap the off-diagonal b x b sub-blocks, b = 8, 4, 2, 1.
     */
    private static void transpose16(float[] src, int so, int ls, float[] dst, int dOff, int ld) {
        FloatVector v0 = FloatVector.fromArray(S, src, so);
        FloatVector v1 = FloatVector.fromArray(S, src, so + ls);
        FloatVector v2 = FloatVector.fromArray(S, src, so + 2 * ls);
        FloatVector v3 = FloatVector.fromArray(S, src, so + 3 * ls);
        FloatVector v4 = FloatVector.fromArray(S, src, so + 4 * ls);
        FloatVector v5 = FloatVector.fromArray(S, src, so + 5 * ls);
        FloatVector v6 = FloatVector.fromArray(S, src, so + 6 * ls);
        FloatVector v7 = FloatVector.fromArray(S, src, so + 7 * ls);
        FloatVector v8 = FloatVector.fromArray(S, src, so + 8 * ls);
        FloatVector v9 = FloatVector.fromArray(S, src, so + 9 * ls);
        FloatVector v10 = FloatVector.fromArray(S, src, so + 10 * ls);
        FloatVector v11 = FloatVector.fromArray(S, src, so + 11 * ls);
        FloatVector v12 = FloatVector.fromArray(S, src, so + 12 * ls);
        FloatVector v13 = FloatVector.fromArray(S, src, so + 13 * ls);
        FloatVector v14 = FloatVector.fromArray(S, src, so + 14 * ls);
        FloatVector v15 = FloatVector.fromArray(S, src, so + 15 * ls);
        FloatVector t;
        t = v0.blend(v8.rearrange(UP8), M8);
        v8 = v0.rearrange(DOWN8).blend(v8, M8);
        v0 = t;
        t = v1.blend(v9.rearrange(UP8), M8);
        v9 = v1.rearrange(DOWN8).blend(v9, M8);
        v1 = t;
        t = v2.blend(v10.rearrange(UP8), M8);
        v10 = v2.rearrange(DOWN8).blend(v10, M8);
        v2 = t;
        t = v3.blend(v11.rearrange(UP8), M8);
        v11 = v3.rearrange(DOWN8).blend(v11, M8);
        v3 = t;
        t = v4.blend(v12.rearrange(UP8), M8);
        v12 = v4.rearrange(DOWN8).blend(v12, M8);
        v4 = t;
        t = v5.blend(v13.rearrange(UP8), M8);
        v13 = v5.rearrange(DOWN8).blend(v13, M8);
        v5 = t;
        t = v6.blend(v14.rearrange(UP8), M8);
        v14 = v6.rearrange(DOWN8).blend(v14, M8);
        v6 = t;
        t = v7.blend(v15.rearrange(UP8), M8);
        v15 = v7.rearrange(DOWN8).blend(v15, M8);
        v7 = t;
        t = v0.blend(v4.rearrange(UP4), M4);
        v4 = v0.rearrange(DOWN4).blend(v4, M4);
        v0 = t;
        t = v1.blend(v5.rearrange(UP4), M4);
        v5 = v1.rearrange(DOWN4).blend(v5, M4);
        v1 = t;
        t = v2.blend(v6.rearrange(UP4), M4);
        v6 = v2.rearrange(DOWN4).blend(v6, M4);
        v2 = t;
        t = v3.blend(v7.rearrange(UP4), M4);
        v7 = v3.rearrange(DOWN4).blend(v7, M4);
        v3 = t;
        t = v8.blend(v12.rearrange(UP4), M4);
        v12 = v8.rearrange(DOWN4).blend(v12, M4);
        v8 = t;
        t = v9.blend(v13.rearrange(UP4), M4);
        v13 = v9.rearrange(DOWN4).blend(v13, M4);
        v9 = t;
        t = v10.blend(v14.rearrange(UP4), M4);
        v14 = v10.rearrange(DOWN4).blend(v14, M4);
        v10 = t;
        t = v11.blend(v15.rearrange(UP4), M4);
        v15 = v11.rearrange(DOWN4).blend(v15, M4);
        v11 = t;
        t = v0.blend(v2.rearrange(UP2), M2);
        v2 = v0.rearrange(DOWN2).blend(v2, M2);
        v0 = t;
        t = v1.blend(v3.rearrange(UP2), M2);
        v3 = v1.rearrange(DOWN2).blend(v3, M2);
        v1 = t;
        t = v4.blend(v6.rearrange(UP2), M2);
        v6 = v4.rearrange(DOWN2).blend(v6, M2);
        v4 = t;
        t = v5.blend(v7.rearrange(UP2), M2);
        v7 = v5.rearrange(DOWN2).blend(v7, M2);
        v5 = t;
        t = v8.blend(v10.rearrange(UP2), M2);
        v10 = v8.rearrange(DOWN2).blend(v10, M2);
        v8 = t;
        t = v9.blend(v11.rearrange(UP2), M2);
        v11 = v9.rearrange(DOWN2).blend(v11, M2);
        v9 = t;
        t = v12.blend(v14.rearrange(UP2), M2);
        v14 = v12.rearrange(DOWN2).blend(v14, M2);
        v12 = t;
        t = v13.blend(v15.rearrange(UP2), M2);
        v15 = v13.rearrange(DOWN2).blend(v15, M2);
        v13 = t;
        t = v0.blend(v1.rearrange(UP1), M1);
        v1 = v0.rearrange(DOWN1).blend(v1, M1);
        v0 = t;
        t = v2.blend(v3.rearrange(UP1), M1);
        v3 = v2.rearrange(DOWN1).blend(v3, M1);
        v2 = t;
        t = v4.blend(v5.rearrange(UP1), M1);
        v5 = v4.rearrange(DOWN1).blend(v5, M1);
        v4 = t;
        t = v6.blend(v7.rearrange(UP1), M1);
        v7 = v6.rearrange(DOWN1).blend(v7, M1);
        v6 = t;
        t = v8.blend(v9.rearrange(UP1), M1);
        v9 = v8.rearrange(DOWN1).blend(v9, M1);
        v8 = t;
        t = v10.blend(v11.rearrange(UP1), M1);
        v11 = v10.rearrange(DOWN1).blend(v11, M1);
        v10 = t;
        t = v12.blend(v13.rearrange(UP1), M1);
        v13 = v12.rearrange(DOWN1).blend(v13, M1);
        v12 = t;
        t = v14.blend(v15.rearrange(UP1), M1);
        v15 = v14.rearrange(DOWN1).blend(v15, M1);
        v14 = t;
        v0.intoArray(dst, dOff + 0 * ld);
        v1.intoArray(dst, dOff + 1 * ld);
        v2.intoArray(dst, dOff + 2 * ld);
        v3.intoArray(dst, dOff + 3 * ld);
        v4.intoArray(dst, dOff + 4 * ld);
        v5.intoArray(dst, dOff + 5 * ld);
        v6.intoArray(dst, dOff + 6 * ld);
        v7.intoArray(dst, dOff + 7 * ld);
        v8.intoArray(dst, dOff + 8 * ld);
        v9.intoArray(dst, dOff + 9 * ld);
        v10.intoArray(dst, dOff + 10 * ld);
        v11.intoArray(dst, dOff + 11 * ld);
        v12.intoArray(dst, dOff + 12 * ld);
        v13.intoArray(dst, dOff + 13 * ld);
        v14.intoArray(dst, dOff + 14 * ld);
        v15.intoArray(dst, dOff + 15 * ld);
    }
}
