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
import org.junit.jupiter.api.Test;

class LSTMTest {

    // ------------------------------------------------------------------ parameters (spec §2, §10)

    @Test
    void projectedBidirectionalStateDictHasTheTwentyKeysOfTorchInOrder() {
        LSTM lstm = new LSTM(RNNConfig.lstm(10, 20).withNumLayers(2).withBidirectional(true).withProjSize(5));
        List<String> lines = new ArrayList<>();
        lstm.stateDict().forEach((k, v) -> lines.add(k + " " + v.shapeString()));
        assertThat(lines).containsExactly(
                "weight_ih_l0 (80, 10)", "weight_hh_l0 (80, 5)", "bias_ih_l0 (80,)", "bias_hh_l0 (80,)",
                "weight_hr_l0 (5, 20)",
                "weight_ih_l0_reverse (80, 10)", "weight_hh_l0_reverse (80, 5)", "bias_ih_l0_reverse (80,)",
                "bias_hh_l0_reverse (80,)", "weight_hr_l0_reverse (5, 20)",
                "weight_ih_l1 (80, 10)", "weight_hh_l1 (80, 5)", "bias_ih_l1 (80,)", "bias_hh_l1 (80,)",
                "weight_hr_l1 (5, 20)",
                "weight_ih_l1_reverse (80, 10)", "weight_hh_l1_reverse (80, 5)", "bias_ih_l1_reverse (80,)",
                "bias_hh_l1_reverse (80,)", "weight_hr_l1_reverse (5, 20)");
        assertThat(lstm.parameters()).extracting(Parameter::name).containsExactlyElementsOf(lstm.stateDict().keySet());
        assertThat(RNNBase.parameterNames(lstm.config())).containsExactlyElementsOf(lstm.stateDict().keySet());
    }

    @Test
    void biasFalseProjectedLayoutAndUnprojectedLayout() {
        LSTM p = new LSTM(RNNConfig.lstm(3, 4).withNumLayers(2).withBias(false).withProjSize(2));
        List<String> lines = new ArrayList<>();
        p.stateDict().forEach((k, v) -> lines.add(k + " " + v.shapeString()));
        assertThat(lines).containsExactly("weight_ih_l0 (16, 3)", "weight_hh_l0 (16, 2)", "weight_hr_l0 (2, 4)",
                "weight_ih_l1 (16, 2)", "weight_hh_l1 (16, 2)", "weight_hr_l1 (2, 4)");
        LSTM u = new LSTM(RNNConfig.lstm(3, 4).withNumLayers(2).withBidirectional(true));
        assertThat(u.stateDict().get("weight_ih_l1").shape()).containsExactly(16, 8);
        assertThat(u.stateDict().keySet()).noneMatch(k -> k.startsWith("weight_hr"));
    }

    @Test
    void initialisationIsUniformWithinOneOverSqrtHiddenIncludingWeightHr() {
        LSTM lstm = new LSTM(RNNConfig.lstm(30, 100).withProjSize(10), 7L);
        double bound = 0.1;
        for (Parameter p : lstm.parameters()) {
            float[] v = p.data().toArray();
            double sum = 0;
            double sq = 0;
            for (float f : v) {
                assertThat((double) Math.abs(f)).as(p.name()).isLessThanOrEqualTo(bound);
                sum += f;
                sq += (double) f * f;
            }
            double mean = sum / v.length;
            double std = Math.sqrt(sq / v.length - mean * mean);
            assertThat(std).as(p.name()).isCloseTo(bound / Math.sqrt(3), within(0.006));
        }
        assertThat(lstm.namedParameters().get("weight_hr_l0").shape()).containsExactly(10, 100);
    }

    @Test
    void reprListsProjSizeFirst() {
        assertThat(new LSTM(RNNConfig.lstm(3, 4).withProjSize(2).withNumLayers(2).withBias(false).withBatchFirst(true)
                .withDropout(0.1).withBidirectional(true)).toString())
                .isEqualTo("LSTM(3, 4, proj_size=2, num_layers=2, bias=False, batch_first=True, dropout=0.1,"
                        + " bidirectional=True)");
        assertThat(LSTM.of(3, 4).toString()).isEqualTo("LSTM(3, 4)");
        assertThatThrownBy(() -> new LSTM(RNNConfig.gru(3, 4))).hasMessageContaining("LSTM needs mode LSTM");
    }

    // ------------------------------------------------------------------ golden values (spec §13)

    private static final double[] OUT_2_1 = {-0.24563347809764177, -0.31235447955139262, -0.3557175473682655,
        -0.28758965431523609, -0.24104667230324492, -0.01732975837424585, -0.045753667304647583, 0.15599118983937285};
    private static final double[] HN_3_0 = {-0.31748750156998695, 0.022892528018727355, -0.013410614311387887,
        0.1534945043861331};
    private static final double[] P_OUT_2_1 = {-0.30356120952859128, 0.019318345373648668, -0.1574267928272701,
        0.01329800960451151};
    private static final double[] P_HN_3_0 = {-0.3002891158679234, 0.020491163418416627};

    @Test
    void goldenValuesOfLstmAndProjectedLstm() {
        golden(0, -7.6251569273496509, -2.4892451467771473, -6.6207241897834592, OUT_2_1, HN_3_0);
        golden(2, -2.6791386482790704, -2.3664098423418349, 11.245802544772907, P_OUT_2_1, P_HN_3_0);
    }

    private static void golden(int proj, double outSum, double hnSum, double cnSum, double[] out21, double[] hn30) {
        RNNConfig cfg = RNNConfig.lstm(3, 4).withNumLayers(2).withBidirectional(true).withProjSize(proj);
        int hOut = cfg.outputHiddenSize();
        Map<String, double[]> params = RNNGoldenTest.goldenParams(cfg);
        double[] x = RNNGoldenTest.goldenInput();
        // the double reference to 1e-12
        GatedReference ref = GatedReference.run(cfg, params, x, 3, 2, null, null, false);
        assertThat(sum(ref.output)).isCloseTo(outSum, within(1e-12));
        assertThat(sum(ref.hN)).isCloseTo(hnSum, within(1e-12));
        assertThat(sum(ref.cN)).isCloseTo(cnSum, within(1e-12));
        for (int j = 0; j < 2 * hOut; j++) {
            assertThat(ref.output[(2 * 2 + 1) * 2 * hOut + j]).isCloseTo(out21[j], within(1e-12));
        }
        for (int j = 0; j < hOut; j++) {
            assertThat(ref.hN[3 * 2 * hOut + j]).isCloseTo(hn30[j], within(1e-12));
        }
        // the float32 module to the float32 tolerance
        LSTM lstm = load(cfg, params).eval();
        LSTMOutput o = lstm.forward(Tensor.of(RNNGoldenTest.toFloat(x), 3, 2, 3));
        assertThat(sum(o.output().toArray())).isCloseTo(outSum, within(1e-4));
        assertThat(sum(o.hN().toArray())).isCloseTo(hnSum, within(1e-4));
        assertThat(sum(o.cN().toArray())).isCloseTo(cnSum, within(1e-4));
        for (int j = 0; j < 2 * hOut; j++) {
            assertThat((double) o.output().get(2, 1, j)).isCloseTo(out21[j], within(TestSupport.FORWARD_ATOL));
        }
        for (int j = 0; j < hOut; j++) {
            assertThat((double) o.hN().get(3, 0, j)).isCloseTo(hn30[j], within(TestSupport.FORWARD_ATOL));
        }
    }

    static double sum(float[] v) {
        double s = 0;
        for (float f : v) {
            s += f;
        }
        return s;
    }

    static double sum(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s;
    }

    static LSTM load(RNNConfig cfg, Map<String, double[]> params) {
        LSTM lstm = new LSTM(cfg);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        params.forEach((k, v) -> sd.put(k, Tensor.of(RNNGoldenTest.toFloat(v), lstm.namedParameters().get(k).shape())));
        lstm.loadStateDict(sd, true);
        return lstm;
    }

    // ------------------------------------------------------------------ forward

    @Test
    void forwardMatchesTheDoubleReferenceWithStateProjectionAndBothDirections() {
        RNNConfig cfg = RNNConfig.lstm(5, 6).withNumLayers(3).withBidirectional(true).withProjSize(4);
        var rng = TestSupport.rng(11);
        Map<String, double[]> params = GatedGradCheck.randomParams(cfg, rng, 0.4);
        int l = 7;
        int n = 3;
        double[] x = GatedGradCheck.rand(rng, l * n * 5, 1);
        double[] h0 = GatedGradCheck.rand(rng, 6 * n * 4, 1);
        double[] c0 = GatedGradCheck.rand(rng, 6 * n * 6, 1);
        GatedReference ref = GatedReference.run(cfg, params, x, l, n, h0, c0, false);
        LSTM lstm = load(cfg, params).eval();
        LSTMOutput o = lstm.forward(Tensor.of(RNNGoldenTest.toFloat(x), l, n, 5),
                new LSTMState(Tensor.of(RNNGoldenTest.toFloat(h0), 6, n, 4), Tensor.of(RNNGoldenTest.toFloat(c0), 6, n, 6)));
        RNNTest.assertClose(o.output().toArray(), ref.output, TestSupport.FORWARD_ATOL);
        RNNTest.assertClose(o.hN().toArray(), ref.hN, TestSupport.FORWARD_ATOL);
        RNNTest.assertClose(o.cN().toArray(), ref.cN, TestSupport.FORWARD_ATOL);
        assertThat(o.hN().shape()).containsExactly(6, n, 4);
        assertThat(o.cN().shape()).containsExactly(6, n, 6);   // c_n is never projected
        assertThat(o.output().shape()).containsExactly(l, n, 8);
        // typed accessors
        assertThat(o.finalState(2, 1).contentEquals(o.hN().select(0, 5))).isTrue();
        assertThat(o.finalCellState(1, 0).contentEquals(o.cN().select(0, 2))).isTrue();
        assertThat(o.hNByLayer().shape()).containsExactly(3, 2, n, 4);
        assertThat(o.cNByLayer().shape()).containsExactly(3, 2, n, 6);
        assertThat(o.topFinalStates().shape()).containsExactly(n, 8);
        assertThat(o.state().h()).isSameAs(o.hN());
        // reverse h_n of the top layer = output[0, :, H_out:]; forward = output[L-1, :, :H_out]
        assertThat(o.finalState(2, 1).contentEquals(o.output().select(0, 0).narrow(1, 4, 4))).isTrue();
        assertThat(o.finalState(2, 0).contentEquals(o.output().select(0, l - 1).narrow(1, 0, 4))).isTrue();
    }

    @Test
    void batchFirstAndUnbatchedAgreeWithTimeMajor() {
        RNNConfig cfg = RNNConfig.lstm(3, 5).withNumLayers(2).withBidirectional(true).withProjSize(2);
        LSTM tm = new LSTM(cfg, 3L).eval();
        LSTM bf = new LSTM(cfg.withBatchFirst(true), 3L).eval();
        Tensor x = Tensor.normal(new Generator(1), 0f, 1f, 4, 2, 3);
        LSTMState s = new LSTMState(Tensor.normal(new Generator(2), 0f, 1f, 4, 2, 2),
                Tensor.normal(new Generator(3), 0f, 1f, 4, 2, 5));
        LSTMOutput a = tm.forward(x, s);
        LSTMOutput b = bf.forward(x.transpose(0, 1).contiguous(), s);
        assertThat(b.output().transpose(0, 1).contiguous().contentEquals(a.output())).isTrue();
        assertThat(b.hN().contentEquals(a.hN())).isTrue();
        assertThat(b.cN().contentEquals(a.cN())).isTrue();
        // unbatched = batch of one, squeezed (batch_first ignored)
        Tensor x1 = x.select(1, 1).contiguous();
        LSTMState s1 = new LSTMState(s.h().select(1, 1).contiguous(), s.c().select(1, 1).contiguous());
        LSTMOutput u = bf.forwardUnbatched(x1, s1);
        LSTMOutput one = tm.forward(x1.unsqueeze(1), new LSTMState(s1.h().unsqueeze(1), s1.c().unsqueeze(1)));
        assertThat(u.output().shape()).containsExactly(4, 4);
        assertThat(u.hN().shape()).containsExactly(4, 2);
        assertThat(u.cN().shape()).containsExactly(4, 5);
        assertThat(u.output().allClose(one.output().squeeze(1), 0, 1e-6)).isTrue();
        assertThat(u.cN().allClose(one.cN().squeeze(1), 0, 1e-6)).isTrue();
    }

    @Test
    void aLoopOfLstmCellStepsEqualsTheOneLayerModule() {
        LSTMCell cell = new LSTMCell(4, 6, true, new Generator(5));
        LSTM lstm = new LSTM(RNNConfig.lstm(4, 6), 9L).eval();
        Map<String, Tensor> sd = new LinkedHashMap<>();
        cell.stateDict().forEach((k, v) -> sd.put(k + "_l0", v));
        lstm.loadStateDict(sd, true);
        Tensor x = Tensor.normal(new Generator(4), 0f, 1f, 9, 3, 4);
        LSTMState s0 = new LSTMState(Tensor.normal(new Generator(6), 0f, 1f, 3, 6), Tensor.normal(new Generator(7), 0f, 1f, 3, 6));
        LSTMOutput o = lstm.forward(x, new LSTMState(s0.h().unsqueeze(0), s0.c().unsqueeze(0)));
        LSTMState s = s0;
        for (int t = 0; t < 9; t++) {
            s = cell.forward(x.select(0, t).contiguous(), s);
            assertThat(s.h().allClose(o.output().select(0, t), 0, 1e-6)).as("t=" + t).isTrue();
        }
        assertThat(s.c().allClose(o.cN().select(0, 0), 0, 1e-6)).isTrue();
    }

    // ------------------------------------------------------------------ dropout (spec §4.3)

    @Test
    void dropoutOneInTrainingMakesTheUpperLayerSeeZerosAndEvalIgnoresIt() {
        RNNConfig cfg = RNNConfig.lstm(3, 4).withNumLayers(2).withProjSize(2).withDropout(1.0);
        LSTM drop = new LSTM(cfg, 1L).train();
        LSTM zeroIh = new LSTM(cfg, 1L).eval();
        zeroIh.namedParameters().get("weight_ih_l1").data().zeroInPlace();
        Tensor x = Tensor.normal(new Generator(8), 0f, 1f, 5, 2, 3);
        LSTMOutput a = drop.forward(x);
        LSTMOutput b = zeroIh.forward(x);
        assertThat(a.output().allClose(b.output(), 0, 1e-6)).isTrue();
        // h_n / c_n of layer 0 are never dropped
        LSTMOutput e = drop.eval().forward(x);
        assertThat(a.finalState(0, 0).contentEquals(e.finalState(0, 0))).isTrue();
        assertThat(a.finalCellState(0, 0).contentEquals(e.finalCellState(0, 0))).isTrue();
        assertThat(a.output().contentEquals(e.output())).isFalse();
    }

    // ------------------------------------------------------------------ validation (spec §5.2)

    @Test
    void forwardRejectsWrongStatesWithTorchMessages() {
        LSTM lstm = new LSTM(RNNConfig.lstm(3, 4).withNumLayers(2));
        Tensor x = Tensor.zeros(5, 2, 3);
        assertThatThrownBy(() -> lstm.forward(x, new LSTMState(Tensor.zeros(2, 3, 4), Tensor.zeros(2, 2, 4))))
                .hasMessage("Expected hidden[0] size (2, 2, 4), got [2, 3, 4]");
        assertThatThrownBy(() -> lstm.forward(x, new LSTMState(Tensor.zeros(2, 2, 4), Tensor.zeros(2, 2, 5))))
                .hasMessage("Expected hidden[1] size (2, 2, 4), got [2, 2, 5]");
        assertThatThrownBy(() -> lstm.forward(x, new LSTMState(Tensor.zeros(2, 2, 4), Tensor.zeros(2, 4))))
                .hasMessage("For batched 3-D input, hx and cx should also be 3-D but got (3-D, 2-D) tensors");
        assertThatThrownBy(() -> lstm.forwardUnbatched(Tensor.zeros(5, 3),
                new LSTMState(Tensor.zeros(2, 1, 4), Tensor.zeros(2, 1, 4))))
                .hasMessage("For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors");
        assertThatThrownBy(() -> lstm.forward(Tensor.zeros(5, 2, 7)))
                .hasMessage("input.size(-1) must be equal to input_size. Expected 3, got 7");
        assertThatThrownBy(() -> lstm.forward(Tensor.zeros(0, 2, 3)))
                .hasMessage("Expected sequence length to be larger than 0 in RNN");
        assertThatThrownBy(() -> lstm.forward(Tensor.zeros(5, 3))).hasMessageStartingWith("LSTM: Expected input to be 3D");
        assertThatThrownBy(() -> new LSTMState(Tensor.zeros(1), null)).isInstanceOf(NullPointerException.class);
        // projection: h_0 must be P wide, c_0 H wide
        LSTM p = new LSTM(RNNConfig.lstm(3, 4).withProjSize(2));
        assertThatThrownBy(() -> p.forward(x, new LSTMState(Tensor.zeros(1, 2, 4), Tensor.zeros(1, 2, 4))))
                .hasMessage("Expected hidden[0] size (1, 2, 2), got [1, 2, 4]");
        assertThatThrownBy(() -> p.forward(x, new LSTMState(Tensor.zeros(1, 2, 2), Tensor.zeros(1, 2, 2))))
                .hasMessage("Expected hidden[1] size (1, 2, 4), got [1, 2, 2]");
        assertThat(p.forward(x, new LSTMState(Tensor.zeros(1, 2, 2), Tensor.zeros(1, 2, 4))).hN().shape())
                .containsExactly(1, 2, 2);
        // batch 0
        LSTMOutput empty = p.forward(Tensor.zeros(5, 0, 3));
        assertThat(empty.output().shape()).containsExactly(5, 0, 2);
        assertThat(empty.cN().shape()).containsExactly(1, 0, 4);
    }

    @Test
    void configRejectsBadProjSize() {
        assertThatThrownBy(() -> RNNConfig.lstm(3, 4).withProjSize(4)).hasMessageStartingWith(
                "proj_size has to be smaller than hidden_size");
        assertThatThrownBy(() -> RNNConfig.lstm(3, 4).withProjSize(-1)).hasMessageStartingWith(
                "proj_size should be a positive integer or zero to disable projections");
        assertThatThrownBy(() -> RNNConfig.gru(3, 4).withProjSize(0)).hasMessageStartingWith(
                "proj_size argument is only supported for LSTM, not RNN or GRU");
    }

    @Test
    void cellMessagesUseHidden0ForHAndHidden1ForC() {
        LSTMCell cell = new LSTMCell(3, 4);
        Tensor x = Tensor.zeros(2, 3);
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(1, 2, 3)))
                .hasMessage("LSTMCell: Expected input to be 1D or 2D, got 3D instead");
        assertThatThrownBy(() -> cell.forward(x, new LSTMState(Tensor.zeros(1, 2, 4), Tensor.zeros(2, 4))))
                .hasMessage("LSTMCell: Expected hx[0] to be 1D or 2D, got 3D instead");
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(2, 5)))
                .hasMessage("input has inconsistent input_size: got 5 expected 3");
        assertThatThrownBy(() -> cell.forward(x, new LSTMState(Tensor.zeros(3, 4), Tensor.zeros(2, 4))))
                .hasMessage("Input batch size 2 doesn't match hidden0 batch size 3");
        assertThatThrownBy(() -> cell.forward(x, new LSTMState(Tensor.zeros(2, 4), Tensor.zeros(3, 4))))
                .hasMessage("Input batch size 2 doesn't match hidden1 batch size 3");
        assertThatThrownBy(() -> cell.forward(x, new LSTMState(Tensor.zeros(2, 5), Tensor.zeros(2, 4))))
                .hasMessage("hidden0 has inconsistent hidden_size: got 5, expected 4");
        assertThatThrownBy(() -> cell.forward(x, new LSTMState(Tensor.zeros(2, 4), Tensor.zeros(2, 5))))
                .hasMessage("hidden1 has inconsistent hidden_size: got 5, expected 4");
        LSTMState u = cell.forward(Tensor.zeros(3));
        assertThat(u.h().shape()).containsExactly(4);
        assertThat(u.c().shape()).containsExactly(4);
        assertThat(cell.stateDict().keySet()).containsExactly("weight_ih", "weight_hh", "bias_ih", "bias_hh");
        assertThat(cell.stateDict().get("weight_hh").shape()).containsExactly(16, 4);
        assertThat(new LSTMCell(3, 4, false, new Generator(1)).stateDict().keySet()).containsExactly("weight_ih", "weight_hh");
        assertThat(new LSTMCell(3, 4, false, new Generator(1)).toString()).isEqualTo("LSTMCell(3, 4, bias=False)");
    }

    // ------------------------------------------------------------------ backward

    @Test
    void backwardMatchesFiniteDifferencesOfTheDoubleReference() {
        GatedGradCheck.check(RNNConfig.lstm(3, 4).withNumLayers(2).withBidirectional(true), 4, 2, true, 21);
        GatedGradCheck.check(RNNConfig.lstm(3, 4).withNumLayers(1), 5, 3, false, 22);
    }

    @Test
    void projectedBackwardMatchesFiniteDifferencesOfTheDoubleReference() {
        GatedGradCheck.check(RNNConfig.lstm(3, 5).withNumLayers(2).withBidirectional(true).withProjSize(2), 4, 2, true, 23);
        GatedGradCheck.check(RNNConfig.lstm(2, 4).withProjSize(3).withBias(false), 3, 1, false, 24);
    }

    @Test
    void backwardContract() {
        LSTM lstm = new LSTM(RNNConfig.lstm(3, 4).withProjSize(2), 1L);
        Tensor x = Tensor.normal(new Generator(1), 0f, 1f, 5, 2, 3);
        assertThatThrownBy(() -> lstm.eval().forward(x).backward(null, null, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("training mode");
        LSTMOutput o = lstm.train().forward(x);
        assertThat(o.hasGraph()).isTrue();
        assertThatThrownBy(() -> o.backward(null, null, Tensor.zeros(1, 2, 2)))
                .hasMessage("gradCn must have the shape of c_n: expected [1, 2, 4], got [1, 2, 2]");
        LSTMGradients g = o.backward(null, Tensor.ones(1, 2, 2), null);
        assertThat(g.h0().shape()).containsExactly(1, 2, 2);
        assertThat(g.c0().shape()).containsExactly(1, 2, 4);
        assertThat(lstm.namedParameters().get("weight_hr_l0").grad().abs().sum().item()).isGreaterThan(0f);
        assertThatThrownBy(() -> o.backward(null, null, null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("second time");
        LSTMOutput d = lstm.forward(x).detach();
        assertThat(d.hasGraph()).isFalse();
        assertThatThrownBy(() -> d.backward(null, null, null)).isInstanceOf(IllegalStateException.class);
        // bias_ih and bias_hh receive identical gradients (spec §8)
        lstm.zeroGrad();
        lstm.forward(x).backward(Tensor.ones(5, 2, 2), null, null);
        assertThat(lstm.namedParameters().get("bias_ih_l0").grad()
                .contentEquals(lstm.namedParameters().get("bias_hh_l0").grad())).isTrue();
    }

    @Test
    void aLoopOfCellBackwardsEqualsTheLayerBackward() {
        LSTMCell cell = new LSTMCell(3, 5, true, new Generator(2));
        LSTM lstm = new LSTM(RNNConfig.lstm(3, 5), 1L).train();
        Map<String, Tensor> sd = new LinkedHashMap<>();
        cell.stateDict().forEach((k, v) -> sd.put(k + "_l0", v));
        lstm.loadStateDict(sd, true);
        int l = 4;
        Tensor x = Tensor.normal(new Generator(3), 0f, 1f, l, 2, 3);
        Tensor gOut = Tensor.normal(new Generator(4), 0f, 1f, l, 2, 5);
        LSTMGradients layer = lstm.forward(x).backward(gOut, null, null);
        LSTMState[] states = new LSTMState[l + 1];
        for (int t = 0; t < l; t++) {
            states[t + 1] = cell.forward(x.select(0, t).contiguous(), states[t]);
        }
        Tensor dh = Tensor.zeros(2, 5);
        Tensor dc = Tensor.zeros(2, 5);
        for (int t = l - 1; t >= 0; t--) {
            LSTMGradients g = cell.backward(x.select(0, t).contiguous(), states[t],
                    dh.add(gOut.select(0, t)), dc);
            assertThat(g.input().allClose(layer.input().select(0, t), 1e-5, 1e-6)).as("t=" + t).isTrue();
            dh = g.h0();
            dc = g.c0();
        }
        for (String k : cell.stateDict().keySet()) {
            assertThat(cell.namedParameters().get(k).grad().allClose(lstm.namedParameters().get(k + "_l0").grad(),
                    1e-5, 1e-5)).as(k).isTrue();
        }
    }

    @Test
    void resultsAndGradientsAreBitwiseIdenticalForOneAndSeveralThreads() {
        LSTM lstm = new LSTM(RNNConfig.lstm(96, 160).withNumLayers(2).withBidirectional(true).withProjSize(64), 6L).train();
        Tensor x = Tensor.normal(new Generator(3), 0f, 1f, 20, 48, 96);   // big enough to split the GEMMs
        int before = dev.jrnn.tensor.Threads.count();
        try {
            float[][] one = run(lstm, x, 1);
            float[][] three = run(lstm, x, 3);
            for (int i = 0; i < one.length; i++) {
                assertThat(three[i]).as("array " + i).isEqualTo(one[i]);
            }
        } finally {
            dev.jrnn.tensor.Threads.setCount(before);
        }
    }

    private static float[][] run(LSTM lstm, Tensor x, int threads) {
        dev.jrnn.tensor.Threads.setCount(threads);
        lstm.zeroGrad();
        LSTMOutput o = lstm.forward(x);
        LSTMGradients g = o.backward(Tensor.ones(o.output().shape()), null, Tensor.ones(o.cN().shape()));
        return new float[][] {o.output().toArray(), o.cN().toArray(), g.input().toArray(), g.c0().toArray(),
            lstm.namedParameters().get("weight_hh_l1_reverse").grad().toArray(),
            lstm.namedParameters().get("weight_hr_l0").grad().toArray()};
    }

    @Test
    void inputSizeZeroBehavesAsZeroInput() {
        LSTM zero = new LSTM(RNNConfig.lstm(0, 3).withProjSize(2), 4L).eval();
        LSTMOutput o = zero.forward(Tensor.zeros(4, 2, 0));
        assertThat(o.output().shape()).containsExactly(4, 2, 2);
        LSTM one = new LSTM(RNNConfig.lstm(1, 3).withProjSize(2), 4L).eval();
        Map<String, Tensor> sd = new LinkedHashMap<>(zero.stateDict());
        sd.put("weight_ih_l0", Tensor.zeros(12, 1));
        one.loadStateDict(sd, true);
        assertThat(one.forward(Tensor.ones(4, 2, 1)).output().contentEquals(o.output())).isTrue();
    }

    @Test
    void dropoutBackwardUsesTheForwardsMaskAndScale() {
        GatedGradCheck.check(RNNConfig.lstm(3, 4).withNumLayers(3).withProjSize(2).withDropout(0.4), 4, 3, true, 25);
    }
}
