package dev.jrnn.tensor;

import dev.jrnn.TestSupport;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleBinaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Elementwise ops, broadcasting, reductions, cat/stack and comparisons, each checked against naive
 * double loops over explicit indices in this file.
 */
class TensorOpsTest {

    static Tensor random(SplittableRandom rng, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return Tensor.of(TestSupport.uniform(rng, n), shape);
    }

    /** A (2, 3, 4) tensor whose layout is not contiguous: a permuted, narrowed view of a larger base. */
    static Tensor nonContiguous(SplittableRandom rng) {
        Tensor base = random(rng, 5, 4, 3);                  // (5, 4, 3)
        Tensor v = base.narrow(0, 1, 2).permute(0, 2, 1);      // (2, 3, 4), strides (12, 1, 3)
        assertThat(v.isContiguous()).isFalse();
        return v;
    }

    /** Reads t at the right-aligned, broadcast index {@code idx} of a result of rank idx.length. */
    static double at(Tensor t, int[] idx) {
        int[] shape = t.shape();
        int lead = idx.length - shape.length;
        int[] own = new int[shape.length];
        for (int d = 0; d < shape.length; d++) {
            own[d] = shape[d] == 1 ? 0 : idx[d + lead];
        }
        return t.get(own);
    }

    static void forEachIndex(int[] shape, java.util.function.Consumer<int[]> body) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        int[] idx = new int[shape.length];
        for (int i = 0; i < n; i++) {
            int r = i;
            for (int d = shape.length - 1; d >= 0; d--) {
                idx[d] = r % shape[d];
                r /= shape[d];
            }
            body.accept(idx.clone());
        }
    }

    static void checkBinary(Tensor actual, Tensor a, Tensor b, int[] expectedShape, DoubleBinaryOperator f) {
        assertThat(actual.shape()).containsExactly(expectedShape);
        assertThat(actual.isContiguous()).isTrue();
        forEachIndex(expectedShape, idx -> {
            float expected = (float) f.applyAsDouble(at(a, idx), at(b, idx));
            assertThat(actual.get(idx)).as("at %s", java.util.Arrays.toString(idx)).isEqualTo(expected);
        });
    }

    @Test
    void binaryOpsBroadcastAgainstNaiveLoops() {
        SplittableRandom rng = TestSupport.rng(1);
        Tensor a = random(rng, 2, 3, 4);
        Tensor[] others = {random(rng, 2, 3, 4), random(rng, 4), random(rng, 3, 1), random(rng, 1, 3, 1),
                Tensor.scalar(0.75f), nonContiguous(rng), random(rng, 2, 1, 4).add(2f)};
        for (Tensor b : others) {
            checkBinary(a.add(b), a, b, new int[] {2, 3, 4}, (x, y) -> x + y);
            checkBinary(a.sub(b), a, b, new int[] {2, 3, 4}, (x, y) -> x - y);
            checkBinary(a.mul(b), a, b, new int[] {2, 3, 4}, (x, y) -> x * y);
            checkBinary(a.div(b), a, b, new int[] {2, 3, 4}, (x, y) -> (float) x / (float) y);
            // and swapped, so the broadcasting side is "a"
            checkBinary(b.sub(a), b, a, new int[] {2, 3, 4}, (x, y) -> x - y);
        }
        Tensor col = random(rng, 3, 1);
        Tensor row = random(rng, 1, 5);
        checkBinary(col.mul(row), col, row, new int[] {3, 5}, (x, y) -> x * y);
        Tensor v = random(rng, 5);
        checkBinary(col.add(v), col, v, new int[] {3, 5}, (x, y) -> x + y);
        Tensor s = Tensor.scalar(2f).add(Tensor.scalar(3f));
        assertThat(s.dim()).isZero();
        assertThat(s.item()).isEqualTo(5f);
        Tensor nc = nonContiguous(rng);
        checkBinary(nc.mul(nc), nc, nc, new int[] {2, 3, 4}, (x, y) -> x * y);
    }

    @Test
    void broadcastErrorsLikeTorch() {
        Tensor a = Tensor.zeros(2, 3);
        assertThatThrownBy(() -> a.add(Tensor.zeros(2, 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1");
        assertThatThrownBy(() -> Tensor.zeros(5, 2, 3).mul(Tensor.zeros(4, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 0");
        assertThatThrownBy(() -> a.addInPlace(Tensor.zeros(4, 2, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("addInPlace: output with shape [2, 3] doesn't match the broadcast shape [4, 2, 3]");
        assertThatThrownBy(() -> Tensor.zeros(3, 1).mulInPlace(Tensor.zeros(3, 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mulInPlace: output with shape [3, 1] doesn't match the broadcast shape [3, 4]");
        assertThatThrownBy(() -> a.add((Tensor) null)).isInstanceOf(NullPointerException.class).hasMessage("other");
        assertThatThrownBy(() -> Tensor.zeros(100000, 1).add(Tensor.zeros(1, 100000)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shape [100000, 100000] has more than 2147483639 elements");
    }

    @Test
    void inPlaceOpsOnNonContiguousViews() {
        SplittableRandom rng = TestSupport.rng(2);
        Tensor base = random(rng, 4, 6);
        float[] before = base.toArray();
        Tensor view = base.t().narrow(0, 1, 3);       // (3, 4): base[:, 1:4] transposed
        Tensor b = random(rng, 4);                     // broadcasts along rows of the view
        view.addInPlace(b);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 6; j++) {
                float expected = before[i * 6 + j] + (j >= 1 && j < 4 ? b.get(i) : 0f);
                assertThat(base.get(i, j)).isEqualTo(expected);
            }
        }
        float[] snap = base.toArray();
        Tensor c = random(rng, 3, 1);
        view.subInPlace(c).mulInPlace(c);
        for (int i = 0; i < 4; i++) {
            for (int j = 1; j < 4; j++) {
                float cv = c.get(j - 1, 0);
                assertThat(base.get(i, j)).isEqualTo((snap[i * 6 + j] - cv) * cv);
            }
            assertThat(base.get(i, 0)).isEqualTo(snap[i * 6]);
            assertThat(base.get(i, 5)).isEqualTo(snap[i * 6 + 5]);
        }
        Tensor d = random(rng, 3, 4).add(3f);
        snap = base.toArray();
        view.divInPlace(d);
        assertThat(base.get(2, 3)).isEqualTo(snap[2 * 6 + 3] / d.get(2, 2));
    }

    @Test
    void addScaledInPlaceIsAxpy() {
        SplittableRandom rng = TestSupport.rng(3);
        Tensor y = random(rng, 3, 4);
        float[] y0 = y.toArray();
        Tensor x = nonContiguous(rng).select(0, 1);   // (3, 4) non-contiguous
        y.addScaledInPlace(-0.5f, x);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(y.get(i, j)).isEqualTo(y0[i * 4 + j] + -0.5f * x.get(i, j));
            }
        }
        Tensor z = Tensor.zeros(2, 2).addScaledInPlace(2f, Tensor.of(new float[] {1, 2}, 2));
        assertThat(z.toArray()).containsExactly(2, 4, 2, 4);
    }

    @Test
    void inPlaceWithOverlappingSourceReadsASnapshot() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        a.addInPlace(a.t());                          // torch: a + a.T computed from the old values
        assertThat(a.toArray()).containsExactly(2, 5, 5, 8);
        Tensor b = Tensor.of(new float[] {1, 2, 3, 4}, 4);
        b.narrow(0, 1, 3).copyFromInPlace(b.narrow(0, 0, 3));
        assertThat(b.toArray()).containsExactly(1, 1, 2, 3);
        Tensor c = Tensor.of(new float[] {1, 2, 3}, 3);
        c.mulInPlace(c);
        assertThat(c.toArray()).containsExactly(1, 4, 9);
    }

    @Test
    void scalarAndUnaryOps() {
        SplittableRandom rng = TestSupport.rng(4);
        Tensor nc = nonContiguous(rng);
        float[] v = nc.toArray();
        float[] add = nc.add(1.5f).toArray();
        float[] mul = nc.mul(-3f).toArray();
        float[] neg = nc.neg().toArray();
        float[] abs = nc.abs().toArray();
        for (int i = 0; i < v.length; i++) {
            assertThat(add[i]).isEqualTo(v[i] + 1.5f);
            assertThat(mul[i]).isEqualTo(v[i] * -3f);
            assertThat(neg[i]).isEqualTo(-v[i]);
            assertThat(abs[i]).isEqualTo(Math.abs(v[i]));
        }
        Tensor base = Tensor.of(new float[] {1, -2, 3, -4, 5, -6}, 2, 3);
        base.t().addInPlace(1f).mulInPlace(2f).negInPlace();
        assertThat(base.toArray()).containsExactly(-4, 2, -8, 6, -12, 10);
        base.narrow(1, 0, 2).absInPlace();
        assertThat(base.toArray()).containsExactly(4, 2, -8, 6, 12, 10);
        base.select(1, 2).fillInPlace(7f);
        assertThat(base.toArray()).containsExactly(4, 2, 7, 6, 12, 7);
        base.zeroInPlace();
        assertThat(base.toArray()).containsOnly(0f);
        assertThat(Tensor.scalar(2f).mul(3f).item()).isEqualTo(6f);
    }

    @Test
    void activationsMatchDoubleReferenceOnViews() {
        SplittableRandom rng = TestSupport.rng(5);
        Tensor nc = nonContiguous(rng).mul(6f);
        float[] v = nc.toArray();
        float[] th = nc.tanh().toArray();
        float[] sg = nc.sigmoid().toArray();
        float[] ex = nc.exp().toArray();
        float[] re = nc.relu().toArray();
        for (int i = 0; i < v.length; i++) {
            assertThat((double) th[i]).isCloseTo(Math.tanh(v[i]), within(2.5 * Math.ulp((float) Math.tanh(v[i]))));
            double s = 1 / (1 + Math.exp(-v[i]));
            assertThat((double) sg[i]).isCloseTo(s, within(2.5 * Math.ulp((float) s)));
            assertThat((double) ex[i]).isCloseTo(Math.exp(v[i]), within(2.5 * Math.ulp((float) Math.exp(v[i]))));
            assertThat(re[i]).isEqualTo(v[i] > 0 ? v[i] : 0f);
        }
        // in place, on a non-contiguous view and on a contiguous view with an offset
        Tensor base = Tensor.of(new float[] {-1, 0.5f, 2, -3, 4, 0.25f}, 2, 3);
        base.t().narrow(0, 1, 2).tanhInPlace();       // columns 1 and 2
        assertThat(base.get(0, 0)).isEqualTo(-1f);
        assertThat((double) base.get(1, 2)).isCloseTo(Math.tanh(0.25), within(1e-7));
        base.select(0, 1).sigmoidInPlace();           // contiguous row with offset 3
        assertThat((double) base.get(1, 0)).isCloseTo(1 / (1 + Math.exp(3)), within(1e-8));
        base.select(0, 0).expInPlace();
        assertThat((double) base.get(0, 0)).isCloseTo(Math.exp(-1), within(1e-7));
        Tensor r = Tensor.of(new float[] {-1, 0, -0f, 2, Float.NaN}, 5).reluInPlace();
        assertThat(r.toArray()).containsExactly(0f, 0f, 0f, 2f, Float.NaN);
        assertThat(Float.floatToRawIntBits(r.get(2))).isZero();
        assertThat(Tensor.scalar(0f).exp().item()).isEqualTo(1f);
        assertThat(Tensor.scalar(0f).sigmoid().item()).isEqualTo(0.5f);
        assertThatThrownBy(() -> Tensor.scalar(1f).expand(3).tanhInPlace())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tanhInPlace: unsupported operation");
    }

    @Test
    void derivativesFromOutputs() {
        Tensor y = Tensor.of(new float[] {-0.5f, 0f, 0.25f, 0.9f}, 4);
        Tensor g = Tensor.of(new float[] {2f, -1f, 4f, 0.5f}, 4);
        float[] tg = Tensor.tanhGradFromOutput(y, g).toArray();
        double[] tanhExpected = {2 * 0.75, -1, 4 * (1 - 0.0625), 0.5 * (1 - 0.81)};
        for (int i = 0; i < 4; i++) {
            assertThat((double) tg[i]).isCloseTo(tanhExpected[i], within(1e-7));
        }
        float[] sg = Tensor.sigmoidGradFromOutput(y, g).toArray();
        double[] expected = {2 * -0.5 * 1.5, 0, 4 * 0.25 * 0.75, 0.5 * 0.9 * 0.1};
        for (int i = 0; i < 4; i++) {
            assertThat((double) sg[i]).isCloseTo(expected[i], within(1e-7));
        }
        Tensor ry = Tensor.of(new float[] {0f, -0f, 1e-30f, 3f}, 4);
        Tensor rg = Tensor.of(new float[] {5f, 6f, 7f, 8f}, 4);
        float[] rr = Tensor.reluGradFromOutput(ry, rg).toArray();
        assertThat(rr).containsExactly(0f, 0f, 7f, 8f);
        assertThat(Float.floatToRawIntBits(rr[0])).isZero();
        // broadcasting and non-contiguous gradient
        Tensor y2 = Tensor.of(new float[] {0.5f, -0.5f}, 2, 1);
        Tensor g2 = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2).t();   // (2, 3)
        assertThat(Tensor.tanhGradFromOutput(y2, g2).toArray())
                .containsExactly(0.75f, 2.25f, 3.75f, 1.5f, 3f, 4.5f);
        assertThatThrownBy(() -> Tensor.tanhGradFromOutput(y, null))
                .isInstanceOf(NullPointerException.class).hasMessage("gradY");
        assertThatThrownBy(() -> Tensor.sigmoidGradFromOutput(null, g))
                .isInstanceOf(NullPointerException.class).hasMessage("y");
    }

    @Test
    void sumsAccumulateInDouble() {
        SplittableRandom rng = TestSupport.rng(6);
        Tensor nc = nonContiguous(rng);                         // (2, 3, 4)
        double total = 0;
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    total += nc.get(i, j, k);
                }
            }
        }
        Tensor s = nc.sum();
        assertThat(s.dim()).isZero();
        assertThat(s.item()).isEqualTo((float) total);
        for (int dim = -3; dim < 3; dim++) {
            int d = dim < 0 ? dim + 3 : dim;
            Tensor r = nc.sum(dim);
            Tensor rk = nc.sum(dim, true);
            int[] shape = {2, 3, 4};
            shape[d] = 1;
            assertThat(rk.shape()).containsExactly(shape);
            forEachIndex(shape, idx -> {
                double acc = 0;
                int[] full = idx.clone();
                for (int t = 0; t < nc.size(d); t++) {
                    full[d] = t;
                    acc += nc.get(full);
                }
                assertThat(rk.get(idx)).isEqualTo((float) acc);
            });
            assertThat(r.toArray()).containsExactly(rk.toArray());
            assertThat(r.dim()).isEqualTo(2);
        }
        // double accumulation: 1e8 + 1 + ... + 1 - 1e8 would lose the ones in float
        float[] vals = new float[1002];
        vals[0] = 1e8f;
        java.util.Arrays.fill(vals, 1, 1001, 1f);
        vals[1001] = -1e8f;
        assertThat(Tensor.of(vals, 1002).sum().item()).isEqualTo(1000f);
        assertThat(Tensor.of(vals, 1, 1002).sum(1).item()).isEqualTo(1000f);
        assertThat(Tensor.scalar(3f).sum(0).item()).isEqualTo(3f);
        assertThat(Tensor.scalar(3f).sum(-1, true).dim()).isZero();
        assertThatThrownBy(() -> nc.sum(3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Dimension out of range (expected to be in range of [-3, 2], but got 3)");
    }

    @Test
    void maxPropagatesNaN() {
        assertThat(Tensor.of(new float[] {1, 5, -2}, 3).max().item()).isEqualTo(5f);
        assertThat(Tensor.of(new float[] {-3, -1}, 2, 1).t().max().item()).isEqualTo(-1f);
        assertThat(Tensor.of(new float[] {1, Float.NaN, 9}, 3).max().item()).isNaN();
        assertThatThrownBy(() -> Tensor.zeros(0).max())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max(): Expected reduction dim to be specified for input.numel() == 0.");
    }

    @Test
    void catAndStack() {
        Tensor a = TensorViewTest.iota(2, 3);
        Tensor b = TensorViewTest.iota(3, 2).t().add(10f);     // (2, 3) non-contiguous: 10 12 14 / 11 13 15
        Tensor c0 = Tensor.cat(0, a, b);
        assertThat(c0.shape()).containsExactly(4, 3);
        assertThat(c0.toArray()).containsExactly(0, 1, 2, 3, 4, 5, 10, 12, 14, 11, 13, 15);
        Tensor c1 = Tensor.cat(-1, List.of(a, b, Tensor.zeros(2, 0)));
        assertThat(c1.shape()).containsExactly(2, 6);
        assertThat(c1.toArray()).containsExactly(0, 1, 2, 10, 12, 14, 3, 4, 5, 11, 13, 15);
        assertThatThrownBy(() -> Tensor.cat(1, a, Tensor.zeros(3, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cat: Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3"
                        + " for tensor number 1 in the list.");
        assertThatThrownBy(() -> Tensor.cat(0, a, Tensor.zeros(6)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cat: Tensors must have same number of dimensions: got 2 and 1 (tensor number 1 in the list)");
        assertThatThrownBy(() -> Tensor.cat(0, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cat: expected a non-empty list of Tensors");
        assertThatThrownBy(() -> Tensor.cat(0, Tensor.scalar(1f)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cat: zero-dimensional tensor (at position 0) cannot be concatenated");
        assertThatThrownBy(() -> Tensor.cat(2, a))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Dimension out of range (expected to be in range of [-2, 1], but got 2)");

        Tensor s0 = Tensor.stack(0, a, b);
        assertThat(s0.shape()).containsExactly(2, 2, 3);
        assertThat(s0.get(1, 1, 0)).isEqualTo(11f);
        Tensor s2 = Tensor.stack(-1, a, b);
        assertThat(s2.shape()).containsExactly(2, 3, 2);
        assertThat(s2.toArray()).containsExactly(0, 10, 1, 12, 2, 14, 3, 11, 4, 13, 5, 15);
        assertThat(Tensor.stack(1, List.of(a, b)).toArray()).containsExactly(0, 1, 2, 10, 12, 14, 3, 4, 5, 11, 13, 15);
        assertThatThrownBy(() -> Tensor.stack(0, java.util.Arrays.asList(a, null)))
                .isInstanceOf(NullPointerException.class).hasMessage("tensors[1]");
        Tensor sc = Tensor.stack(0, Tensor.scalar(1f), Tensor.scalar(2f));
        assertThat(sc.shape()).containsExactly(2);
        assertThatThrownBy(() -> Tensor.stack(0, a, Tensor.zeros(2, 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 4] at entry 1");
        assertThatThrownBy(() -> Tensor.stack(3, a, b))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Dimension out of range (expected to be in range of [-3, 2], but got 3)");
        assertThatThrownBy(() -> Tensor.stack(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stack expects a non-empty TensorList");
    }

    @Test
    void copyFromInPlaceBroadcasts() {
        Tensor dst = Tensor.zeros(2, 3);
        dst.copyFromInPlace(Tensor.of(new float[] {1, 2, 3}, 3));
        assertThat(dst.toArray()).containsExactly(1, 2, 3, 1, 2, 3);
        dst.t().copyFromInPlace(Tensor.of(new float[] {7, 8}, 2));
        assertThat(dst.toArray()).containsExactly(7, 7, 7, 8, 8, 8);
        dst.copyFromInPlace(Tensor.scalar(-1f));
        assertThat(dst.toArray()).containsOnly(-1f);
        assertThatThrownBy(() -> dst.copyFromInPlace(Tensor.zeros(3, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1");
        assertThatThrownBy(() -> dst.copyFromInPlace(null)).isInstanceOf(NullPointerException.class).hasMessage("src");
    }

    @Test
    void allCloseFollowsTorchIsclose() {
        Tensor a = Tensor.of(new float[] {1f, 100f, 0f}, 3);
        Tensor b = Tensor.of(new float[] {1.001f, 100.05f, 1e-9f}, 3);
        assertThat(a.allClose(b, 1e-3, 1e-8)).isTrue();     // |1-1.001| = 1e-3 <= 1e-8 + 1e-3 * 1.001
        assertThat(a.allClose(b, 1e-4, 1e-8)).isFalse();
        assertThat(a.allClose(b, 0, 0.06)).isTrue();
        // asymmetric: tolerance scales with |b| (the second argument)
        Tensor x = Tensor.of(new float[] {10f}, 1);
        Tensor y = Tensor.of(new float[] {11f}, 1);
        assertThat(x.allClose(y, 0.095, 0)).isTrue();        // 1 <= 0.095 * 11 = 1.045
        assertThat(y.allClose(x, 0.095, 0)).isFalse();       // 1 > 0.095 * 10
        Tensor nan = Tensor.of(new float[] {Float.NaN}, 1);
        assertThat(nan.allClose(nan, 1, 1)).isFalse();
        Tensor inf = Tensor.of(new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}, 2);
        assertThat(inf.allClose(inf.copy(), 0, 0)).isTrue();
        assertThat(inf.allClose(inf.neg(), 1e30, 1e30)).isFalse();
        assertThat(Tensor.of(new float[] {1e30f}, 1).allClose(inf.narrow(0, 0, 1), 1e30, 1e30)).isFalse();
        // broadcasting
        assertThat(Tensor.ones(2, 3).allClose(Tensor.scalar(1f), 0, 0)).isTrue();
        assertThat(Tensor.ones(2, 3).t().allClose(Tensor.ones(3, 1), 0, 0)).isTrue();
        assertThatThrownBy(() -> Tensor.ones(2, 3).allClose(Tensor.ones(2), 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1");
        assertThatThrownBy(() -> a.allClose(b, -1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("allClose: rtol and atol must be non-negative, got rtol=-1.0, atol=0.0");
        assertThat(Tensor.zeros(0).allClose(Tensor.zeros(0), 0, 0)).isTrue();
    }

    @Test
    void equalityIsIdentityAndContentEqualsComparesBits() {
        Tensor a = Tensor.of(new float[] {1, Float.NaN, 0f}, 3);
        Tensor b = Tensor.of(new float[] {1, Float.NaN, 0f}, 3);
        assertThat(a).isNotEqualTo(b);
        assertThat(a).isEqualTo(a);
        assertThat(a.hashCode()).isEqualTo(System.identityHashCode(a));
        assertThat(a.contentEquals(b)).isTrue();
        assertThat(a.contentEquals(Tensor.of(new float[] {1, Float.NaN, -0f}, 3))).isFalse();
        assertThat(a.contentEquals(b.view(1, 3))).isFalse();
        Tensor m = TensorViewTest.iota(2, 2);
        assertThat(m.t().contentEquals(Tensor.of(new float[] {0, 2, 1, 3}, 2, 2))).isTrue();
    }
}
