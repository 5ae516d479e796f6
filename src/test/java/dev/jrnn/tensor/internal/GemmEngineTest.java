package dev.jrnn.tensor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.TestSupport;
import dev.jrnn.tensor.GemmReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The raw entry points and the kernels, against the double reference and against each other. */
class GemmEngineTest {

    /** Shapes (m, n, k) crossing MR, NR, RC, KC, MC and NC boundaries. */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {1, 128, 128}, {3, 17, 5}, {8, 32, 256}, {9, 33, 257}, {7, 31, 255},
        {17, 63, 65}, {63, 65, 17}, {65, 1, 3}, {1, 65, 513}, {145, 97, 40}, {143, 64, 300},
        {16, 1100, 33}, {2, 1025, 7}, {257, 40, 9}, {33, 2100, 4}, {12, 32, 256}, {13, 31, 2},
        {11, 64, 1}, {24, 96, 258}, {25, 33, 513}, {7, 31, 511}, {9, 33, 1030}, {13, 40, 1024},
        // the skinny paths of VectorSkinnyGemm: N <= 16 with one K block, and M = 1
        {16, 7, 7}, {2048, 7, 14}, {6, 16, 256}, {3, 9, 200}, {1, 256, 1024}, {1, 200, 300}, {1, 16, 5},
        {6, 16, 512}, {4, 10, 513},
        // the same boundaries written against the constants, so they move with them
        {5, 40, GemmEngine.RC + 1}, {1, 65, 2 * GemmEngine.RC + 3}, {4, 10, GemmEngine.RC + 1},
        {1, 100, GemmEngine.RC - 1},
        {1, 65, GemmEngine.KC + 1}, {25, 33, GemmEngine.KC + 1}, {7, 31, GemmEngine.KC - 1},
        {9, 33, 2 * GemmEngine.KC + 6}, {13, 40, 2 * GemmEngine.KC}, {GemmEngine.MC + 1, 97, 40},
        {GemmEngine.MC - 1, 64, 300}, {2 * GemmEngine.MC + 13, 40, GemmEngine.KC + 3},
        {6, 16, GemmEngine.KC}, {4, 10, GemmEngine.KC + 1}, {1, 33, GemmEngine.KC + 1},
        // column blocks: a shallow product's blocks are wider than NC (blockColumns), a deeper one's are NC
        {13, GemmEngine.blockColumns(300) + 40, 300}, {5, GemmEngine.NC + 40, GemmEngine.KC / 2 + 1},
    };

    private static List<GemmEngine.Kernel> kernels() {
        List<GemmEngine.Kernel> ks = new ArrayList<>(List.of(GemmEngine.Kernel.SCALAR));
        if (GemmEngine.vectorKernel()) { // Simd.vectorEnabled() and 16-float vectors
            ks.add(GemmEngine.Kernel.VECTOR);
        }
        return ks;
    }

    /** A random problem with padded leading dimensions and offsets; C padding holds NaN sentinels. */
    private static final class Problem {
        final boolean ta;
        final boolean tb;
        final int m;
        final int n;
        final int k;
        final float[] a;
        final float[] b;
        final float[] c0;
        final int aOff = 3;
        final int bOff = 5;
        final int cOff = 2;
        final int lda;
        final int ldb;
        final int ldc;

        Problem(SplittableRandom rng, boolean ta, boolean tb, int m, int n, int k, boolean nanC) {
            this.ta = ta;
            this.tb = tb;
            this.m = m;
            this.n = n;
            this.k = k;
            lda = (ta ? m : k) + 1;
            ldb = (tb ? k : n) + 2;
            ldc = n + 3;
            a = TestSupport.uniform(rng, aOff + (ta ? k : m) * lda);
            b = TestSupport.uniform(rng, bOff + (tb ? n : k) * ldb);
            c0 = TestSupport.uniform(rng, cOff + m * ldc + 1);
            if (nanC) {
                Arrays.fill(c0, Float.NaN);
            }
        }

        float[] run(GemmEngine.Kernel kernel, int threads, float alpha, float beta, PackedB packed) {
            float[] c = c0.clone();
            GemmEngine.sgemm(kernel, threads, ta, tb, m, n, k, alpha, a, aOff, lda,
                    packed == null ? b : null, bOff, ldb, packed, beta, c, cOff, ldc);
            return c;
        }

        void check(String what, float alpha, float beta, float[] got) {
            GemmReference.check(what, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c0, got, cOff, ldc);
        }
    }

    @Test
    void everyTransposeAlphaBetaAndKernelMatchesTheReference() {
        SplittableRandom rng = TestSupport.rng(1);
        float[][] alphaBeta = {{1f, 0f}, {1f, 1f}, {-0.5f, 2f}, {0.75f, 0f}};
        for (int[] s : SHAPES) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0;
                boolean tb = (t & 2) != 0;
                float[] ab = alphaBeta[(t + s[0]) % alphaBeta.length];
                Problem p = new Problem(rng, ta, tb, s[0], s[1], s[2], false);
                for (GemmEngine.Kernel kernel : kernels()) {
                    p.check(kernel + " " + Arrays.toString(s), ab[0], ab[1], p.run(kernel, 1, ab[0], ab[1], null));
                }
            }
        }
    }

    @Test
    void blockColumnsFillTheBBufferOnlyForShallowProducts() {
        for (int k = 1; k <= 2 * GemmEngine.KC + 1; k++) {
            int nc = GemmEngine.blockColumns(k);
            int kc = Math.min(GemmEngine.KC, k);
            assertThat(nc % GemmEngine.NR).as("k = %d", k).isZero();
            assertThat((long) nc * kc).as("k = %d", k).isLessThanOrEqualTo((long) GemmEngine.KC * GemmEngine.NC);
            // NC while a K block is deeper than half of KC; at least twice NC once it is no deeper
            if (2 * kc > GemmEngine.KC) {
                assertThat(nc).as("k = %d", k).isEqualTo(GemmEngine.NC);
            } else {
                assertThat(nc).as("k = %d", k).isGreaterThanOrEqualTo(2 * GemmEngine.NC);
            }
        }
        assertThat(GemmEngine.blockColumns(400)).isEqualTo(2 * GemmEngine.NC);   // a weight gradient of L·N = 400 rows
    }

    @Test
    void scalarAndVectorKernelsGiveTheSameBits() {
        SplittableRandom rng = TestSupport.rng(2);
        for (int[] s : SHAPES) {
            Problem p = new Problem(rng, false, true, s[0], s[1], s[2], false);
            float[] scalar = p.run(GemmEngine.Kernel.SCALAR, 1, 1.5f, 0.5f, null);
            float[] dflt = p.run(GemmEngine.Kernel.DEFAULT, 1, 1.5f, 0.5f, null);
            assertThat(dflt).as(Arrays.toString(s)).isEqualTo(scalar);
        }
    }

    /**
     * Both A packings (scalar, and the Vector API one when enabled) against the layout's definition:
     * element (i, k) of the block, {@code op(A)[ic + i][pc + k]}, at {@code ((i / MR) * kc + k) * MR + i % MR}.
     * Past the panels, only the vector packing's documented slack may change.
     */
    @Test
    void packedABlocksHoldOpAInPanelOrder() {
        SplittableRandom rng = TestSupport.rng(11);
        int mrFull = GemmEngine.MR;
        int[][] blocks = { // mc, kc, ic, pc
            {144, 256, 0, 0}, {144, 256, 13, 7}, {GemmEngine.MC, GemmEngine.KC, 3, 5}, {12, 16, 0, 0}, {12, 17, 5, 3}, {13, 15, 0, 1}, {1, 1, 0, 0},
            {11, 33, 2, 2}, {25, 250, 1, 0}, {143, 31, 3, 9}, {24, 32, 0, 16}, {36, 200, 7, 5},
        };
        for (boolean vector : GemmEngine.vectorKernel() ? new boolean[] {false, true} : new boolean[] {false}) {
            for (boolean transA : new boolean[] {false, true}) {
                for (int[] b : blocks) {
                    int mc = b[0], kc = b[1], ic = b[2], pc = b[3];
                    int m = ic + mc + 3;
                    int k = pc + kc + 2;
                    int lda = (transA ? m : k) + 5;
                    int aOff = 9;
                    float[] a = new float[aOff + (transA ? k : m) * lda];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = (float) rng.nextDouble(-1, 1);
                    }
                    int packed = (mc + mrFull - 1) / mrFull * kc * mrFull;
                    float[] dst = new float[packed + GemmEngine.A_SLACK + 8];
                    Arrays.fill(dst, Float.NaN);
                    GemmEngine.packA(vector, transA, a, aOff, lda, ic, mc, pc, kc, dst);
                    String what = (vector ? "vector" : "scalar") + (transA ? " transA " : " ") + Arrays.toString(b);
                    for (int i = 0; i < mc; i++) {
                        for (int kk = 0; kk < kc; kk++) {
                            float expected = transA ? a[aOff + (pc + kk) * lda + ic + i] : a[aOff + (ic + i) * lda + pc + kk];
                            int at = ((i / mrFull) * kc + kk) * mrFull + i % mrFull;
                            assertThat(dst[at]).as(what + " (%d, %d)", i, kk).isEqualTo(expected);
                        }
                    }
                    int untouched = packed + (vector ? GemmEngine.A_SLACK : 0);
                    for (int i = untouched; i < dst.length; i++) {
                        assertThat(dst[i]).as(what + " wrote past its block at %d", i).isNaN();
                    }
                }
            }
        }
    }

    @Test
    void microTileReferenceFormGivesTheSameBitsAsTheBlockedKernels() {
        SplittableRandom rng = TestSupport.rng(7);
        int m = 30;
        int n = 70;
        int k = 300;
        Problem p = new Problem(rng, false, true, m, n, k, false);
        float[] expected = p.run(GemmEngine.Kernel.SCALAR, 1, 0.5f, 2f, null);
        float[] c = p.c0.clone();
        float[] ap = new float[GemmEngine.MC * GemmEngine.KC];
        float[] bp = new float[GemmEngine.KC * GemmEngine.NC];
        float[] tmp = new float[2 * GemmEngine.MR * GemmEngine.NR];
        for (int pc = 0; pc < k; pc += GemmEngine.KC) {
            int kc = Math.min(GemmEngine.KC, k - pc);
            GemmEngine.packA(false, false, p.a, p.aOff, p.lda, 0, m, pc, kc, ap);
            GemmEngine.packB(true, p.b, p.bOff, p.ldb, pc, kc, 0, n, bp, 0);
            for (int jr = 0; jr < n; jr += GemmEngine.NR) {
                for (int ir = 0; ir < m; ir += GemmEngine.MR) {
                    ScalarGemmKernel.tile(Math.min(GemmEngine.MR, m - ir), Math.min(GemmEngine.NR, n - jr), kc,
                            ap, (ir / GemmEngine.MR) * kc * GemmEngine.MR, bp, (jr / GemmEngine.NR) * kc * GemmEngine.NR,
                            c, p.cOff + ir * p.ldc + jr, p.ldc, 0.5f, 2f, pc == 0, tmp);
                }
            }
        }
        assertThat(c).isEqualTo(expected);
    }

    /**
     * The reduction order of the {@code ScalarGemmKernel} class comment, written out element by element:
     * within each {@code KC} block, {@code RC}-deep fma chains from zero whose sums are added in order, then
     * the block's sum combined into C (with beta for the first block, {@code fma(s, alpha, c)} after). Every
     * kernel, thread count and B form (the narrow, one-row and tiled paths among them) must give exactly these
     * bits.
     */
    @Test
    void everyPathSumsRcDeepChainsPerKBlock() {
        SplittableRandom rng = TestSupport.rng(29);
        int[] depths = {1, GemmEngine.RC - 1, GemmEngine.RC, GemmEngine.RC + 1, 3 * GemmEngine.RC + 5,
            GemmEngine.KC + GemmEngine.RC + 3};
        float[][] alphaBeta = {{1f, 0f}, {1f, 1f}, {-0.5f, 2f}};
        for (int k : depths) {
            for (int m : new int[] {1, 5}) {
                for (int n : new int[] {7, 40, 300}) {   // 300: large enough to split over two threads
                    Problem p = new Problem(rng, false, true, m, n, k, false);
                    for (float[] ab : alphaBeta) {
                        float[] expected = p.c0.clone();
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                int ci = p.cOff + i * p.ldc + j;
                                for (int pc = 0; pc < k; pc += GemmEngine.KC) {
                                    float sum = 0f;
                                    for (int q = pc; q < Math.min(k, pc + GemmEngine.KC); q += GemmEngine.RC) {
                                        float acc = 0f;
                                        for (int kk = q; kk < Math.min(k, q + GemmEngine.RC); kk++) {
                                            acc = Math.fma(p.a[p.aOff + i * p.lda + kk], p.b[p.bOff + j * p.ldb + kk],
                                                    acc);
                                        }
                                        sum = q == pc ? acc : sum + acc;
                                    }
                                    if (pc > 0) {
                                        expected[ci] = Math.fma(sum, ab[0], expected[ci]);
                                    } else if (ab[1] == 0f) {
                                        expected[ci] = sum * ab[0];
                                    } else {
                                        expected[ci] = Math.fma(sum, ab[0], expected[ci] * ab[1]);
                                    }
                                }
                            }
                        }
                        for (GemmEngine.Kernel kernel : kernels()) {
                            PackedB packed = PackedB.pack(true, k, n, p.b, p.bOff, p.ldb);
                            for (int threads = 1; threads <= 2; threads++) {
                                String what = "k=" + k + " m=" + m + " n=" + n + " " + kernel + " threads=" + threads
                                        + " alpha=" + ab[0] + " beta=" + ab[1];
                                assertThat(p.run(kernel, threads, ab[0], ab[1], null)).as(what).isEqualTo(expected);
                                assertThat(p.run(kernel, threads, ab[0], ab[1], packed)).as(what + " packed")
                                        .isEqualTo(expected);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void chainDepthPropertyAcceptsPowersOfTwoUpToKc() {
        assertThat(GemmEngine.chain(null)).isEqualTo(GemmEngine.KC);
        assertThat(GemmEngine.chain("256")).isEqualTo(256);
        assertThat(GemmEngine.chain(" 16 ")).isEqualTo(16);
        assertThat(GemmEngine.chain(String.valueOf(GemmEngine.KC))).isEqualTo(GemmEngine.KC);
        for (String bad : new String[] {"", "8", "300", "-256", "2048", "abc", "256.0"}) {
            assertThatThrownBy(() -> GemmEngine.chain(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("-Djrnn.gemm.chain must be a power of two from 16 to " + GemmEngine.KC + ", got '"
                            + bad + "'");
        }
    }

    @Test
    void betaZeroOverwritesNaNGarbage() {
        SplittableRandom rng = TestSupport.rng(3);
        for (GemmEngine.Kernel kernel : kernels()) {
            for (int[] s : new int[][] {{9, 33, 257}, {1, 5, 3}, {40, 70, 600}, {13, 40, GemmEngine.KC + 7}}) {
                Problem p = new Problem(rng, false, true, s[0], s[1], s[2], true);
                float[] got = p.run(kernel, 1, 1f, 0f, null);
                for (int i = 0; i < p.m; i++) {
                    for (int j = 0; j < p.n; j++) {
                        assertThat(got[p.cOff + i * p.ldc + j]).isNotNaN();
                    }
                }
                p.check("beta=0 over NaN", 1f, 0f, got);
            }
        }
    }

    @Test
    void zeroSizes() {
        float[] c = {1f, 2f, 3f, 4f, 5f, 6f};
        GemmEngine.sgemm(false, false, 2, 3, 0, 1f, new float[0], 0, 1, new float[0], 0, 3, 2f, c, 0, 3);
        assertThat(c).containsExactly(2f, 4f, 6f, 8f, 10f, 12f);
        float[] nan = {Float.NaN, Float.NaN};
        GemmEngine.sgemm(true, true, 1, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 1, 0f, nan, 0, 2);
        assertThat(nan).containsExactly(0f, 0f);
        float[] untouched = {7f};
        GemmEngine.sgemm(false, false, 0, 1, 5, 1f, new float[0], 0, 5, new float[5], 0, 1, 0f, untouched, 0, 1);
        GemmEngine.sgemm(false, false, 1, 0, 5, 1f, new float[5], 0, 5, new float[0], 0, 1, 0f, untouched, 0, 1);
        assertThat(untouched).containsExactly(7f);
        PackedB empty = PackedB.pack(true, 0, 4, new float[0], 0, 1);
        float[] c2 = {1f, 1f, 1f, 1f};
        GemmEngine.sgemm(false, 1, 1f, new float[0], 0, 1, empty, 3f, c2, 0, 4);
        assertThat(c2).containsExactly(3f, 3f, 3f, 3f);
        float[] c3 = {1f, 2f};
        GemmEngine.sgemm(false, true, 1, 2, 0, 1f, null, 0, 1, null, 0, 1, 0.5f, c3, 0, 2); // empty A, B: null ok
        assertThat(c3).containsExactly(0.5f, 1f);
        assertThatThrownBy(() -> GemmEngine.sgemm(false, false, 1, 1, 1, 1f, null, 0, 1, new float[1], 0, 1, 0f,
                new float[1], 0, 1)).isInstanceOf(NullPointerException.class).hasMessage("a");
    }

    @Test
    void packedBGivesTheSameBitsAsUnpacked() {
        SplittableRandom rng = TestSupport.rng(4);
        for (int[] s : SHAPES) {
            for (int t = 0; t < 4; t++) {
                Problem p = new Problem(rng, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], false);
                PackedB packed = PackedB.pack(p.tb, p.k, p.n, p.b, p.bOff, p.ldb);
                for (GemmEngine.Kernel kernel : kernels()) {
                    float[] plain = p.run(kernel, 1, 1f, 1f, null);
                    assertThat(p.run(kernel, 1, 1f, 1f, packed)).as(Arrays.toString(s)).isEqualTo(plain);
                    assertThat(p.run(kernel, 3, 1f, 1f, packed)).as(Arrays.toString(s)).isEqualTo(plain);
                }
                // both layouts, whichever the default is: the scalar kernel reads either
                float[] scalar = p.run(GemmEngine.Kernel.SCALAR, 1, 1f, 1f, null);
                for (boolean rowLayout : new boolean[] {false, true}) {
                    PackedB other = PackedB.pack(rowLayout, p.tb, p.k, p.n, p.b, p.bOff, p.ldb);
                    String what = Arrays.toString(s) + (rowLayout ? " rows" : " panels");
                    assertThat(p.run(GemmEngine.Kernel.SCALAR, 1, 1f, 1f, other)).as(what).isEqualTo(scalar);
                    assertThat(p.run(GemmEngine.Kernel.SCALAR, 2, 1f, 1f, other)).as(what).isEqualTo(scalar);
                    assertThat(p.run(GemmEngine.Kernel.SCALAR, 3, 1f, 1f, other)).as(what).isEqualTo(scalar);
                }
                // the public packed entry point
                float[] c = p.c0.clone();
                GemmEngine.sgemm(p.ta, p.m, 1f, p.a, p.aOff, p.lda, packed, 1f, c, p.cOff, p.ldc);
                assertThat(c).isEqualTo(p.run(GemmEngine.Kernel.DEFAULT, 1, 1f, 1f, null));
            }
        }
    }

    /**
     * The skinny pre-packed products (N <= 16 with K <= KC, and M = 1) take their own vector path; every
     * alpha/beta form, including beta = 0 over NaN garbage, must give the blocked tiles' bits (the
     * unpacked call) and the scalar kernel's, whether an M = 1 product runs in one thread or is split
     * over column panels ({@code GEMV_PARALLEL_MIN_FLOPS}). Consecutive M = 1 products on one packed B
     * alternate the panel order (first to last, then last to first), so each is run twice.
     */
    @Test
    void skinnyPackedProductsGiveTheTilesBits() {
        SplittableRandom rng = TestSupport.rng(11);
        float[][] alphaBeta = {{1f, 0f}, {1f, 1f}, {-0.5f, 2f}, {0.75f, 0f}};
        int split = 0;
        int[][] shapes = {{16, 7, 7}, {2048, 7, 14}, {6, 16, 256}, {3, 9, 200}, {7, 1, 1}, {5, 12, 33},
            {1, 128, 128}, {1, 256, 1024}, {1, 200, 300}, {1, 16, 5}, {1, 1024, 256}, {1, 33, 600},
            {1, 1100, 300}, {1, 600, 1000}, {1, 1100, GemmEngine.KC + 5}, {6, 16, GemmEngine.RC + 1},
            {1, 300, 3 * GemmEngine.RC + 7}};
        for (int[] s : shapes) {
            if (s[0] == 1 && 2.0 * s[1] * s[2] >= GemmEngine.GEMV_PARALLEL_MIN_FLOPS) {
                split++;
            }
            for (float[] ab : alphaBeta) {
                for (boolean nanC : new boolean[] {false, true}) {
                    if (nanC && ab[1] != 0f) {
                        continue;
                    }
                    Problem p = new Problem(rng, false, true, s[0], s[1], s[2], nanC);
                    PackedB packed = PackedB.pack(true, p.k, p.n, p.b, p.bOff, p.ldb);
                    String what = Arrays.toString(s) + " alpha=" + ab[0] + " beta=" + ab[1] + " nanC=" + nanC;
                    float[] tiles = p.run(GemmEngine.Kernel.DEFAULT, 1, ab[0], ab[1], null);
                    p.check(what, ab[0], ab[1], tiles);
                    for (int threads = 1; threads <= 3; threads++) {
                        for (int pass = 0; pass < 2; pass++) {   // both panel orders
                            assertThat(p.run(GemmEngine.Kernel.DEFAULT, threads, ab[0], ab[1], packed))
                                    .as("%s, %d threads, pass %d", what, threads, pass).isEqualTo(tiles);
                        }
                    }
                    assertThat(p.run(GemmEngine.Kernel.SCALAR, 1, ab[0], ab[1], packed)).as(what).isEqualTo(tiles);
                }
            }
        }
        assertThat(split).as("M = 1 shapes split over threads").isGreaterThanOrEqualTo(4);
    }

    @Test
    void packedBRoundTripsAndRepacks() {
        SplittableRandom rng = TestSupport.rng(5);
        for (boolean rowLayout : new boolean[] {false, true}) {
            // n = 70: four full 16-column steps of the row layout's transposed fill and a ragged rest;
            // wider than CHUNK: more than one strip of rows, the last one ragged
            for (int[] kn : new int[][] {{300, 70}, {GemmEngine.KC + 3, 33}, {5, 16},
                {40, ScalarGemmKernel.CHUNK + 70}, {3, 2 * ScalarGemmKernel.CHUNK}}) {
                int k = kn[0];
                int n = kn[1];
                String what = (rowLayout ? "rows " : "panels ") + k + "x" + n;
                float[] w = TestSupport.uniform(rng, 2 + n * (k + 1)); // (N, K) torch layout, offset 2, ld k + 1
                PackedB p = PackedB.pack(rowLayout, true, k, n, w, 2, k + 1);
                assertThat(p.strips() != null).as(what).isEqualTo(rowLayout);
                float[] back = p.unpack();
                for (int kk = 0; kk < k; kk++) {
                    for (int j = 0; j < n; j++) {
                        assertThat(back[kk * n + j]).as(what).isEqualTo(w[2 + j * (k + 1) + kk]);
                    }
                }
                float[] w2 = TestSupport.uniform(rng, 2 + n * (k + 1));
                p.repack(true, w2, 2, k + 1);
                float[] expected = new float[k * n];
                for (int kk = 0; kk < k; kk++) {
                    for (int j = 0; j < n; j++) {
                        expected[kk * n + j] = w2[2 + j * (k + 1) + kk];
                    }
                }
                assertThat(p.unpack()).as(what).isEqualTo(expected);
                // untransposed: op(B) is B as stored, (K, N) with ld n + 1
                float[] x = TestSupport.uniform(rng, k * (n + 1));
                PackedB q = PackedB.pack(rowLayout, false, k, n, x, 0, n + 1);
                float[] qBack = q.unpack();
                for (int kk = 0; kk < k; kk++) {
                    for (int j = 0; j < n; j++) {
                        assertThat(qBack[kk * n + j]).as(what).isEqualTo(x[kk * (n + 1) + j]);
                    }
                }
                if (rowLayout) {   // the scalar kernel reads whole padded rows: the padding must stay zero
                    assertThat(p.strips().length).as(what).isEqualTo((n + ScalarGemmKernel.CHUNK - 1) / ScalarGemmKernel.CHUNK);
                    for (int st = 0; st < p.strips().length; st++) {
                        int width = Math.min(ScalarGemmKernel.CHUNK, n - st * ScalarGemmKernel.CHUNK);
                        for (float[] row : p.strips()[st]) {
                            assertThat(row.length % GemmEngine.NR).as(what).isZero();
                            for (int j = width; j < row.length; j++) {
                                assertThat(row[j]).as(what).isZero();
                            }
                        }
                    }
                }
            }
        }
        assertThat(PackedB.pack(true, 3, 2, new float[6], 0, 3).strips() == null)
                .as("the default layout follows the kernel").isEqualTo(GemmEngine.vectorKernel());
    }

    @Test
    void theVectorKernelRefusesARowLayoutB() {
        if (!GemmEngine.vectorKernel()) {
            return;   // Kernel.VECTOR is refused outright without the vector kernel
        }
        float[] x = new float[64];
        PackedB rows = PackedB.pack(true, true, 4, 4, x, 0, 4);
        assertThatThrownBy(() -> GemmEngine.sgemm(GemmEngine.Kernel.VECTOR, 1, false, false, 2, 4, 4, 1f, x, 0, 4, null,
                0, 1, rows, 0f, new float[8], 0, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row layout");
    }

    @Test
    void oneTwoAndThreeThreadsGiveTheSameBits() {
        SplittableRandom rng = TestSupport.rng(6);
        int[][] big = {{200, 300, 300}, {64, 512, 520}, {300, 64, 100}, {16, 1100, 300}, {9, 9000, 40},
            {GemmEngine.MC + 5, 200, GemmEngine.KC + 9}};
        for (int[] s : big) {
            for (int t = 0; t < 4; t++) {
                Problem p = new Problem(rng, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], false);
                for (GemmEngine.Kernel kernel : kernels()) {
                    float[] one = p.run(kernel, 1, 1f, 0.5f, null);
                    assertThat(p.run(kernel, 2, 1f, 0.5f, null)).as(Arrays.toString(s)).isEqualTo(one);
                    assertThat(p.run(kernel, 3, 1f, 0.5f, null)).as(Arrays.toString(s)).isEqualTo(one);
                    if (t == 2) {
                        p.check("threads", 1f, 0.5f, one);
                    }
                }
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        float[] x = new float[12];
        assertThatThrownBy(() -> GemmEngine.sgemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m=-1");
        assertThatThrownBy(() -> GemmEngine.sgemm(false, false, 2, 2, 3, 1f, x, 0, 2, x, 0, 2, 0f, new float[4], 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lda must be >= max(1, 3), got 2");
        assertThatThrownBy(() -> GemmEngine.sgemm(false, false, 4, 4, 4, 1f, x, 0, 4, x, 0, 4, 0f, new float[16], 0, 4))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("length 12");
        PackedB p = PackedB.pack(false, 2, 3, x, 0, 3);
        assertThatThrownBy(() -> GemmEngine.sgemm(Kernel(), 1, false, false, 1, 3, 3, 1f, x, 0, 3, null, 0, 1, p,
                0f, x, 0, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("packed B is (2, 3) but (k, n) = (3, 3)");
    }

    private static GemmEngine.Kernel Kernel() {
        return GemmEngine.Kernel.DEFAULT;
    }

    /**
     * {@return bytes allocated so far by the current thread, or -1 when the JVM cannot tell}. The bean and
     * its method are looked up once, so that a reading allocates the same few bytes every time (looking
     * them up per reading allocated more on the first readings than later, which made the probe's own
     * overhead unmeasurable when this test ran alone).
     */
    private static long allocatedBytes() {
        return AllocationProbe.read();
    }

    /** The reflective handle on {@code com.sun.management.ThreadMXBean} (the test module does not read java.management). */
    private static final class AllocationProbe {
        private static final Object BEAN;
        private static final java.lang.reflect.Method METHOD;

        static {
            Object bean = null;
            java.lang.reflect.Method method = null;
            try {
                Object b = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                        .invoke(null);
                Class<?> sun = Class.forName("com.sun.management.ThreadMXBean");
                if (sun.isInstance(b)) {
                    bean = b;
                    method = sun.getMethod("getThreadAllocatedBytes", long.class);
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                bean = null;
            }
            BEAN = bean;
            METHOD = method;
        }

        static long read() {
            if (METHOD == null) {
                return -1;
            }
            try {
                return (long) METHOD.invoke(BEAN, Thread.currentThread().getId());
            } catch (ReflectiveOperationException | RuntimeException e) {
                return -1;
            }
        }
    }

    @Test
    void steadyStateCallsDoNotAllocate() {
        if (Simd.vectorEnabled() || allocatedBytes() < 0) {
            return; // the interpreter boxes Vector API values until C2 compiles the kernel
        }
        SplittableRandom rng = TestSupport.rng(8);
        Problem p = new Problem(rng, false, true, 20, 70, 300, false);
        PackedB packed = PackedB.pack(true, p.k, p.n, p.b, p.bOff, p.ldb);
        float[] c = p.c0.clone();
        Runnable call = () -> {
            GemmEngine.sgemm(false, true, p.m, p.n, p.k, 1f, p.a, p.aOff, p.lda, p.b, p.bOff, p.ldb, 0f, c, p.cOff, p.ldc);
            GemmEngine.sgemm(false, p.m, 1f, p.a, p.aOff, p.lda, packed, 1f, c, p.cOff, p.ldc);
        };
        // The first call per thread allocates the workspace. The next few may allocate a few hundred bytes
        // once, when this test runs alone in its JVM (measured: 672 bytes over calls 2-11, then 0 in each
        // later batch of 10). A one-time cost, not a per-call one; most likely the JIT (a deoptimisation
        // re-materialises the objects it had scalar-replaced), not verified.
        for (int i = 0; i < 20; i++) {
            call.run();
            allocatedBytes(); // the reflective probe's first readings allocate more than later ones
        }
        long t0 = allocatedBytes();
        long t1 = allocatedBytes();
        long overhead = t1 - t0; // of the reflective probe itself
        for (int i = 0; i < 50; i++) {
            call.run();
        }
        long allocated = allocatedBytes() - t1 - overhead;
        assertThat(allocated).as("bytes allocated by 100 GEMM calls").isLessThan(256);
    }

    @Test
    void workersSurviveExceptionsAndAreDaemons() {
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> WorkerPool.invoke(part -> {
            if (part == 1) {
                throw new IllegalStateException("boom in part 1");
            }
            ran.incrementAndGet();
        }, 2)).isInstanceOf(IllegalStateException.class).hasMessage("boom in part 1");
        WorkerPool.invoke(part -> ran.incrementAndGet(), 3);
        assertThat(ran.get()).isEqualTo(4);
        assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().startsWith("jrnn-gemm-"))
                .isNotEmpty().allMatch(Thread::isDaemon);
    }
}
