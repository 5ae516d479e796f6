package dev.jrnn.tensor.internal;

import dev.jrnn.TestSupport;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fast float math against the double {@link Math} functions (the reference), on both SIMD paths.
 * The exhaustive sweep lives in {@link UlpSweep} (run once, results in docs/design-notes.md); here a
 * sampled sweep plus dense windows around the branch points keep the run to a few seconds.
 */
class FastMathTest {

    static final double MAX_ULP = 2.0;

    /** Error of {@code y} in ulps of the correctly rounded float {@code (float) ref}. */
    static double ulpError(float y, double ref) {
        float r = (float) ref;
        if (Double.isNaN(ref)) {
            return Float.isNaN(y) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (Float.isInfinite(r) || Float.isInfinite(y)) {
            return y == r ? 0 : Double.POSITIVE_INFINITY;
        }
        return Math.abs(y - ref) / Math.ulp(r);
    }

    static double sigmoidRef(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    interface FloatFn {
        float apply(float x);
    }

    interface ArrayKernel {
        void apply(float[] src, int srcOff, float[] dst, int dstOff, int n);
    }

    /** Max ulp error over the floats from lo to hi visiting every step-th bit pattern, via the array kernel. */
    static double sweep(ArrayKernel kernel, DoubleUnaryOperator ref, float lo, float hi, int step) {
        int n = 0;
        float[] xs = new float[1 << 16];
        float[] ys = new float[xs.length];
        double max = 0;
        for (int side = 0; side < 2; side++) {
            float from = side == 0 ? Math.max(0f, lo) : Math.max(0f, -hi);
            float to = side == 0 ? Math.max(0f, hi) : Math.max(0f, -lo);
            for (int bits = Float.floatToRawIntBits(from); bits <= Float.floatToRawIntBits(to); bits += step) {
                float x = Float.intBitsToFloat(bits);
                xs[n++] = side == 0 ? x : -x;
                if (n == xs.length) {
                    max = Math.max(max, check(kernel, ref, xs, ys, n));
                    n = 0;
                }
            }
        }
        return Math.max(max, check(kernel, ref, xs, ys, n));
    }

    private static double check(ArrayKernel kernel, DoubleUnaryOperator ref, float[] xs, float[] ys, int n) {
        kernel.apply(xs, 0, ys, 0, n);
        double max = 0;
        for (int i = 0; i < n; i++) {
            double e = ulpError(ys[i], ref.applyAsDouble(xs[i]));
            if (!(e <= MAX_ULP)) {
                throw new AssertionError("error " + e + " ulp at x=" + xs[i] + ": got " + ys[i] + ", reference "
                        + ref.applyAsDouble(xs[i]));
            }
            max = Math.max(max, e);
        }
        return max;
    }

    @Test
    void sampledSweepWithinTwoUlpOnTheActivePath() {
        assertThat(sweep(Activations::tanh, Math::tanh, -20f, 20f, 4099)).isLessThanOrEqualTo(MAX_ULP);
        assertThat(sweep(Activations::sigmoid, FastMathTest::sigmoidRef, -20f, 20f, 4099)).isLessThanOrEqualTo(MAX_ULP);
        assertThat(sweep(Activations::sigmoid, FastMathTest::sigmoidRef, -104f, 89f, 65537)).isLessThanOrEqualTo(MAX_ULP);
        assertThat(sweep(Activations::exp, Math::exp, -88f, 88f, 4099)).isLessThanOrEqualTo(MAX_ULP);
        assertThat(sweep(Activations::exp, Math::exp, -104f, -87f, 257)).isLessThanOrEqualTo(MAX_ULP);
    }

    @Test
    void sampledSweepWithinTwoUlpOnTheScalarImplementation() {
        assertThat(sweep(FastMath::tanh, Math::tanh, -20f, 20f, 8191)).isLessThanOrEqualTo(MAX_ULP);
        assertThat(sweep(FastMath::sigmoid, FastMathTest::sigmoidRef, -20f, 20f, 8191)).isLessThanOrEqualTo(MAX_ULP);
        assertThat(sweep(FastMath::exp, Math::exp, -88f, 88f, 8191)).isLessThanOrEqualTo(MAX_ULP);
    }

    @Test
    void denseWindowsAroundBranchPoints() {
        // every float near the tanh polynomial/exp switch at 0.55 and near the exp reduction boundaries
        assertThat(sweep(Activations::tanh, Math::tanh, 0.5f, 0.6f, 1)).isLessThanOrEqualTo(MAX_ULP);
        assertThat(sweep(Activations::tanh, Math::tanh, 8.9f, 9.2f, 1)).isLessThanOrEqualTo(MAX_ULP);
        assertThat(sweep(Activations::exp, Math::exp, 88.5f, 89f, 1)).isLessThanOrEqualTo(MAX_ULP);
        assertThat(sweep(Activations::exp, Math::exp, 0.3f, 0.4f, 1)).isLessThanOrEqualTo(MAX_ULP);
        assertThat(sweep(Activations::sigmoid, FastMathTest::sigmoidRef, 6f, 6.6f, 3)).isLessThanOrEqualTo(MAX_ULP);
        assertThat(sweep(Activations::tanh, Math::tanh, 0f, 1e-3f, 17)).isLessThanOrEqualTo(MAX_ULP);
    }

    @Test
    void specialValues() {
        float inf = Float.POSITIVE_INFINITY;
        for (FloatFn exp : new FloatFn[] {FastMath::exp, x -> viaKernel(Activations::exp, x)}) {
            assertThat(exp.apply(0f)).isEqualTo(1f);
            assertThat(exp.apply(-0f)).isEqualTo(1f);
            assertThat(exp.apply(1f)).isEqualTo((float) Math.E);
            assertThat(exp.apply(inf)).isEqualTo(inf);
            assertThat(exp.apply(-inf)).isEqualTo(0f);
            assertThat(exp.apply(Float.NaN)).isNaN();
            assertThat(exp.apply(88.72284f)).isEqualTo(inf);       // just above ln(MAX_VALUE)
            assertThat(exp.apply(88.7228f)).isEqualTo((float) Math.exp(88.7228f));
            assertThat(exp.apply(1e30f)).isEqualTo(inf);
            assertThat(exp.apply(-104f)).isEqualTo(0f);
            assertThat(exp.apply(-103.9f)).isEqualTo((float) Math.exp(-103.9f));   // subnormal
            assertThat(exp.apply(-100f)).isEqualTo((float) Math.exp(-100f));
            assertThat(exp.apply(-1e30f)).isEqualTo(0f);
            assertThat(exp.apply(Float.MIN_VALUE)).isEqualTo(1f);
        }
        for (FloatFn tanh : new FloatFn[] {FastMath::tanh, x -> viaKernel(Activations::tanh, x)}) {
            assertThat(Float.floatToRawIntBits(tanh.apply(0f))).isZero();
            assertThat(Float.floatToRawIntBits(tanh.apply(-0f))).isEqualTo(0x80000000);
            assertThat(tanh.apply(inf)).isEqualTo(1f);
            assertThat(tanh.apply(-inf)).isEqualTo(-1f);
            assertThat(tanh.apply(Float.NaN)).isNaN();
            assertThat(tanh.apply(10f)).isEqualTo(1f);
            assertThat(tanh.apply(-1e30f)).isEqualTo(-1f);
            assertThat(tanh.apply(1e-20f)).isEqualTo(1e-20f);          // tanh(x) = x for tiny x
            assertThat(tanh.apply(-3e-8f)).isEqualTo(-3e-8f);
            assertThat(tanh.apply(Float.MIN_VALUE)).isEqualTo(Float.MIN_VALUE);
            assertThat(tanh.apply(-Float.MIN_NORMAL)).isEqualTo(-Float.MIN_NORMAL);
        }
        for (FloatFn sig : new FloatFn[] {FastMath::sigmoid, x -> viaKernel(Activations::sigmoid, x)}) {
            assertThat(sig.apply(0f)).isEqualTo(0.5f);
            assertThat(sig.apply(-0f)).isEqualTo(0.5f);
            assertThat(sig.apply(inf)).isEqualTo(1f);
            assertThat(sig.apply(-inf)).isEqualTo(0f);
            assertThat(sig.apply(Float.NaN)).isNaN();
            assertThat(sig.apply(100f)).isEqualTo(1f);
            assertThat(sig.apply(-100f)).isEqualTo((float) Math.exp(-100));   // no overflow, tiny result
            assertThat(sig.apply(-120f)).isEqualTo(0f);
        }
        for (FloatFn relu : new FloatFn[] {FastMath::relu, x -> viaKernel(Activations::relu, x)}) {
            assertThat(relu.apply(-1f)).isEqualTo(0f);
            assertThat(Float.floatToRawIntBits(relu.apply(-0f))).isZero();
            assertThat(relu.apply(2.5f)).isEqualTo(2.5f);
            assertThat(relu.apply(Float.NaN)).isNaN();
            assertThat(relu.apply(inf)).isEqualTo(inf);
            assertThat(relu.apply(-inf)).isEqualTo(0f);
        }
    }

    /**
     * The vector loops give the scalar functions' bits on every input: every 4099th bit pattern of both
     * signs, the neighbours of the clamp bounds of {@code exp}'s argument (and of half of them, where
     * {@code tanh} takes {@code exp(2|x|)}), and the special values. Only the vector execution has a
     * second implementation to compare; the scalar execution's array kernels are loops over these same
     * scalar functions (covered by the ulp sweeps above).
     */
    @Test
    void vectorKernelsMatchTheScalarFunctionsBitwise() {
        if (!Simd.vectorEnabled()) {
            return;
        }
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE};
        float[] bounds = {FastMath.EXP_MIN_ARG, -FastMath.EXP_MIN_ARG, FastMath.EXP_MIN_ARG / 2, -FastMath.EXP_MIN_ARG / 2,
            FastMath.EXP_MAX_ARG, -FastMath.EXP_MAX_ARG, FastMath.EXP_MAX_ARG / 2, -FastMath.EXP_MAX_ARG / 2};
        int sweep = (int) (0x1_0000_0000L / 4099) + 1;
        float[] src = new float[sweep + 17 * bounds.length + special.length];
        int n = 0;
        for (long bits = 0; bits <= 0xFFFFFFFFL; bits += 4099) {
            src[n++] = Float.intBitsToFloat((int) bits);
        }
        for (float b : bounds) {
            float x = b;
            for (int i = 0; i < 8; i++) {
                x = Math.nextDown(x);
            }
            for (int i = 0; i < 17; i++, x = Math.nextUp(x)) {
                src[n++] = x;
            }
        }
        for (float x : special) {
            src[n++] = x;
        }
        assertThat(n).isEqualTo(src.length);
        float[] dst = new float[src.length];
        ArrayKernel[] kernels = {VectorMath::exp, VectorMath::tanh, VectorMath::sigmoid};
        FloatFn[] scalars = {FastMath::exp, FastMath::tanh, FastMath::sigmoid};
        String[] names = {"exp", "tanh", "sigmoid"};
        for (int f = 0; f < kernels.length; f++) {
            kernels[f].apply(src, 0, dst, 0, src.length);
            for (int i = 0; i < src.length; i++) {
                float expected = scalars[f].apply(src[i]);
                if (Float.floatToRawIntBits(dst[i]) != Float.floatToRawIntBits(expected)
                        && !(Float.isNaN(dst[i]) && Float.isNaN(expected))) {
                    throw new AssertionError(names[f] + "(" + src[i] + "): vector " + dst[i] + ", scalar " + expected);
                }
            }
        }
    }

    /**
     * {@link Activations#addRows} adds the row to every row of the block, element by element (each sum
     * checked against {@code (double) a + row}, which rounds to the same float), leaves everything
     * around the block alone, and throws before writing when a range does not fit.
     */
    @Test
    void addRowsAddsTheRowToEachRowOfTheBlockOnly() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int[] shape : new int[][] {{0, 16}, {3, 0}, {1, 1}, {2, 15}, {3, 16}, {4, 17}, {5, 48}, {2, 100}, {1, 1003}}) {
            int rows = shape[0];
            int g = shape[1];
            float[] a = new float[rows * g + 10];
            float[] row = new float[g + 3];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rng.nextGaussian();
            }
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) rng.nextGaussian();
            }
            row[rng.nextInt(row.length)] = Float.NaN;
            float[] before = a.clone();
            Activations.addRows(a, 4, row, 2, rows, g);
            for (int i = 0; i < a.length; i++) {
                int k = i - 4;
                float expected = k >= 0 && k < rows * g
                        ? (float) ((double) before[i] + row[2 + k % g]) : before[i];
                assertThat(Float.floatToIntBits(a[i])).as("rows=%d g=%d i=%d", rows, g, i)
                        .isEqualTo(Float.floatToIntBits(expected));
            }
            float[] copy = a.clone();
            assertThatThrownBy(() -> Activations.addRows(copy, 11, row, 2, rows, g))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> Activations.addRows(copy, 0, row, 4, rows, g))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(copy).isEqualTo(a);
        }
        assertThatThrownBy(() -> Activations.addRows(new float[4], 0, new float[2], 0, -1, 2))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("got (-1, 2)");
    }

    /**
     * {@link Activations#columnSums} sums each column in {@code double}, row by row from row 0, and rounds
     * once: checked bitwise against that sum written column by column here. Columns that start with
     * {@code 1e8, 1, -1e8} come out wrong from a float accumulator, and columns that start with
     * {@code 1e17, 1, -1e17} from a double one that adds the rows in another order.
     * Only the {@code (rows, cols)} block at the offset is read; bad ranges throw before writing.
     */
    @Test
    void columnSumsAddEachColumnInDoubleRowByRow() {
        SplittableRandom rng = new SplittableRandom(12);
        for (int[] shape : new int[][] {{0, 16}, {3, 0}, {1, 1}, {5, 7}, {4, 8}, {6, 15}, {7, 16}, {9, 17},
            {3, 33}, {40, 1539}}) {
            int rows = shape[0];
            int cols = shape[1];
            float[] a = new float[rows * cols + 9];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rng.nextGaussian();
            }
            for (int j = 0; j < cols && rows >= 3; j++) {
                float big = j % 2 == 0 ? 1e8f : 1e17f;
                a[5 + j] = big;
                a[5 + cols + j] = 1f;
                a[5 + 2 * cols + j] = -big;
            }
            double[] acc = new double[cols + 2];
            float[] sums = new float[cols + 2];
            Arrays.fill(sums, 42f);
            Activations.columnSums(a, 5, rows, cols, acc, sums);
            for (int j = 0; j < cols; j++) {
                double s = 0;
                for (int r = 0; r < rows; r++) {
                    s += a[5 + r * cols + j];
                }
                assertThat(Float.floatToIntBits(sums[j])).as("rows=%d cols=%d j=%d", rows, cols, j)
                        .isEqualTo(Float.floatToIntBits((float) s));
            }
            assertThat(sums[cols]).isEqualTo(42f);
            float[] copy = sums.clone();
            assertThatThrownBy(() -> Activations.columnSums(a, 10, rows, cols, acc, copy))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            if (cols > 0) {
                assertThatThrownBy(() -> Activations.columnSums(a, 0, rows, cols, new double[cols], new float[cols - 1]))
                        .isInstanceOf(IndexOutOfBoundsException.class);
            }
            assertThat(copy).isEqualTo(sums);
        }
        assertThatThrownBy(() -> Activations.columnSums(new float[4], 0, -1, 2, new double[2], new float[2]))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("got (-1, 2)");
    }

    /** Runs x through an array kernel in the middle of a vector-length-filling array. */
    private static float viaKernel(ArrayKernel k, float x) {
        float[] src = new float[67];
        java.util.Arrays.fill(src, x);
        float[] dst = new float[67];
        k.apply(src, 0, dst, 0, 67);
        for (int i = 1; i < 67; i++) {
            assertThat(Float.floatToIntBits(dst[i])).isEqualTo(Float.floatToIntBits(dst[0]));
        }
        return dst[33];
    }

    @Test
    void vectorAndScalarPathsAreBitwiseIdentical() {
        SplittableRandom rng = TestSupport.rng(11);
        int n = 100_003;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            int kind = rng.nextInt(4);
            x[i] = kind == 0 ? Float.intBitsToFloat(rng.nextInt())                 // any bit pattern
                    : kind == 1 ? (float) (rng.nextDouble() * 40 - 20)
                    : kind == 2 ? (float) (rng.nextDouble() * 200 - 105)
                    : (float) ((rng.nextDouble() - 0.5) * 1e-3);
        }
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 0.55f, -0.55f, 88.72284f, -104f, -103.97f, 9.01f};
        System.arraycopy(special, 0, x, 0, special.length);
        ArrayKernel[][] pairs = {
            {FastMath::exp, Activations::exp}, {FastMath::tanh, Activations::tanh},
            {FastMath::sigmoid, Activations::sigmoid}, {FastMath::relu, Activations::relu}};
        for (ArrayKernel[] pair : pairs) {
            float[] scalar = new float[n];
            float[] active = new float[n];
            pair[0].apply(x, 0, scalar, 0, n);
            pair[1].apply(x, 0, active, 0, n);
            for (int i = 0; i < n; i++) {
                assertThat(Float.floatToIntBits(active[i])).as("x=%s", x[i]).isEqualTo(Float.floatToIntBits(scalar[i]));
            }
        }
        if (Simd.vectorEnabled()) {
            // the vector implementation proper, called directly, not only through the dispatcher
            ArrayKernel[][] direct = {
                {FastMath::exp, VectorMathCalls::exp}, {FastMath::tanh, VectorMathCalls::tanh},
                {FastMath::sigmoid, VectorMathCalls::sigmoid}, {FastMath::relu, VectorMathCalls::relu}};
            for (ArrayKernel[] pair : direct) {
                float[] scalar = new float[n];
                float[] vec = new float[n];
                pair[0].apply(x, 0, scalar, 0, n);
                pair[1].apply(x, 0, vec, 0, n);
                for (int i = 0; i < n; i++) {
                    assertThat(Float.floatToIntBits(vec[i])).as("x=%s", x[i]).isEqualTo(Float.floatToIntBits(scalar[i]));
                }
            }
        }
    }

    @Test
    void kernelsHonourOffsetsTailsAndInPlace() {
        SplittableRandom rng = TestSupport.rng(12);
        float[] x = TestSupport.uniform(rng, 53);
        for (int n : new int[] {0, 1, 7, 16, 17, 33, 40}) {
            float[] dst = new float[60];
            java.util.Arrays.fill(dst, -7f);
            Activations.tanh(x, 5, dst, 11, n);
            for (int i = 0; i < 60; i++) {
                float expected = i >= 11 && i < 11 + n ? FastMath.tanh(x[5 + i - 11]) : -7f;
                assertThat(dst[i]).isEqualTo(expected);
            }
        }
        float[] y = x.clone();
        Activations.sigmoid(y, 3, y, 3, 40);
        for (int i = 0; i < 53; i++) {
            assertThat(y[i]).isEqualTo(i >= 3 && i < 43 ? FastMath.sigmoid(x[i]) : x[i]);
        }
        assertThatThrownBy(() -> Activations.exp(x, 50, new float[10], 0, 5))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Activations.relu(x, 0, new float[10], 6, 5))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Activations.tanh(x, 0, new float[10], 0, -1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Activations.tanh(null, 0, new float[10], 0, 1))
                .isInstanceOf(NullPointerException.class).hasMessage("src");
    }

    /**
     * {@code (dh + dOut)·(1 − h²)} with every operation rounded to float in that order, no FMA: each step
     * is computed in double and rounded once, which is the float operation's result (53 ≥ 2·24 + 2), so
     * the reference is independent of either path. Both the dispatcher and the vector loop itself.
     */
    @Test
    void tanhBackwardRoundsEachOperationInOrder() {
        float[] specialH = {0f, -0f, Float.NaN, 1f, -1f, 0.99999994f, 1e-20f, Float.POSITIVE_INFINITY, 3e19f};
        float[] specialG = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 1e38f};
        checkBackward(TestSupport.rng(14), specialH, specialG, 1, true, Activations::tanhBackward,
                VectorMathCalls::tanhBackward, (dh, dOut, y) -> {
                    float sum = (float) ((double) dh + (double) dOut);
                    float slope = (float) (1.0 - (float) ((double) y * y));
                    return (float) ((double) sum * (double) slope);
                });
    }

    @Test
    void reluBackwardSelectsTheSumWhereTheOutputIsPositiveOrNaN() {
        float[] specialH = {0f, -0f, Float.NaN, 1e-45f, -1f, Float.POSITIVE_INFINITY, 3f};
        float[] specialG = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 1f};
        // the double sum rounded to float is the float sum: double rounding is harmless for + (53 >= 2·24 + 2)
        checkBackward(TestSupport.rng(13), specialH, specialG, 2, false, Activations::reluBackward,
                VectorMathCalls::reluBackward,
                (dh, dOut, y) -> !(y > 0) && !Float.isNaN(y) ? 0f : (float) ((double) dh + (double) dOut));
    }

    /** An activation backward {@code dA = f(dh, dOut, h)} as {@link Activations} and {@link VectorMath} take it. */
    private interface BackwardKernel {
        void run(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff, float[] dA, int dAOff, int n);
    }

    /** The expected {@code dA} element from one element of each input. */
    private interface BackwardReference {
        float at(float dh, float dOut, float h);
    }

    /**
     * Runs {@code dispatch} (and, on the vector path, the vector loop itself) at offsets on lengths around
     * the vector width, inputs sprinkled with special values, and compares every element bitwise with
     * {@code reference}; the elements around the written range must stay untouched.
     *
     * @param hRange {@code h} is uniform in {@code (−hRange, hRange)} where not special
     * @param specialOut whether {@code dOut} gets special values too
     */
    private static void checkBackward(SplittableRandom rng, float[] specialH, float[] specialG, double hRange,
                                      boolean specialOut, BackwardKernel dispatch, BackwardKernel vector,
                                      BackwardReference reference) {
        for (int n : new int[] {0, 1, 15, 16, 17, 48, 100, 1003}) {
            float[] h = new float[n + 9];
            float[] dh = new float[n + 9];
            float[] dOut = new float[n + 9];
            for (int i = 0; i < h.length; i++) {
                boolean special = rng.nextInt(5) == 0;
                h[i] = special ? specialH[rng.nextInt(specialH.length)] : (float) ((rng.nextDouble() * 2 - 1) * hRange);
                dh[i] = special && rng.nextBoolean() ? specialG[rng.nextInt(specialG.length)] : (float) rng.nextGaussian();
                dOut[i] = specialOut && special && rng.nextBoolean() ? specialG[rng.nextInt(specialG.length)]
                        : (float) rng.nextGaussian();
            }
            float[] paths = Simd.vectorEnabled() ? new float[2 * (n + 20)] : new float[n + 20];
            java.util.Arrays.fill(paths, -7f);
            dispatch.run(dh, 2, dOut, 5, h, 4, paths, 3, n);
            if (Simd.vectorEnabled()) {   // the vector loop itself, not only the dispatcher
                vector.run(dh, 2, dOut, 5, h, 4, paths, n + 20 + 3, n);
            }
            for (int copy = 0; copy < paths.length / (n + 20); copy++) {
                int base = copy * (n + 20);
                for (int i = 0; i < n + 20; i++) {
                    float got = paths[base + i];
                    if (i < 3 || i >= 3 + n) {
                        assertThat(got).as("untouched %d", i).isEqualTo(-7f);
                        continue;
                    }
                    int k = i - 3;
                    float expected = reference.at(dh[2 + k], dOut[5 + k], h[4 + k]);
                    assertThat(Float.floatToIntBits(got)).as("copy %d n=%d i=%d h=%s dh=%s dOut=%s", copy, n, k,
                            h[4 + k], dh[2 + k], dOut[5 + k]).isEqualTo(Float.floatToIntBits(expected));
                }
            }
        }
    }

    @Test
    void pathMatchesTheSurefireExecution() {
        // pass 1 runs with -Djrnn.simd=vector and the module, pass 2 without the module
        String requested = System.getProperty(Simd.PROPERTY, "auto");
        if (!Simd.moduleAvailable() || requested.equals("scalar")) {
            assertThat(Simd.vectorEnabled()).isFalse();
        }
        if (requested.equals("vector")) {
            assertThat(Simd.vectorEnabled()).isTrue();
        }
    }
}
