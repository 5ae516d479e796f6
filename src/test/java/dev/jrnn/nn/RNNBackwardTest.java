package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.TestSupport;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Backprop-through-time without torch: the double reference ({@link RnnGradReference}) is checked by
 * central finite differences, the fast float path against the reference and, independently, against
 * finite differences of its own forward; plus the API contract (accumulation, errors, truncated BPTT).
 */
class RNNBackwardTest {

    private static Tensor randn(long seed, int... shape) {
        return Tensor.normal(new Generator(seed), 0f, 1f, shape);
    }

    private static Map<String, double[]> paramsOf(Module m) {
        Map<String, double[]> p = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> p.put(k, RNNTest.toDouble(v.toArray())));
        return p;
    }

    private static double[] d(Tensor t) {
        return t == null ? null : RNNTest.toDouble(t.toArray());
    }

    /** max|a − e| / max|e| (absolute when e is all zero). */
    static double relErr(float[] a, double[] e) {
        assertThat(a).hasSize(e.length);
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(e[i]));
            double dd = Math.abs(a[i] - e[i]);
            diff = Double.isNaN(dd) ? Double.POSITIVE_INFINITY : Math.max(diff, dd);
        }
        return scale == 0 ? diff : diff / scale;
    }

    static double relErr(double[] a, double[] e) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(e[i]));
            diff = Math.max(diff, Math.abs(a[i] - e[i]));
        }
        return scale == 0 ? diff : diff / scale;
    }

    // ------------------------------------------------------------------ the double reference vs finite differences

    @Test
    void referenceBackwardMatchesCentralFiniteDifferences() {
        // relu, layers, directions, bias, h0, dropout multipliers, and a loss through output and h_n
        checkReferenceByFiniteDifferences(false, 2, true, true, true, false, 4, 2, 3, 3, 11);
        checkReferenceByFiniteDifferences(true, 2, true, false, true, false, 5, 3, 2, 3, 12);
        checkReferenceByFiniteDifferences(false, 3, false, true, false, true, 3, 2, 2, 2, 13);
        checkReferenceByFiniteDifferences(true, 1, false, true, true, false, 1, 2, 3, 4, 14);
    }

    private static void checkReferenceByFiniteDifferences(boolean relu, int layers, boolean bidir, boolean bias,
                                                          boolean withH0, boolean dropout, int seqLen, int batch,
                                                          int inputSize, int hidden, long seed) {
        RNNConfig cfg = RNNConfig.rnn(inputSize, hidden).withNumLayers(layers).withBidirectional(bidir)
                .withBias(bias).withNonlinearity(relu ? Nonlinearity.RELU : Nonlinearity.TANH);
        Map<String, double[]> params = paramsOf(new RNN(cfg, seed));
        int dirs = bidir ? 2 : 1;
        double[] x = d(randn(seed + 1, seqLen, batch, inputSize));
        double[] h0 = withH0 ? d(randn(seed + 2, dirs * layers, batch, hidden)) : null;
        double[] gOut = d(randn(seed + 3, seqLen, batch, dirs * hidden));
        double[] gHn = d(randn(seed + 4, dirs * layers, batch, hidden));
        double[][] drop = null;
        if (dropout) {
            drop = new double[layers][];
            Generator g = new Generator(seed + 5);
            for (int k = 0; k < layers - 1; k++) {
                drop[k] = new double[seqLen * batch * dirs * hidden];
                for (int i = 0; i < drop[k].length; i++) {
                    drop[k][i] = g.nextFloat() < 0.4f ? 0 : 1 / 0.6;
                }
            }
        }
        final double[][] dropMul = drop;
        RnnGradReference ref = RnnGradReference.run(relu, layers, bidir, hidden, bias, params, x, seqLen, batch,
                inputSize, h0, gOut, gHn, dropMul);
        // the reference forward is the forward reference's
        RnnReference fwd = RnnReference.run(relu, layers, bidir, hidden, bias, params, x, seqLen, batch, inputSize, h0);
        if (!dropout) {
            assertThat(relErr(ref.output, fwd.output)).isLessThan(1e-15);
        }
        double eps = 1e-6;
        java.util.function.DoubleSupplier loss = () -> RnnGradReference.run(relu, layers, bidir, hidden, bias, params,
                x, seqLen, batch, inputSize, h0, gOut, gHn, dropMul).loss(gOut, gHn);
        List<double[]> values = new ArrayList<>(params.values());
        List<double[]> grads = new ArrayList<>(ref.paramGrads.values());
        values.add(x);
        grads.add(ref.input);
        if (h0 != null) {
            values.add(h0);
            grads.add(ref.h0);
        }
        for (int v = 0; v < values.size(); v++) {
            double[] val = values.get(v);
            double[] fd = new double[val.length];
            for (int i = 0; i < val.length; i++) {
                double keep = val[i];
                val[i] = keep + eps;
                double up = loss.getAsDouble();
                val[i] = keep - eps;
                double down = loss.getAsDouble();
                val[i] = keep;
                fd[i] = (up - down) / (2 * eps);
            }
            assertThat(relErr(grads.get(v), fd)).as("tensor %d of %s", v, cfg).isLessThan(1e-6);
        }
    }

    // ------------------------------------------------------------------ the fast path vs the reference

    @Test
    void fastPathMatchesTheDoubleReference() {
        checkAgainstReference(RNNConfig.rnn(5, 7).withNumLayers(2).withBidirectional(true), 6, 3, true, true, true, 21);
        checkAgainstReference(RNNConfig.rnn(5, 7).withNonlinearity("relu").withNumLayers(3), 6, 3, true, true, false, 22);
        checkAgainstReference(RNNConfig.rnn(4, 6).withBatchFirst(true).withBias(false).withBidirectional(true), 9, 2,
                false, true, true, 23);
        checkAgainstReference(RNNConfig.rnn(3, 5).withNumLayers(2), 1, 4, true, false, true, 24);
        checkAgainstReference(RNNConfig.rnn(3, 8).withNumLayers(2).withBidirectional(true).withNonlinearity("relu"),
                60, 2, true, true, true, 25);
        checkAgainstReference(RNNConfig.rnn(33, 40).withNumLayers(2).withBatchFirst(true), 20, 13, true, true, true, 26);
        // dropout between layers: the backward uses the forward's mask and scale
        checkAgainstReference(RNNConfig.rnn(5, 6).withNumLayers(3).withBidirectional(true).withDropout(0.5), 7, 3,
                true, true, true, 27);
        checkAgainstReference(RNNConfig.rnn(5, 6).withNumLayers(2).withDropout(0.3).withNonlinearity("relu"), 7, 3,
                false, true, true, 28);
        checkAgainstReference(RNNConfig.rnn(5, 6).withNumLayers(2).withDropout(1.0), 4, 2, true, true, true, 29);
    }

    @Test
    void unbatchedFastPathMatchesTheDoubleReference() {
        RNNConfig cfg = RNNConfig.rnn(4, 5).withNumLayers(2).withBidirectional(true).withBatchFirst(true);
        RNN rnn = new RNN(cfg, 31);
        Tensor x = randn(32, 7, 4);
        Tensor h0 = randn(33, 4, 5);
        RNNOutput out = rnn.forwardUnbatched(x, h0);
        Tensor gOut = randn(34, 7, 10);
        Tensor gHn = randn(35, 4, 5);
        RNNGradients g = out.backward(gOut, gHn);
        assertThat(g.input().shape()).containsExactly(7, 4);
        assertThat(g.h0().shape()).containsExactly(4, 5);
        RnnGradReference ref = RnnGradReference.run(false, 2, true, 5, true, paramsOf(rnn), d(x), 7, 1, 4, d(h0),
                d(gOut), d(gHn), null);
        assertThat(relErr(g.input().toArray(), ref.input)).isLessThan(1e-5);
        assertThat(relErr(g.h0().toArray(), ref.h0)).isLessThan(1e-5);
        for (Parameter p : rnn.parameters()) {
            assertThat(relErr(p.grad().toArray(), ref.paramGrads.get(p.name()))).as(p.name()).isLessThan(1e-5);
        }
    }

    private static void checkAgainstReference(RNNConfig cfg, int seqLen, int batch, boolean withH0, boolean withGOut,
                                              boolean withGHn, long seed) {
        RNN rnn = new RNN(cfg, seed);
        int dirs = cfg.numDirections();
        int hidden = cfg.hiddenSize();
        int layers = cfg.numLayers();
        Tensor x = cfg.batchFirst() ? randn(seed + 1, batch, seqLen, cfg.inputSize())
                : randn(seed + 1, seqLen, batch, cfg.inputSize());
        Tensor h0 = withH0 ? randn(seed + 2, dirs * layers, batch, hidden) : null;
        RNNOutput out = rnn.forward(x, h0);
        Tensor gOut = withGOut ? randn(seed + 3, out.output().shape()) : null;
        Tensor gHn = withGHn ? randn(seed + 4, out.hN().shape()) : null;
        double[][] drop = null;
        if (cfg.dropout() > 0) {
            ForwardRecord r = out.record();
            drop = new double[layers][];
            double scale = (float) (1.0 / (1.0 - cfg.dropout()));
            for (int k = 0; k < layers - 1; k++) {
                boolean[] keep = r.keep[k];
                drop[k] = new double[keep.length];
                for (int i = 0; i < keep.length; i++) {
                    drop[k][i] = keep[i] ? scale : 0;
                }
            }
        }
        RNNGradients g = out.backward(gOut, gHn);

        Tensor xt = cfg.batchFirst() ? x.transpose(0, 1) : x;
        Tensor gOutT = gOut == null ? null : cfg.batchFirst() ? gOut.transpose(0, 1) : gOut;
        RnnGradReference ref = RnnGradReference.run(cfg.mode() == Mode.RNN_RELU, layers, cfg.bidirectional(), hidden,
                cfg.bias(), paramsOf(rnn), d(xt), seqLen, batch, cfg.inputSize(), d(h0), d(gOutT), d(gHn), drop);
        Tensor gradInputT = cfg.batchFirst() ? g.input().transpose(0, 1) : g.input();
        assertThat(g.input().shape()).isEqualTo(x.shape());
        assertThat(g.h0().shape()).isEqualTo(out.hN().shape());
        double tol = 1e-5;
        assertThat(relErr(gradInputT.toArray(), ref.input)).as("input %s", cfg).isLessThan(tol);
        assertThat(relErr(g.h0().toArray(), ref.h0)).as("h0 %s", cfg).isLessThan(tol);
        for (Parameter p : rnn.parameters()) {
            assertThat(relErr(p.grad().toArray(), ref.paramGrads.get(p.name()))).as("%s %s", p.name(), cfg)
                    .isLessThan(tol);
        }
    }

    // ------------------------------------------------------------------ the fast path vs its own finite differences

    @Test
    void fastPathMatchesFiniteDifferencesOfItsOwnForward() {
        RNNConfig cfg = RNNConfig.rnn(3, 4).withNumLayers(2).withBidirectional(true);
        RNN rnn = new RNN(cfg, 41);
        Tensor x = randn(42, 5, 2, 3);
        Tensor h0 = randn(43, 4, 2, 4);
        Tensor gOut = randn(44, 5, 2, 8);
        Tensor gHn = randn(45, 4, 2, 4);
        RNNGradients g = rnn.forward(x, h0).backward(gOut, gHn);
        float eps = 1e-2f;
        java.util.function.DoubleSupplier loss = () -> {
            RNNOutput o = rnn.forward(x, h0);
            return dot(o.output(), gOut) + dot(o.hN(), gHn);
        };
        List<Tensor> values = new ArrayList<>();
        List<Tensor> grads = new ArrayList<>();
        for (Parameter p : rnn.parameters()) {
            values.add(p.data());
            grads.add(p.grad());
        }
        values.add(x);
        grads.add(g.input());
        values.add(h0);
        grads.add(g.h0());
        for (int v = 0; v < values.size(); v++) {
            Tensor t = values.get(v);
            float[] flat = t.toArray();
            double[] fd = new double[flat.length];
            for (int i = 0; i < flat.length; i++) {
                int[] idx = unravel(i, t.shape());
                float keep = flat[i];
                t.set(keep + eps, idx);
                double up = loss.getAsDouble();
                t.set(keep - eps, idx);
                double down = loss.getAsDouble();
                t.set(keep, idx);
                fd[i] = (up - down) / (2.0 * eps);
            }
            assertThat(relErr(grads.get(v).toArray(), fd)).as("tensor %d", v).isLessThan(2e-3);
        }
    }

    private static double dot(Tensor a, Tensor b) {
        float[] x = a.toArray();
        float[] y = b.toArray();
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (double) x[i] * y[i];
        }
        return s;
    }

    private static int[] unravel(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int k = shape.length - 1; k >= 0; k--) {
            idx[k] = flat % shape[k];
            flat /= shape[k];
        }
        return idx;
    }

    // ------------------------------------------------------------------ contract

    @Test
    void biasGradientsAreIdenticalAndAccumulateUntilZeroGrad() {
        RNN rnn = RNN.stackedBiRNN(3, 4, 2);
        Tensor x = randn(51, 5, 2, 3);
        Tensor gOut = randn(52, 5, 2, 8);
        rnn.forward(x).backward(gOut, null);
        Map<String, float[]> once = new LinkedHashMap<>();
        for (Parameter p : rnn.parameters()) {
            once.put(p.name(), p.grad().toArray());
        }
        for (String sfx : List.of("_l0", "_l0_reverse", "_l1", "_l1_reverse")) {
            assertThat(once.get("bias_ih" + sfx)).containsExactly(once.get("bias_hh" + sfx));
            assertThat(once.get("bias_ih" + sfx)).isNotEqualTo(new float[4]);
        }
        rnn.forward(x).backward(gOut, null);
        for (Parameter p : rnn.parameters()) {
            float[] twice = p.grad().toArray();
            float[] one = once.get(p.name());
            for (int i = 0; i < one.length; i++) {
                assertThat(twice[i]).as(p.name()).isEqualTo(one[i] + one[i]);
            }
        }
        rnn.zeroGrad();
        for (Parameter p : rnn.parameters()) {
            assertThat(p.grad().toArray()).containsOnly(0f);
        }
    }

    @Test
    void gradientsThroughOutputAndHnAdd() {
        RNN rnn = RNN.stackedBiRNN(3, 4, 2);
        Tensor x = randn(61, 5, 2, 3);
        Tensor gOut = randn(62, 5, 2, 8);
        Tensor gHn = randn(63, 4, 2, 4);
        RNNGradients both = rnn.forward(x).backward(gOut, gHn);
        Map<String, float[]> sum = grads(rnn);
        rnn.zeroGrad();
        RNNGradients a = rnn.forward(x).backward(gOut, null);
        Map<String, float[]> ga = grads(rnn);
        rnn.zeroGrad();
        RNNGradients b = rnn.forward(x).backward(null, gHn);
        Map<String, float[]> gb = grads(rnn);
        assertSumClose(both.input().toArray(), a.input().toArray(), b.input().toArray());
        assertSumClose(both.h0().toArray(), a.h0().toArray(), b.h0().toArray());
        for (String k : sum.keySet()) {
            assertSumClose(sum.get(k), ga.get(k), gb.get(k));
        }
        rnn.zeroGrad();
        RNNGradients none = rnn.forward(x).backward(null, null);
        assertThat(none.input().toArray()).containsOnly(0f);
        assertThat(grads(rnn).get("weight_hh_l0")).containsOnly(0f);
    }

    private static Map<String, float[]> grads(Module m) {
        Map<String, float[]> g = new LinkedHashMap<>();
        for (Parameter p : m.parameters()) {
            g.put(p.name(), p.grad().toArray());
        }
        return g;
    }

    private static void assertSumClose(float[] sum, float[] a, float[] b) {
        double scale = 1e-30;
        for (float v : sum) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < sum.length; i++) {
            assertThat(Math.abs(sum[i] - (a[i] + b[i])) / scale).isLessThan(1e-5);
        }
    }

    @Test
    void reluDerivativeAtExactlyZeroIsZero() {
        RNN rnn = new RNN(RNNConfig.rnn(3, 4).withNonlinearity("relu"), 71);
        for (Parameter p : rnn.parameters()) {
            p.data().zeroInPlace();   // every pre-activation is exactly 0, so every output is 0
        }
        Tensor x = randn(72, 5, 2, 3);
        Tensor h0 = randn(73, 1, 2, 4);
        RNNOutput out = rnn.forward(x, h0);
        assertThat(out.output().toArray()).containsOnly(0f);
        RNNGradients g = out.backward(randn(74, 5, 2, 4), randn(75, 1, 2, 4));
        for (Parameter p : rnn.parameters()) {
            assertThat(p.grad().toArray()).as(p.name()).containsOnly(0f);
        }
        assertThat(g.input().toArray()).containsOnly(0f);
        assertThat(g.h0().toArray()).containsOnly(0f);
        // tanh at 0 has derivative 1: same setting, non-zero gradients
        RNN tanh = new RNN(RNNConfig.rnn(3, 4), 71);
        for (Parameter p : tanh.parameters()) {
            p.data().zeroInPlace();
        }
        tanh.forward(x, h0).backward(randn(74, 5, 2, 4), null);
        assertThat(tanh.namedParameters().get("weight_ih_l0").grad().toArray()).isNotEqualTo(new float[12]);
    }

    @Test
    void evalForwardKeepsNothingAndCannotBackward() {
        RNN rnn = RNN.simpleRNN(3, 4).eval();
        RNNOutput out = rnn.forward(randn(81, 5, 2, 3));
        assertThat(out.hasGraph()).isFalse();
        assertThat(out.record()).isNull();
        assertThatThrownBy(() -> out.backward(null, null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("evaluation mode").hasMessageContaining("train()");
        // the training forward computes the same values (no dropout here), bit for bit
        RNNOutput trained = rnn.train().forward(randn(81, 5, 2, 3));
        assertThat(trained.hasGraph()).isTrue();
        assertThat(trained.output().toArray()).containsExactly(out.output().toArray());
        assertThat(trained.hN().toArray()).containsExactly(out.hN().toArray());
    }

    @Test
    void backwardTwiceThroughTheSameForwardThrows() {
        RNN rnn = RNN.simpleRNN(3, 4);
        RNNOutput out = rnn.forward(randn(91, 5, 2, 3));
        out.backward(null, randn(92, 1, 2, 4));
        assertThat(out.hasGraph()).isFalse();
        assertThatThrownBy(() -> out.backward(null, randn(92, 1, 2, 4))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already called").hasMessageContaining("second time");
    }

    @Test
    void detachDropsTheGraph() {
        RNN rnn = RNN.simpleRNN(3, 4);
        RNNOutput out = rnn.forward(randn(93, 5, 2, 3));
        RNNOutput det = out.detach();
        assertThat(det.output()).isSameAs(out.output());
        assertThat(out.hasGraph()).isFalse();
        assertThatThrownBy(() -> det.backward(null, null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("detached");
        assertThatThrownBy(() -> out.backward(null, null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void upstreamGradientsOfTheWrongShapeAreRejectedWithBothShapes() {
        RNN rnn = RNN.biRNN(3, 4);
        RNNOutput out = rnn.forward(randn(101, 5, 2, 3));
        assertThatThrownBy(() -> out.backward(Tensor.zeros(5, 2, 4), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gradOutput must have the shape of output: expected [5, 2, 8], got [5, 2, 4]");
        assertThatThrownBy(() -> out.backward(null, Tensor.zeros(2, 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gradHn must have the shape of h_n: expected [2, 2, 4], got [2, 4]");
        assertThat(out.hasGraph()).as("a rejected call does not consume the graph").isTrue();
        out.backward(Tensor.zeros(5, 2, 8), Tensor.zeros(2, 2, 4));
    }

    @Test
    void truncatedBpttCarriesHnDetached() {
        RNNConfig cfg = RNNConfig.rnn(3, 4).withNumLayers(2);
        RNN rnn = new RNN(cfg, 111);
        Tensor chunk1 = randn(112, 5, 2, 3);
        Tensor chunk2 = randn(113, 5, 2, 3);
        Tensor g2 = randn(114, 5, 2, 4);
        RNNOutput out1 = rnn.forward(chunk1);
        RNNOutput out2 = rnn.forward(chunk2, out1.hN());
        out2.backward(g2, null);
        Map<String, float[]> viaChunks = grads(rnn);
        // the same as a fresh module that sees h_n of chunk 1 as a constant h_0
        RNN fresh = new RNN(cfg, 111);
        fresh.forward(chunk2, out1.hN().copy()).backward(g2, null);
        Map<String, float[]> alone = grads(fresh);
        for (String k : alone.keySet()) {
            assertThat(viaChunks.get(k)).as(k).containsExactly(alone.get(k));
        }
        // chunk 1's graph is untouched by chunk 2's backward and can still run once
        assertThat(out1.hasGraph()).isTrue();
        out1.backward(null, randn(115, 2, 2, 4));
    }

    @Test
    void workspacesAreReusedForTheSameShapes() {
        RNN rnn = RNN.stackedRNN(3, 4, 2);
        rnn.forward(randn(121, 5, 2, 3)).backward(randn(122, 5, 2, 4), null);
        RNNBase.BackwardWorkspace first = rnn.workspace;
        rnn.forward(randn(123, 5, 2, 3)).backward(randn(124, 5, 2, 4), null);
        assertThat(rnn.workspace).isSameAs(first);
        rnn.forward(randn(125, 6, 2, 3)).backward(randn(126, 6, 2, 4), null);
        assertThat(rnn.workspace).isNotSameAs(first);
    }

    @Test
    void gradientsAreBitwiseIdenticalForOneAndSeveralThreads() {
        RNN rnn = new RNN(RNNConfig.rnn(96, 160).withNumLayers(2).withBidirectional(true), 6L);
        Tensor x = randn(151, 24, 48, 96);    // big enough for the GEMMs to be split across threads
        Tensor gOut = randn(152, 24, 48, 320);
        Tensor gHn = randn(153, 4, 48, 160);
        int before = dev.jrnn.tensor.Threads.count();
        try {
            dev.jrnn.tensor.Threads.setCount(1);
            RNNGradients one = rnn.forward(x).backward(gOut, gHn);
            Map<String, float[]> gradsOne = grads(rnn);
            rnn.zeroGrad();
            dev.jrnn.tensor.Threads.setCount(3);
            RNNGradients three = rnn.forward(x).backward(gOut, gHn);
            assertThat(three.input().toArray()).isEqualTo(one.input().toArray());
            assertThat(three.h0().toArray()).isEqualTo(one.h0().toArray());
            grads(rnn).forEach((k, v) -> assertThat(v).as(k).isEqualTo(gradsOne.get(k)));
        } finally {
            dev.jrnn.tensor.Threads.setCount(before);
        }
    }

    @Test
    void batchOfZeroGivesEmptyGradients() {
        RNN rnn = RNN.stackedBiRNN(3, 4, 2);
        RNNOutput out = rnn.forward(Tensor.zeros(5, 0, 3));
        RNNGradients g = out.backward(Tensor.zeros(5, 0, 8), null);
        assertThat(g.input().shape()).containsExactly(5, 0, 3);
        assertThat(g.h0().shape()).containsExactly(4, 0, 4);
        assertThat(grads(rnn).get("weight_ih_l1")).containsOnly(0f);
    }

    // ------------------------------------------------------------------ RNNCell

    @Test
    void aLoopOfCellBackwardsEqualsTheLayerBackward() {
        RNN rnn = new RNN(RNNConfig.rnn(3, 5).withNonlinearity("relu"), 131);
        RNNCell cell = new RNNCell(3, 5, true, Nonlinearity.RELU, new Generator(0));
        Map<String, Tensor> sd = new LinkedHashMap<>();
        rnn.stateDict().forEach((k, v) -> sd.put(k.replace("_l0", ""), v));
        cell.loadStateDict(sd, true);
        int seqLen = 6;
        Tensor x = randn(132, seqLen, 2, 3);
        Tensor h0 = randn(133, 1, 2, 5);
        Tensor gOut = randn(134, seqLen, 2, 5);
        RNNGradients g = rnn.forward(x, h0).backward(gOut, null);

        Tensor[] h = new Tensor[seqLen + 1];
        h[0] = h0.select(0, 0).contiguous();
        for (int t = 0; t < seqLen; t++) {
            h[t + 1] = cell.forward(x.select(0, t).contiguous(), h[t]);
        }
        Tensor dh = Tensor.zeros(2, 5);
        Tensor[] dx = new Tensor[seqLen];
        for (int t = seqLen - 1; t >= 0; t--) {
            Tensor up = gOut.select(0, t).add(dh);
            RNNGradients s = cell.backward(x.select(0, t).contiguous(), h[t], h[t + 1], up);
            dx[t] = s.input();
            dh = s.h0();
        }
        assertThat(relErr(Tensor.stack(0, dx).toArray(), RNNTest.toDouble(g.input().toArray()))).isLessThan(1e-6);
        assertThat(relErr(dh.toArray(), RNNTest.toDouble(g.h0().toArray()))).isLessThan(1e-6);
        for (Parameter p : rnn.parameters()) {
            float[] viaCell = cell.namedParameters().get(p.name().replace("_l0", "")).grad().toArray();
            assertThat(relErr(viaCell, RNNTest.toDouble(p.grad().toArray()))).as(p.name()).isLessThan(1e-6);
        }
    }

    @Test
    void cellBackwardRejectsInconsistentShapes() {
        RNNCell cell = new RNNCell(3, 4);
        Tensor x = randn(141, 2, 3);
        Tensor y = cell.forward(x);
        assertThatThrownBy(() -> cell.backward(x, null, y, Tensor.zeros(2, 5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("gradOutput must have the shape of output: expected [2, 4], got [2, 5]");
        assertThatThrownBy(() -> cell.backward(x, null, Tensor.zeros(3, 4), Tensor.zeros(3, 4)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("output must have the shape of the step's state: expected [2, 4], got [3, 4]");
        RNNGradients g = cell.backward(x.select(0, 0).contiguous(), null, y.select(0, 0).contiguous(),
                Tensor.ones(4));
        assertThat(g.input().shape()).containsExactly(3);
        assertThat(g.h0().shape()).containsExactly(4);
        assertThat(TestSupport.GRAD_RTOL_OF_MAX).isPositive();
    }

    /**
     * The training forward's output shares its array with the activations backward reads (no copy), so an
     * in-place write to it (directly or through a view) must make backward refuse; reading it, or writing to
     * a copy, must not. (PyTorch 1.13 runs here, from its own copies of the step outputs: a documented
     * difference, docs/semantics.md.)
     */
    @Test
    void backwardRefusesAfterTheOutputWasWrittenInPlace() {
        Tensor x = Tensor.normal(new Generator(3), 0f, 1f, 4, 2, 3);
        RNN rnn = new RNN(RNNConfig.rnn(3, 5).withNumLayers(2), 51);
        RNNOutput direct = rnn.forward(x);
        direct.output().mulInPlace(2f);
        assertThatThrownBy(() -> direct.backward(Tensor.ones(direct.output().shape()), null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("modified by an inplace operation");
        LSTM lstm = new LSTM(RNNConfig.lstm(3, 5).withBidirectional(true), 52);
        LSTMOutput viaView = lstm.forward(x);
        viaView.output().narrow(0, 1, 1).fillInPlace(0f);
        assertThatThrownBy(() -> viaView.backward(Tensor.ones(viaView.output().shape()), null, null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("modified by an inplace operation");
        GRU gru = new GRU(RNNConfig.gru(3, 5), 53);
        RNNOutput copied = gru.forward(x);
        copied.output().copy().mulInPlace(2f);
        copied.backward(Tensor.ones(copied.output().shape()), null);   // untouched: runs
        Parameter whh = gru.namedParameters().get("weight_hh_l0");
        assertThat(whh.grad().toArray()).isNotEqualTo(new float[whh.numel()]);
    }

    /**
     * A batch-first training forward returns a transposed copy of the time-major output that backward
     * reads (its time-major array is a recycled record array): writing to the returned output must neither
     * make backward refuse nor change a gradient, and a second forward must not write into the first one's
     * returned output. Compared bitwise with an untouched twin module.
     */
    @Test
    void aBatchFirstOutputIsTheCallersOwn() {
        Tensor x = Tensor.normal(new Generator(5), 0f, 1f, 2, 4, 3);   // (N, L, H_in)
        for (int layers = 1; layers <= 2; layers++) {
            RNN written = new RNN(RNNConfig.rnn(3, 5).withNumLayers(layers).withBatchFirst(true), 61);
            RNN twin = new RNN(RNNConfig.rnn(3, 5).withNumLayers(layers).withBatchFirst(true), 61);
            for (int step = 0; step < 3; step++) {   // later steps run on recycled record arrays
                RNNOutput a = written.forward(x);
                RNNOutput b = twin.forward(x);
                float[] returned = a.output().toArray();
                a.output().mulInPlace(2f);
                RNNOutput later = written.forward(x);   // takes no array a still holds
                assertThat(a.output().toArray()).isEqualTo(scaled(returned, 2f));
                Tensor g = Tensor.normal(new Generator(6 + step), 0f, 1f, 2, 4, 5);
                RNNGradients ga = a.backward(g, null);
                RNNGradients gb = b.backward(g, null);
                assertThat(ga.input().toArray()).isEqualTo(gb.input().toArray());
                for (String name : written.namedParameters().keySet()) {
                    assertThat(written.namedParameters().get(name).grad().toArray()).as(name + ", step " + step)
                            .isEqualTo(twin.namedParameters().get(name).grad().toArray());
                }
                later.detach();
            }
        }
    }

    private static float[] scaled(float[] v, float f) {
        float[] r = v.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] *= f;
        }
        return r;
    }
}
