package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.jrnn.TestSupport;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GRUTest {

    static GRU load(RNNConfig cfg, Map<String, double[]> params) {
        GRU gru = new GRU(cfg);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        params.forEach((k, v) -> sd.put(k, Tensor.of(RNNGoldenTest.toFloat(v), gru.namedParameters().get(k).shape())));
        gru.loadStateDict(sd, true);
        return gru;
    }


    @Test
    void parametersFollowTorch() {
        GRU gru = new GRU(RNNConfig.gru(3, 4).withNumLayers(2).withBidirectional(true));
        List<String> lines = new ArrayList<>();
        gru.stateDict().forEach((k, v) -> lines.add(k + " " + v.shapeString()));
        assertThat(lines).containsExactly(
                "weight_ih_l0 (12, 3)", "weight_hh_l0 (12, 4)", "bias_ih_l0 (12,)", "bias_hh_l0 (12,)",
                "weight_ih_l0_reverse (12, 3)", "weight_hh_l0_reverse (12, 4)", "bias_ih_l0_reverse (12,)",
                "bias_hh_l0_reverse (12,)",
                "weight_ih_l1 (12, 8)", "weight_hh_l1 (12, 4)", "bias_ih_l1 (12,)", "bias_hh_l1 (12,)",
                "weight_ih_l1_reverse (12, 8)", "weight_hh_l1_reverse (12, 4)", "bias_ih_l1_reverse (12,)",
                "bias_hh_l1_reverse (12,)");
        GRU big = new GRU(RNNConfig.gru(10, 64), 3L);
        for (Parameter p : big.parameters()) {
            for (float f : p.data().toArray()) {
                assertThat((double) Math.abs(f)).isLessThanOrEqualTo(0.125);
            }
        }
        assertThat(new GRU(RNNConfig.gru(3, 4).withBias(false)).stateDict().keySet())
                .containsExactly("weight_ih_l0", "weight_hh_l0");
        assertThat(GRU.of(3, 4).toString()).isEqualTo("GRU(3, 4)");
        assertThatThrownBy(() -> new GRU(RNNConfig.lstm(3, 4))).hasMessageContaining("GRU needs mode GRU");
    }

    // ------------------------------------------------------------------ the reset-after form (spec §3)

    @Test
    void bhnIsMultipliedByTheResetGate() {
        RNNConfig cfg = RNNConfig.gru(4, 5);
        SplittableRandom rng = TestSupport.rng(5);
        Map<String, double[]> params = GatedGradCheck.randomParams(cfg, rng, 1.0 / Math.sqrt(5));
        // a clearly non-zero b_hn
        double[] bhh = params.get("bias_hh_l0");
        for (int j = 10; j < 15; j++) {
            bhh[j] = (float) (0.8 * (j % 2 == 0 ? 1 : -1));
        }
        int l = 6;
        int n = 3;
        double[] x = GatedGradCheck.rand(rng, l * n * 4, 2);
        double[] h0 = GatedGradCheck.rand(rng, n * 5, 1);
        GatedReference after = GatedReference.run(cfg, params, x, l, n, h0, null, false);
        GatedReference before = GatedReference.run(cfg, params, x, l, n, h0, null, true);
        RNNOutput o = load(cfg, params).eval().forward(Tensor.of(RNNGoldenTest.toFloat(x), l, n, 4),
                Tensor.of(RNNGoldenTest.toFloat(h0), 1, n, 5));
        RNNTest.assertClose(o.output().toArray(), after.output, TestSupport.FORWARD_ATOL);
        double maxDiff = 0;
        float[] out = o.output().toArray();
        for (int i = 0; i < out.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(out[i] - before.output[i]));
        }
        assertThat(maxDiff).as("difference from the reset-before variant").isGreaterThan(0.05);

        // and directly: with h = 0 the product r ⊙ b_hn is all that b_hn contributes
        GRUCell cell = new GRUCell(1, 1, true, new Generator(1));
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("weight_ih", Tensor.of(new float[] {0, 0, 0}, 3, 1));
        sd.put("weight_hh", Tensor.of(new float[] {0, 0, 0}, 3, 1));
        sd.put("bias_ih", Tensor.of(new float[] {1f, 0, 0}, 3));      // r = σ(1)
        sd.put("bias_hh", Tensor.of(new float[] {0, 0, 0.5f}, 3));    // b_hn = 0.5
        cell.loadStateDict(sd, true);
        double r = GatedReference.sigmoid(1);
        double expected = 0.5 * Math.tanh(r * 0.5);                   // z = 0.5, h = 0
        assertThat((double) cell.forward(Tensor.zeros(1)).item()).isCloseTo(expected, within(1e-6));
        assertThat(0.5 * Math.tanh(0.5) - expected).isGreaterThan(0.05);  // reset-before would give tanh(b_hn)
    }

    // ------------------------------------------------------------------ golden values (spec §13)

    @Test
    void goldenValues() {
        double outSum = -8.0705403120475268;
        double hnSum = -2.6796117173955931;
        double[] out21 = {0.030569963409943356, -0.43693732748881675, 0.057455468164398255, -0.74993620071875422,
            0.15047144062222201, -0.28775870493270445, 0.071159805115141972, -0.37992886813521043};
        double[] hn30 = {0.032318417732570728, -0.1254363584348864, -0.099213704911124911, -0.25801451406388942};
        RNNConfig cfg = RNNConfig.gru(3, 4).withNumLayers(2).withBidirectional(true);
        Map<String, double[]> params = RNNGoldenTest.goldenParams(cfg);
        double[] x = RNNGoldenTest.goldenInput();
        GatedReference ref = GatedReference.run(cfg, params, x, 3, 2, null, null, false);
        assertThat(LSTMTest.sum(ref.output)).isCloseTo(outSum, within(1e-12));
        assertThat(LSTMTest.sum(ref.hN)).isCloseTo(hnSum, within(1e-12));
        for (int j = 0; j < 8; j++) {
            assertThat(ref.output[(2 * 2 + 1) * 8 + j]).isCloseTo(out21[j], within(1e-12));
        }
        for (int j = 0; j < 4; j++) {
            assertThat(ref.hN[3 * 2 * 4 + j]).isCloseTo(hn30[j], within(1e-12));
        }
        RNNOutput o = load(cfg, params).eval().forward(Tensor.of(RNNGoldenTest.toFloat(x), 3, 2, 3));
        assertThat(LSTMTest.sum(o.output().toArray())).isCloseTo(outSum, within(1e-4));
        assertThat(LSTMTest.sum(o.hN().toArray())).isCloseTo(hnSum, within(1e-4));
        for (int j = 0; j < 8; j++) {
            assertThat((double) o.output().get(2, 1, j)).isCloseTo(out21[j], within(TestSupport.FORWARD_ATOL));
        }
        for (int j = 0; j < 4; j++) {
            assertThat((double) o.hN().get(3, 0, j)).isCloseTo(hn30[j], within(TestSupport.FORWARD_ATOL));
        }
    }

    // ------------------------------------------------------------------ forward

    @Test
    void forwardMatchesTheDoubleReferenceStackedBidirectionalWithH0() {
        RNNConfig cfg = RNNConfig.gru(5, 6).withNumLayers(3).withBidirectional(true);
        SplittableRandom rng = TestSupport.rng(12);
        Map<String, double[]> params = GatedGradCheck.randomParams(cfg, rng, 0.4);
        int l = 7;
        int n = 3;
        double[] x = GatedGradCheck.rand(rng, l * n * 5, 1);
        double[] h0 = GatedGradCheck.rand(rng, 6 * n * 6, 1);
        GatedReference ref = GatedReference.run(cfg, params, x, l, n, h0, null, false);
        RNNOutput o = load(cfg, params).eval().forward(Tensor.of(RNNGoldenTest.toFloat(x), l, n, 5),
                Tensor.of(RNNGoldenTest.toFloat(h0), 6, n, 6));
        RNNTest.assertClose(o.output().toArray(), ref.output, TestSupport.FORWARD_ATOL);
        RNNTest.assertClose(o.hN().toArray(), ref.hN, TestSupport.FORWARD_ATOL);
        assertThat(o.finalState(2, 1).contentEquals(o.output().select(0, 0).narrow(1, 6, 6))).isTrue();
    }

    @Test
    void batchFirstAndUnbatchedAgreeWithTimeMajor() {
        RNNConfig cfg = RNNConfig.gru(3, 5).withNumLayers(2).withBidirectional(true);
        GRU tm = new GRU(cfg, 3L).eval();
        GRU bf = new GRU(cfg.withBatchFirst(true), 3L).eval();
        Tensor x = Tensor.normal(new Generator(1), 0f, 1f, 4, 2, 3);
        Tensor h0 = Tensor.normal(new Generator(2), 0f, 1f, 4, 2, 5);
        RNNOutput a = tm.forward(x, h0);
        RNNOutput b = bf.forward(x.transpose(0, 1).contiguous(), h0);
        assertThat(b.output().transpose(0, 1).contiguous().contentEquals(a.output())).isTrue();
        assertThat(b.hN().contentEquals(a.hN())).isTrue();
        Tensor x1 = x.select(1, 0).contiguous();
        Tensor h1 = h0.select(1, 0).contiguous();
        RNNOutput u = bf.forwardUnbatched(x1, h1);
        RNNOutput one = tm.forward(x1.unsqueeze(1), h1.unsqueeze(1));
        assertThat(u.output().shape()).containsExactly(4, 10);
        assertThat(u.output().allClose(one.output().squeeze(1), 0, 1e-6)).isTrue();
        assertThat(u.hN().allClose(one.hN().squeeze(1), 0, 1e-6)).isTrue();
    }

    @Test
    void aLoopOfGruCellStepsEqualsTheOneLayerModule() {
        GRUCell cell = new GRUCell(4, 6, true, new Generator(5));
        GRU gru = new GRU(RNNConfig.gru(4, 6), 9L).eval();
        Map<String, Tensor> sd = new LinkedHashMap<>();
        cell.stateDict().forEach((k, v) -> sd.put(k + "_l0", v));
        gru.loadStateDict(sd, true);
        Tensor x = Tensor.normal(new Generator(4), 0f, 1f, 9, 3, 4);
        RNNOutput o = gru.forward(x);
        Tensor h = null;
        for (int t = 0; t < 9; t++) {
            h = cell.forward(x.select(0, t).contiguous(), h);
            assertThat(h.allClose(o.output().select(0, t), 0, 1e-6)).as("t=" + t).isTrue();
        }
    }

    @Test
    void dropoutOneInTrainingMakesTheUpperLayerSeeZeros() {
        RNNConfig cfg = RNNConfig.gru(3, 4).withNumLayers(2).withDropout(1.0);
        GRU drop = new GRU(cfg, 1L).train();
        GRU zeroIh = new GRU(cfg, 1L).eval();
        zeroIh.namedParameters().get("weight_ih_l1").data().zeroInPlace();
        Tensor x = Tensor.normal(new Generator(8), 0f, 1f, 5, 2, 3);
        assertThat(drop.forward(x).output().allClose(zeroIh.forward(x).output(), 0, 1e-6)).isTrue();
        // and backward through the mask: nothing reaches the input from layer 1
        RNNGradients g = drop.forward(x).backward(null, Tensor.zeros(2, 2, 4).add(Tensor.ones(2, 2, 4)
                .mul(Tensor.of(new float[] {0, 1}, 2, 1, 1))));
        assertThat(g.input().abs().sum().item()).isEqualTo(0f);
    }

    // ------------------------------------------------------------------ validation

    @Test
    void forwardAndCellMessages() {
        GRU gru = new GRU(RNNConfig.gru(3, 4).withNumLayers(2).withBidirectional(true));
        Tensor x = Tensor.zeros(5, 2, 3);
        assertThatThrownBy(() -> gru.forward(x, Tensor.zeros(2, 2, 4)))
                .hasMessage("Expected hidden size (4, 2, 4), got [2, 2, 4]");
        assertThatThrownBy(() -> gru.forward(x, Tensor.zeros(4, 4)))
                .hasMessage("For batched 3-D input, hx should also be 3-D but got 2-D tensor");
        assertThatThrownBy(() -> gru.forwardUnbatched(Tensor.zeros(5, 3), Tensor.zeros(4, 1, 4)))
                .hasMessage("For unbatched 2-D input, hx should also be 2-D but got 3-D tensor");
        assertThatThrownBy(() -> gru.forward(Tensor.zeros(5, 2, 7)))
                .hasMessage("input.size(-1) must be equal to input_size. Expected 3, got 7");
        assertThatThrownBy(() -> gru.forward(Tensor.zeros(5, 3))).hasMessageStartingWith("GRU: Expected input to be 3D");
        assertThat(gru.forward(Tensor.zeros(5, 0, 3)).output().shape()).containsExactly(5, 0, 8);

        GRUCell cell = new GRUCell(3, 4);
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(1, 2, 3)))
                .hasMessage("GRUCell: Expected input to be 1D or 2D, got 3D instead");
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(2, 3), Tensor.zeros(1, 2, 4)))
                .hasMessage("GRUCell: Expected hidden to be 1D or 2D, got 3D instead");
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(2, 5)))
                .hasMessage("input has inconsistent input_size: got 5 expected 3");
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(2, 3), Tensor.zeros(3, 4)))
                .hasMessage("Input batch size 2 doesn't match hidden0 batch size 3");
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(2, 3), Tensor.zeros(2, 5)))
                .hasMessage("hidden0 has inconsistent hidden_size: got 5, expected 4");
        assertThat(cell.forward(Tensor.zeros(3)).shape()).containsExactly(4);
        assertThat(cell.forward(Tensor.zeros(0, 3)).shape()).containsExactly(0, 4);
        assertThat(cell.stateDict().get("weight_ih").shape()).containsExactly(12, 3);
    }

    // ------------------------------------------------------------------ backward

    @Test
    void backwardMatchesFiniteDifferencesOfTheDoubleReference() {
        GatedGradCheck.check(RNNConfig.gru(3, 4).withNumLayers(2).withBidirectional(true), 4, 2, true, 31);
        GatedGradCheck.check(RNNConfig.gru(2, 5).withBias(false), 5, 3, false, 32);
    }

    @Test
    void biasGradientsAreEqualOnRAndZBlocksOnly() {
        GRU gru = new GRU(RNNConfig.gru(3, 4), 2L).train();
        Tensor x = Tensor.normal(new Generator(1), 0f, 1f, 6, 2, 3);
        gru.forward(x, Tensor.normal(new Generator(2), 0f, 1f, 1, 2, 4)).backward(Tensor.ones(6, 2, 4), null);
        float[] bi = gru.namedParameters().get("bias_ih_l0").grad().toArray();
        float[] bh = gru.namedParameters().get("bias_hh_l0").grad().toArray();
        for (int j = 0; j < 8; j++) {
            assertThat(bi[j]).isEqualTo(bh[j]);
        }
        boolean differ = false;
        for (int j = 8; j < 12; j++) {
            differ |= bi[j] != bh[j];
        }
        assertThat(differ).isTrue();
    }

    @Test
    void aLoopOfCellBackwardsEqualsTheLayerBackward() {
        GRUCell cell = new GRUCell(3, 5, true, new Generator(2));
        GRU gru = new GRU(RNNConfig.gru(3, 5), 1L).train();
        Map<String, Tensor> sd = new LinkedHashMap<>();
        cell.stateDict().forEach((k, v) -> sd.put(k + "_l0", v));
        gru.loadStateDict(sd, true);
        int l = 4;
        Tensor x = Tensor.normal(new Generator(3), 0f, 1f, l, 2, 3);
        Tensor gOut = Tensor.normal(new Generator(4), 0f, 1f, l, 2, 5);
        RNNGradients layer = gru.forward(x).backward(gOut, null);
        Tensor[] h = new Tensor[l + 1];
        for (int t = 0; t < l; t++) {
            h[t + 1] = cell.forward(x.select(0, t).contiguous(), h[t]);
        }
        Tensor dh = Tensor.zeros(2, 5);
        for (int t = l - 1; t >= 0; t--) {
            RNNGradients g = cell.backward(x.select(0, t).contiguous(), h[t], dh.add(gOut.select(0, t)));
            assertThat(g.input().allClose(layer.input().select(0, t), 1e-5, 1e-6)).as("t=" + t).isTrue();
            dh = g.h0();
        }
        for (String k : cell.stateDict().keySet()) {
            assertThat(cell.namedParameters().get(k).grad().allClose(gru.namedParameters().get(k + "_l0").grad(),
                    1e-5, 1e-5)).as(k).isTrue();
        }
    }

    @Test
    void reusedBackwardWorkspacesGiveTheSameGradientsAsFreshOnes() {
        RNNConfig cfg = RNNConfig.gru(3, 4).withNumLayers(2).withBidirectional(true);
        Tensor x = Tensor.normal(new Generator(1), 0f, 1f, 5, 2, 3);
        Tensor gOut = Tensor.normal(new Generator(2), 0f, 1f, 5, 2, 8);
        Tensor gH = Tensor.normal(new Generator(3), 0f, 1f, 4, 2, 4);
        GRU used = new GRU(cfg, 4L).train();
        used.forward(x).backward(gOut, gH);
        used.zeroGrad();
        RNNGradients a = used.forward(x).backward(null, gH);      // same shapes: buffers reused
        GRU fresh = new GRU(cfg, 4L).train();
        RNNGradients b = fresh.forward(x).backward(null, gH);
        assertThat(a.input().contentEquals(b.input())).isTrue();
        assertThat(a.h0().contentEquals(b.h0())).isTrue();
        for (String k : fresh.stateDict().keySet()) {
            assertThat(used.namedParameters().get(k).grad().contentEquals(fresh.namedParameters().get(k).grad()))
                    .as(k).isTrue();
        }
    }

    @Test
    void dropoutBackwardUsesTheForwardsMaskAndScale() {
        GatedGradCheck.check(RNNConfig.gru(3, 4).withNumLayers(2).withBidirectional(true).withDropout(0.5), 4, 3, true, 33);
    }
}
