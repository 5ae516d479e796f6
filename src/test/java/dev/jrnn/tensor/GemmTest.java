package dev.jrnn.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.TestSupport;
import dev.jrnn.tensor.internal.GemmEngine;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The tensor facade: views of every layout, shape and alias checks, packed weights, threads. */
class GemmTest {

    private final int savedThreads = Threads.count();

    @AfterEach
    void restoreThreads() {
        Threads.setCount(savedThreads);
    }

    /** A contiguous (rows, cols) tensor of uniform values. */
    private static Tensor random(SplittableRandom rng, int rows, int cols) {
        return Tensor.of(TestSupport.uniform(rng, rows * cols), rows, cols);
    }

    /** {@return the transpose view of a 2-D tensor (shares storage)} */
    private static Tensor t(Tensor x) {
        return new Tensor(x.storage(), x.offset(), new int[] {x.sizeAt(1), x.sizeAt(0)},
                new int[] {x.strideAt(1), x.strideAt(0)});
    }

    /** {@return a (rows, cols) view with strides (s0, s1) at offset 1 over fresh random storage} */
    private static Tensor strided(SplittableRandom rng, int rows, int cols, int s0, int s1) {
        float[] data = TestSupport.uniform(rng, 1 + (rows - 1) * s0 + (cols - 1) * s1 + 1);
        return new Tensor(data, 1, new int[] {rows, cols}, new int[] {s0, s1});
    }

    private static float get(Tensor x, int i, int j) {
        return x.storage()[x.offset() + i * x.strideAt(0) + j * x.strideAt(1)];
    }

    /** {@return a contiguous row-major copy of a 2-D view} */
    private static float[] dense(Tensor x) {
        float[] out = new float[x.sizeAt(0) * x.sizeAt(1)];
        for (int i = 0; i < x.sizeAt(0); i++) {
            for (int j = 0; j < x.sizeAt(1); j++) {
                out[i * x.sizeAt(1) + j] = get(x, i, j);
            }
        }
        return out;
    }

    /** Checks c (after) against alpha·op(a)·op(b) + beta·c0 using dense copies. */
    private static void check(String what, boolean ta, boolean tb, float alpha, Tensor a, Tensor b, float beta,
                              float[] c0Dense, Tensor c) {
        int m = c.sizeAt(0);
        int n = c.sizeAt(1);
        int k = ta ? a.sizeAt(0) : a.sizeAt(1);
        GemmReference.check(what, ta, tb, m, n, k, alpha, dense(a), 0, Math.max(1, a.sizeAt(1)), dense(b), 0,
                Math.max(1, b.sizeAt(1)), beta, c0Dense, dense(c), 0, Math.max(1, n));
    }

    @Test
    void allLayoutsOfAllOperands() {
        SplittableRandom rng = TestSupport.rng(11);
        int m = 19;
        int n = 37;
        int k = 41;
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0;
            boolean tb = (t & 2) != 0;
            int ar = ta ? k : m;
            int ac = ta ? m : k;
            int br = tb ? n : k;
            int bc = tb ? k : n;
            Tensor[] as = {random(rng, ar, ac), t(random(rng, ac, ar)), strided(rng, ar, ac, 2 * ac + 1, 2),
                strided(rng, ar, ac, ac + 5, 1)};
            Tensor[] bs = {random(rng, br, bc), t(random(rng, bc, br)), strided(rng, br, bc, 3, 3 * br + 2),
                strided(rng, br, bc, 1, br + 4)};
            for (int layout = 0; layout < 4; layout++) {
                Tensor a = as[layout];
                Tensor b = bs[(layout + t) % 4];
                Tensor[] cs = {random(rng, m, n), t(random(rng, n, m)), strided(rng, m, n, 2 * n + 3, 2),
                    strided(rng, m, n, n + 1, 1)};
                for (Tensor c : cs) {
                    float[] c0 = dense(c);
                    float[] before = c.storage().clone();
                    Tensor r = Gemm.gemm(ta, tb, 0.5f, a, b, 1.5f, c);
                    assertThat(r).isSameAs(c);
                    check("layout " + layout + " t " + t, ta, tb, 0.5f, a, b, 1.5f, c0, c);
                    assertUntouchedOutsideView(before, c);
                }
            }
        }
    }

    private static void assertUntouchedOutsideView(float[] before, Tensor c) {
        boolean[] inside = new boolean[before.length];
        for (int i = 0; i < c.sizeAt(0); i++) {
            for (int j = 0; j < c.sizeAt(1); j++) {
                inside[c.offset() + i * c.strideAt(0) + j * c.strideAt(1)] = true;
            }
        }
        for (int x = 0; x < before.length; x++) {
            if (!inside[x]) {
                assertThat(c.storage()[x]).as("storage[%d] outside c", x).isEqualTo(before[x]);
            }
        }
    }

    @Test
    void multFamily() {
        SplittableRandom rng = TestSupport.rng(12);
        Tensor a = random(rng, 5, 7);
        Tensor b = random(rng, 7, 3);
        Tensor c = random(rng, 5, 3);
        float[] c0 = dense(c);
        check("mult", false, false, 1f, a, b, 0f, c0, Gemm.mult(a, b, c));
        c0 = dense(c);
        check("multAdd", false, false, 1f, a, b, 1f, c0, Gemm.multAdd(a, b, c));
        Tensor at = random(rng, 7, 5);
        c0 = dense(c);
        check("multTransA", true, false, 1f, at, b, 0f, c0, Gemm.multTransA(at, b, c));
        c0 = dense(c);
        check("multAddTransA", true, false, 1f, at, b, 1f, c0, Gemm.multAddTransA(at, b, c));
        Tensor bt = random(rng, 3, 7);
        c0 = dense(c);
        check("multTransB", false, true, 1f, a, bt, 0f, c0, Gemm.multTransB(a, bt, c));
        c0 = dense(c);
        check("multAddTransB", false, true, 1f, a, bt, 1f, c0, Gemm.multAddTransB(a, bt, c));
    }

    @Test
    void betaZeroIgnoresNaNInC() {
        SplittableRandom rng = TestSupport.rng(13);
        Tensor a = random(rng, 4, 6);
        Tensor b = random(rng, 6, 5);
        float[] nan = new float[20];
        Arrays.fill(nan, Float.NaN);
        Tensor c = Tensor.of(nan, 4, 5);
        Gemm.mult(a, b, c);
        for (float v : dense(c)) {
            assertThat(v).isNotNaN();
        }
        Tensor ct = t(Tensor.of(nan, 5, 4)); // column-major c
        Gemm.mult(a, b, ct);
        assertThat(dense(ct)).isEqualTo(dense(c));
    }

    @Test
    void zeroSizeDimensions() {
        Tensor a = Tensor.zeros(3, 0);
        Tensor b = Tensor.zeros(0, 2);
        Tensor c = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Gemm.gemm(false, false, 1f, a, b, 2f, c);
        assertThat(dense(c)).containsExactly(2, 4, 6, 8, 10, 12);
        Gemm.gemm(false, false, 1f, a, b, 0f, c);
        assertThat(dense(c)).containsOnly(0f);
        Gemm.mult(Tensor.zeros(0, 4), Tensor.zeros(4, 3), Tensor.zeros(0, 3));
        Gemm.mult(Tensor.zeros(2, 4), Tensor.zeros(4, 0), Tensor.zeros(2, 0));
        Gemm.gemm(1f, Tensor.zeros(0, 4), PackedMatrix.ofTransposed(Tensor.zeros(3, 4)), 0f, Tensor.zeros(0, 3));
    }

    @Test
    void shapeErrorsNameExpectedAndActual() {
        assertThatThrownBy(() -> Gemm.mult(Tensor.zeros(3, 4), Tensor.zeros(5, 6), Tensor.zeros(3, 6)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gemm: op(a) is (3, 4) but op(b) is (5, 6): inner dimensions 4 and 5 differ");
        assertThatThrownBy(() -> Gemm.multTransB(Tensor.zeros(3, 4), Tensor.zeros(6, 4), Tensor.zeros(3, 5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gemm: c is (3, 5) but op(a)·op(b) is (3, 6)");
        assertThatThrownBy(() -> Gemm.mult(Tensor.zeros(3), Tensor.zeros(3, 2), Tensor.zeros(1, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gemm: a must be 2-D, got shape [3]");
        assertThatThrownBy(() -> Gemm.mult(Tensor.zeros(1, 3), Tensor.zeros(3, 2), Tensor.zeros(1, 1, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gemm: c must be 2-D, got shape [1, 1, 2]");
        PackedMatrix w = PackedMatrix.ofTransposed(Tensor.zeros(6, 4)); // op(B) is (4, 6)
        assertThatThrownBy(() -> Gemm.gemm(1f, Tensor.zeros(2, 5), w, 0f, Tensor.zeros(2, 6)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gemm: op(a) is (2, 5) but packed b is (4, 6): inner dimensions 5 and 4 differ");
    }

    @Test
    void aliasingIsRejected() {
        float[] shared = new float[64];
        Tensor a = new Tensor(shared, 0, new int[] {4, 4}, new int[] {4, 1});
        Tensor b = new Tensor(shared, 16, new int[] {4, 4}, new int[] {4, 1});
        Tensor cOverA = new Tensor(shared, 12, new int[] {4, 4}, new int[] {4, 1});
        Tensor cFree = new Tensor(shared, 32, new int[] {4, 4}, new int[] {4, 1});
        assertThatThrownBy(() -> Gemm.mult(a, b, a)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("c overlaps a");
        assertThatThrownBy(() -> Gemm.mult(a, b, cOverA)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("c overlaps a");
        assertThatThrownBy(() -> Gemm.mult(cFree, b, t(b))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("c overlaps b");
        assertThatThrownBy(() -> Gemm.gemm(1f, a, PackedMatrix.of(false, b), 0f, a))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("c overlaps a");
        Gemm.mult(a, b, cFree); // disjoint ranges of one array are fine
    }

    @Test
    void packedWeightsGiveTheSameBitsAsTheUnpackedPath() {
        SplittableRandom rng = TestSupport.rng(14);
        int[][] shapes = {{1, 128, 128}, {16, 70, 300}, {64, 96, 520}, {3, 33, 17}, {24, 40, 2 * GemmEngine.KC + 5}};
        for (int[] s : shapes) {
            int m = s[0];
            int g = s[1];
            int k = s[2];
            Tensor w = random(rng, g, k);   // torch weight (G, K)
            Tensor x = random(rng, m, k);   // (M, K)
            PackedMatrix pw = PackedMatrix.ofTransposed(w);
            assertThat(pw.rows()).isEqualTo(k);
            assertThat(pw.cols()).isEqualTo(g);
            assertThat(dense(pw.toTensor())).isEqualTo(dense(t(w)));
            for (int threads : new int[] {1, 2}) {
                Threads.setCount(threads);
                Tensor c1 = random(rng, m, g);
                Tensor c2 = Tensor.of(dense(c1), m, g);
                float[] c0 = dense(c1);
                Gemm.gemm(false, true, 1f, x, w, 1f, c1);
                Gemm.gemm(1f, x, pw, 1f, c2);
                check("packed", false, true, 1f, x, w, 1f, c0, c2);
                assertThat(dense(c2)).isEqualTo(dense(c1));
            }
            // transA with a packed right-hand side, a = xᵀ stored (K, M)
            Tensor xt = Tensor.of(dense(t(x)), k, m);
            Tensor c3 = Tensor.zeros(m, g);
            Gemm.gemm(true, 1f, xt, pw, 0f, c3);
            assertThat(dense(c3)).isEqualTo(dense(Gemm.multTransB(x, w, Tensor.zeros(m, g))));
        }
        // the packed copy does not see later writes to its source
        Tensor w = random(rng, 4, 3);
        PackedMatrix pw = PackedMatrix.ofTransposed(w);
        float[] before = dense(pw.toTensor());
        Arrays.fill(w.storage(), 9f);
        assertThat(dense(pw.toTensor())).isEqualTo(before);
    }

    @Test
    void threadCountDoesNotChangeBits() {
        SplittableRandom rng = TestSupport.rng(15);
        Tensor a = random(rng, 130, 300);
        Tensor w = random(rng, 200, 300);
        float[][] results = new float[3][];
        for (int threads = 1; threads <= 3; threads++) {
            Threads.setCount(threads);
            assertThat(Threads.count()).isEqualTo(threads);
            results[threads - 1] = dense(Gemm.multTransB(a, w, Tensor.zeros(130, 200)));
        }
        assertThat(results[1]).isEqualTo(results[0]);
        assertThat(results[2]).isEqualTo(results[0]);
        assertThatThrownBy(() -> Threads.setCount(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("thread count must be >= 1, got 0");
    }
}
