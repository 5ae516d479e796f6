package dev.jrnn.tensor.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packing routines of {@link GemmEngine} that transpose with 16-lane gathers: op(B) stored
 * {@code (N, K)} (the torch-weight case) and op(A) stored {@code (M, K)}. Packing only moves values,
 * so it never changes a result bit; partial panels fall back to the scalar routines.
 *
 * <p>Loaded only when {@link Simd#vectorEnabled()} is true.
 */
final class VectorPacking {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    private static final int L = 16;

    private VectorPacking() {
    }

    /**
     * {@link GemmEngine#packB} for {@code transB == true}.
     *
     * @param idx scratch of 16 ints, modified
     */
    static void packBTransposed(float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc,
                                float[] dst, int dOff, int[] idx) {
        final int nrFull = GemmEngine.NR;
        for (int i = 0; i < L; i++) {
            idx[i] = i * ldb;
        }
        for (int jp = 0; jp < nc; jp += nrFull) {
            int nr = Math.min(nrFull, nc - jp);
            int d = dOff + (jp / nrFull) * kc * nrFull;
            if (nr < nrFull) {
                GemmEngine.packBPanel(true, b, bOff, ldb, pc, kc, jc + jp, nr, dst, d);
                continue;
            }
            int s = bOff + (jc + jp) * ldb + pc;
            for (int kk = 0; kk < kc; kk++, d += nrFull) {
                for (int v = 0; v < nrFull; v += L) {
                    FloatVector.fromArray(S, b, s + v * ldb + kk, idx, 0).intoArray(dst, d + v);
                }
            }
        }
    }

    /**
     * {@link GemmEngine#packA} for {@code transA == false}: one gather fills the {@code MR} values of
     * column kk and the first {@code 16 - MR} of column kk + 1, which the next gather rewrites.
     *
     * @param idx scratch of 16 ints, modified
     */
    static void packARows(float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float[] dst, int[] idx) {
        final int mrFull = GemmEngine.MR;
        for (int i = 0; i < L; i++) {
            idx[i] = i < mrFull ? i * lda : (i - mrFull) * lda + 1;
        }
        for (int ip = 0; ip < mc; ip += mrFull) {
            int mr = Math.min(mrFull, mc - ip);
            int d = (ip / mrFull) * kc * mrFull;
            if (mr < mrFull || kc < 2) {
                GemmEngine.packAPanel(false, a, aOff, lda, ic + ip, mr, pc, kc, dst, d);
                continue;
            }
            int s = aOff + (ic + ip) * lda + pc;
            int kk = 0;
            for (; kk < kc - 1; kk++, d += mrFull) {
                FloatVector.fromArray(S, a, s + kk, idx, 0).intoArray(dst, d);
            }
            for (int i = 0; i < mrFull; i++) {
                dst[d + i] = a[s + i * lda + kk];
            }
        }
    }
}
