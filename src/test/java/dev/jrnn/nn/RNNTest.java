package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.jrnn.TestSupport;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Structural behaviour of {@link RNN}, checked against the double reference or exact expectations. */
class RNNTest {

    private static Tensor randn(long seed, int... shape) {
        return Tensor.normal(new Generator(seed), 0f, 1f, shape);
    }

    private static Map<String, double[]> paramsOf(RNN rnn) {
        Map<String, double[]> m = new LinkedHashMap<>();
        rnn.stateDict().forEach((k, v) -> m.put(k, toDouble(v.toArray())));
        return m;
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    static void assertClose(float[] actual, double[] expected, double atol) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(atol));
        }
    }

    // ------------------------------------------------------------------ parameters

    @Test
    void parameterNamesShapesAndOrderFollowTorch() {
        RNN rnn = RNN.stackedBiRNN(3, 4, 2);
        List<String> names = new ArrayList<>(rnn.namedParameters().keySet());
        assertThat(names).containsExactly(
                "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
                "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse");
        assertThat(rnn.namedParameters().get("weight_ih_l0").shape()).containsExactly(4, 3);
        assertThat(rnn.namedParameters().get("weight_hh_l0").shape()).containsExactly(4, 4);
        assertThat(rnn.namedParameters().get("bias_ih_l0").shape()).containsExactly(4);
        assertThat(rnn.namedParameters().get("weight_ih_l1").shape()).containsExactly(4, 8);
        assertThat(new ArrayList<>(rnn.stateDict().keySet())).isEqualTo(names);
        assertThat(RNNBase.parameterNames(rnn.config())).isEqualTo(names);
        assertThat(rnn.parameters()).extracting(Parameter::name).isEqualTo(names);
        assertThat(rnn.numParameters()).isEqualTo(2 * (12 + 16 + 8) + 2 * (32 + 16 + 8));
    }

    @Test
    void biasFalseHasNoBiasParameters() {
        RNN rnn = new RNN(RNNConfig.rnn(3, 4).withBias(false).withNumLayers(2));
        assertThat(rnn.namedParameters().keySet()).containsExactly("weight_ih_l0", "weight_hh_l0", "weight_ih_l1",
                "weight_hh_l1");
    }

    @Test
    void initialisationIsUniformWithinOneOverSqrtHidden() {
        RNN rnn = new RNN(RNNConfig.rnn(50, 64).withNumLayers(2), 7L);
        double bound = 1 / Math.sqrt(64);
        double sum = 0;
        double sumSq = 0;
        long n = 0;
        for (Parameter p : rnn.parameters()) {
            for (float v : p.data().toArray()) {
                assertThat((double) v).isBetween(-bound, bound);
                sum += v;
                sumSq += (double) v * v;
                n++;
            }
        }
        double mean = sum / n;
        double std = Math.sqrt(sumSq / n - mean * mean);
        assertThat(mean).isCloseTo(0, within(0.005));
        assertThat(std).isCloseTo(bound / Math.sqrt(3), within(0.003));
    }

    @Test
    void sameSeedSameWeightsDifferentSeedDifferentWeights() {
        RNNConfig cfg = RNNConfig.rnn(5, 6);
        float[] a = new RNN(cfg, 1L).stateDict().get("weight_hh_l0").toArray();
        float[] b = new RNN(cfg, 1L).stateDict().get("weight_hh_l0").toArray();
        float[] c = new RNN(cfg, 2L).stateDict().get("weight_hh_l0").toArray();
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void loadStateDictRejectsMissingUnexpectedAndMisshapenKeysWithoutChangingTheModule() {
        RNN rnn = RNN.simpleRNN(3, 4);
        float[] before = rnn.stateDict().get("weight_ih_l0").toArray();
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("weight_ih_l0", Tensor.zeros(4, 3));
        sd.put("weight_hh_l0", Tensor.zeros(4, 4));
        sd.put("bias_ih_l0", Tensor.zeros(4));
        sd.put("bogus", Tensor.zeros(1));
        assertThatThrownBy(() -> rnn.loadStateDict(sd, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Error(s) in loading state_dict for RNN: Missing key(s) in state_dict: \"bias_hh_l0\"."
                        + " Unexpected key(s) in state_dict: \"bogus\".");
        assertThat(rnn.stateDict().get("weight_ih_l0").toArray()).isEqualTo(before);

        Map<String, Tensor> bad = new HashMap<>(rnn.stateDict());
        bad.put("weight_ih_l0", Tensor.zeros(4, 5));
        assertThatThrownBy(() -> rnn.loadStateDict(bad, false))
                .hasMessage("size mismatch for weight_ih_l0: copying a param with shape [4, 5] from checkpoint,"
                        + " the shape in current model is [4, 3].");

        Module.LoadResult r = rnn.loadStateDict(sd, false);
        assertThat(r.missingKeys()).containsExactly("bias_hh_l0");
        assertThat(r.unexpectedKeys()).containsExactly("bogus");
        assertThat(rnn.stateDict().get("weight_ih_l0").toArray()).containsOnly(0f);
    }

    // ------------------------------------------------------------------ forward structure

    @Test
    void forwardMatchesDoubleReferenceForStackedBidirectionalWithH0() {
        RNN rnn = new RNN(RNNConfig.rnn(5, 7).withNumLayers(3).withBidirectional(true), 3L).eval();
        Tensor x = randn(11, 6, 4, 5);
        Tensor h0 = randn(12, 6, 4, 7);
        RNNOutput out = rnn.forward(x, h0);
        RnnReference ref = RnnReference.run(false, 3, true, 7, true, paramsOf(rnn), toDouble(x.toArray()), 6, 4, 5,
                toDouble(h0.toArray()));
        assertThat(out.output().shape()).containsExactly(6, 4, 14);
        assertThat(out.hN().shape()).containsExactly(6, 4, 7);
        assertClose(out.output().toArray(), ref.output, TestSupport.FORWARD_ATOL);
        assertClose(out.hN().toArray(), ref.hN, TestSupport.FORWARD_ATOL);
    }

    @Test
    void finalStatesFollowLayerTimesDirectionIndexing() {
        RNN rnn = new RNN(RNNConfig.rnn(3, 5).withNumLayers(2).withBidirectional(true), 4L).eval();
        Tensor x = randn(1, 7, 2, 3);
        RNNOutput out = rnn.forward(x);
        Tensor output = out.output();
        // top forward final state = output[L-1, :, :H]; top reverse = output[0, :, H:]
        assertThat(out.finalState(1, 0).toArray()).isEqualTo(output.select(0, 6).narrow(1, 0, 5).contiguous().toArray());
        assertThat(out.finalState(1, 1).toArray()).isEqualTo(output.select(0, 0).narrow(1, 5, 5).contiguous().toArray());
        assertThat(out.finalState(1, 1).toArray())
                .isNotEqualTo(output.select(0, 6).narrow(1, 5, 5).contiguous().toArray());
        assertThat(out.hN().select(0, 3).toArray()).isEqualTo(out.finalState(1, 1).toArray());
        assertThat(out.hNByLayer().shape()).containsExactly(2, 2, 2, 5);
        assertThat(out.topFinalStates().shape()).containsExactly(2, 10);
        assertThat(out.topFinalStates().narrow(1, 5, 5).contiguous().toArray())
                .isEqualTo(out.finalState(1, 1).toArray());
    }

    @Test
    void stackedEqualsChainedSingleLayers() {
        RNN stacked = new RNN(RNNConfig.rnn(3, 4).withNumLayers(2).withBidirectional(true), 5L).eval();
        RNN first = new RNN(RNNConfig.rnn(3, 4).withBidirectional(true), 0L).eval();
        RNN second = new RNN(RNNConfig.rnn(8, 4).withBidirectional(true), 0L).eval();
        Map<String, Tensor> s1 = new LinkedHashMap<>();
        Map<String, Tensor> s2 = new LinkedHashMap<>();
        stacked.stateDict().forEach((k, v) -> {
            if (k.contains("_l0")) {
                s1.put(k, v);
            } else {
                s2.put(k.replace("_l1", "_l0"), v);
            }
        });
        first.loadStateDict(s1, true);
        second.loadStateDict(s2, true);
        Tensor x = randn(2, 5, 3, 3);
        Tensor h0 = randn(3, 4, 3, 4);
        RNNOutput full = stacked.forward(x, h0);
        RNNOutput a = first.forward(x, h0.narrow(0, 0, 2));
        RNNOutput b = second.forward(a.output(), h0.narrow(0, 2, 2));
        assertThat(full.output().toArray()).isEqualTo(b.output().toArray());
        assertThat(full.hN().toArray()).isEqualTo(Tensor.cat(0, a.hN(), b.hN()).toArray());
    }

    @Test
    void batchFirstTransposesInputAndOutputButNotHidden() {
        RNNConfig cfg = RNNConfig.rnn(3, 4).withNumLayers(2).withBidirectional(true);
        RNN tm = new RNN(cfg, 9L).eval();
        RNN bf = new RNN(cfg.withBatchFirst(true), 9L).eval();
        Tensor x = randn(4, 6, 2, 3);        // (L, N, H_in)
        Tensor h0 = randn(5, 4, 2, 4);       // (D·layers, N, H)
        RNNOutput a = tm.forward(x, h0);
        RNNOutput b = bf.forward(x.transpose(0, 1), h0);
        assertThat(b.output().shape()).containsExactly(2, 6, 8);
        assertThat(b.output().transpose(0, 1).contiguous().toArray()).isEqualTo(a.output().toArray());
        assertThat(b.hN().toArray()).isEqualTo(a.hN().toArray());
    }

    @Test
    void unbatchedEqualsBatchOfOneSqueezed() {
        RNN rnn = new RNN(RNNConfig.rnn(3, 4).withNumLayers(2).withBidirectional(true), 1L).eval();
        Tensor x = randn(6, 5, 3);
        Tensor h0 = randn(7, 4, 4);
        RNNOutput single = rnn.forwardUnbatched(x, h0);
        RNNOutput batched = rnn.forward(x.unsqueeze(1), h0.unsqueeze(1));
        assertThat(single.output().shape()).containsExactly(5, 8);
        assertThat(single.hN().shape()).containsExactly(4, 4);
        assertThat(single.output().toArray()).isEqualTo(batched.output().toArray());
        assertThat(single.hN().toArray()).isEqualTo(batched.hN().toArray());
        assertThat(single.finalState(1, 1).shape()).containsExactly(4);
    }

    @Test
    void batchSizeZeroReturnsEmptyTensorsOfTheRightShape() {
        RNN rnn = RNN.stackedBiRNN(3, 4, 2);
        RNNOutput out = rnn.forward(Tensor.zeros(5, 0, 3));
        assertThat(out.output().shape()).containsExactly(5, 0, 8);
        assertThat(out.hN().shape()).containsExactly(4, 0, 4);
    }

    @Test
    void inputSizeZeroBehavesAsZeroInput() {
        RNN rnn = new RNN(RNNConfig.rnn(0, 4), 2L).eval();
        RNNOutput out = rnn.forward(Tensor.zeros(3, 2, 0));
        Map<String, double[]> p = paramsOf(rnn);
        RnnReference ref = RnnReference.run(false, 1, false, 4, true, p, new double[0], 3, 2, 0, null);
        assertClose(out.output().toArray(), ref.output, TestSupport.FORWARD_ATOL);
    }

    @Test
    void reluDerivedOutputsAreNonNegativeAndMatchReference() {
        RNN rnn = new RNN(RNNConfig.rnn(4, 6).withNonlinearity(Nonlinearity.RELU).withNumLayers(2), 8L).eval();
        Tensor x = randn(3, 9, 2, 4);
        RNNOutput out = rnn.forward(x);
        RnnReference ref = RnnReference.run(true, 2, false, 6, true, paramsOf(rnn), toDouble(x.toArray()), 9, 2, 4,
                null);
        assertClose(out.output().toArray(), ref.output, TestSupport.FORWARD_ATOL);
        for (float v : out.output().toArray()) {
            assertThat(v).isGreaterThanOrEqualTo(0f);
        }
    }

    @Test
    void nanInInputPropagatesToLaterSteps() {
        RNN rnn = RNN.simpleRNN(2, 3).eval();
        Tensor x = Tensor.zeros(4, 1, 2);
        x.set(Float.NaN, 1, 0, 0);
        float[] out = rnn.forward(x).output().toArray();
        for (int j = 0; j < 3; j++) {
            assertThat(out[j]).isNotNaN();
            assertThat(out[3 + j]).isNaN();
            assertThat(out[9 + j]).isNaN();
        }
    }

    @Test
    void resultsAreBitwiseIdenticalForOneAndSeveralThreads() {
        RNN rnn = new RNN(RNNConfig.rnn(96, 160).withNumLayers(2).withBidirectional(true), 6L).eval();
        Tensor x = randn(40, 24, 48, 96);    // big enough for the GEMMs to be split across threads
        int before = dev.jrnn.tensor.Threads.count();
        try {
            dev.jrnn.tensor.Threads.setCount(1);
            RNNOutput one = rnn.forward(x);
            dev.jrnn.tensor.Threads.setCount(3);
            RNNOutput three = rnn.forward(x);
            assertThat(three.output().toArray()).isEqualTo(one.output().toArray());
            assertThat(three.hN().toArray()).isEqualTo(one.hN().toArray());
        } finally {
            dev.jrnn.tensor.Threads.setCount(before);
        }
    }

    // ------------------------------------------------------------------ dropout

    /**
     * A 2-layer relu RNN whose second layer is the identity on its input (W_ih = I, W_hh = 0, no bias):
     * its output is exactly what dropout made of the first layer's output.
     */
    private static RNN identitySecondLayer(double p) {
        RNN rnn = new RNN(RNNConfig.rnn(3, 4).withNonlinearity("relu").withNumLayers(2).withBias(false)
                .withDropout(p), 21L);
        Map<String, Tensor> sd = new LinkedHashMap<>(rnn.stateDict());
        Tensor eye = Tensor.zeros(4, 4);
        for (int i = 0; i < 4; i++) {
            eye.set(1f, i, i);
        }
        sd.put("weight_ih_l1", eye);
        sd.put("weight_hh_l1", Tensor.zeros(4, 4));
        rnn.loadStateDict(sd, true);
        return rnn;
    }

    @Test
    void dropoutZeroesOrScalesByExactlyOneOverOneMinusP() {
        RNN rnn = identitySecondLayer(0.5);
        Tensor x = randn(30, 50, 8, 3);
        float[] clean = rnn.eval().forward(x).output().toArray();
        float[] dropped = rnn.train().forward(x).output().toArray();
        int zeros = 0;
        int positive = 0;
        for (int i = 0; i < clean.length; i++) {
            if (clean[i] > 0) {
                positive++;
                if (dropped[i] == 0f) {
                    zeros++;
                } else {
                    assertThat(dropped[i]).isEqualTo(clean[i] * 2f);
                }
            }
        }
        assertThat(positive).isGreaterThan(500);
        assertThat((double) zeros / positive).isCloseTo(0.5, within(0.06));
    }

    @Test
    void dropoutOneGivesZerosWithoutNaNAndEvalEqualsNoDropout() {
        RNN rnn = identitySecondLayer(1.0);
        Tensor x = randn(31, 5, 2, 3);
        assertThat(rnn.train().forward(x).output().toArray()).containsOnly(0f);
        float[] evalOut = rnn.eval().forward(x).output().toArray();
        RNN noDrop = identitySecondLayer(0.0);
        assertThat(evalOut).isEqualTo(noDrop.eval().forward(x).output().toArray());
    }

    @Test
    void dropoutNeverTouchesHnOrTheLastLayerOrASingleLayer() {
        RNN rnn = new RNN(RNNConfig.rnn(3, 4).withDropout(0.9), 2L);
        Tensor x = randn(32, 6, 3, 3);
        assertThat(rnn.train().forward(x).output().toArray()).isEqualTo(rnn.eval().forward(x).output().toArray());
        RNN two = identitySecondLayer(0.5);
        RNNOutput trained = two.train().forward(x);
        RNNOutput evaluated = two.eval().forward(x);
        assertThat(trained.finalState(0, 0).toArray()).isEqualTo(evaluated.finalState(0, 0).toArray());
    }

    // ------------------------------------------------------------------ validation

    @Test
    void forwardRejectsWrongRanksWithGuidance() {
        RNN rnn = RNN.simpleRNN(3, 4);
        assertThatThrownBy(() -> rnn.forward(Tensor.zeros(5, 3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("RNN: Expected input to be 3D (L, N, H_in), got 2D tensor instead; a single unbatched"
                        + " sequence (L, H_in) goes through forwardUnbatched(...)");
        assertThatThrownBy(() -> rnn.forward(Tensor.zeros(1, 5, 3, 3)))
                .hasMessage("RNN: Expected input to be 3D (L, N, H_in), got 4D tensor instead");
        assertThatThrownBy(() -> rnn.forwardUnbatched(Tensor.zeros(1, 5, 3)))
                .hasMessage("RNN: Expected unbatched input to be 2D (L, H_in), got 3D tensor instead; a batch of"
                        + " sequences goes through forward(...)");
        assertThatThrownBy(() -> rnn.forward(null)).isInstanceOf(NullPointerException.class).hasMessage("input");
    }

    @Test
    void forwardRejectsWrongInputSizeAndEmptySequence() {
        RNN rnn = RNN.simpleRNN(3, 4);
        assertThatThrownBy(() -> rnn.forward(Tensor.zeros(5, 2, 7)))
                .hasMessage("input.size(-1) must be equal to input_size. Expected 3, got 7");
        assertThatThrownBy(() -> rnn.forward(Tensor.zeros(0, 2, 3)))
                .hasMessage("Expected sequence length to be larger than 0 in RNN");
        assertThatThrownBy(() -> rnn.forwardUnbatched(Tensor.zeros(0, 3)))
                .hasMessage("Expected sequence length to be larger than 0 in RNN");
    }

    @Test
    void forwardRejectsWrongHiddenStates() {
        RNN rnn = RNN.stackedRNN(3, 4, 2);
        Tensor x = Tensor.zeros(5, 2, 3);
        assertThatThrownBy(() -> rnn.forward(x, Tensor.zeros(2, 3, 4)))
                .hasMessage("Expected hidden size (2, 2, 4), got [2, 3, 4]");
        assertThatThrownBy(() -> rnn.forward(x, Tensor.zeros(2, 4)))
                .hasMessage("For batched 3-D input, hx should also be 3-D but got 2-D tensor");
        assertThatThrownBy(() -> rnn.forwardUnbatched(Tensor.zeros(5, 3), Tensor.zeros(2, 1, 4)))
                .hasMessage("For unbatched 2-D input, hx should also be 2-D but got 3-D tensor");
        assertThatThrownBy(() -> rnn.forwardUnbatched(Tensor.zeros(5, 3), Tensor.zeros(3, 4)))
                .hasMessage("Expected hidden size (2, 4), got [3, 4]");
        RNN bi = RNN.biRNN(3, 4);
        assertThatThrownBy(() -> bi.forward(x, Tensor.zeros(1, 2, 4)))
                .hasMessage("Expected hidden size (2, 2, 4), got [1, 2, 4]");
    }

    @Test
    void batchFirstHiddenGivenBatchFirstGetsAHint() {
        RNN rnn = new RNN(RNNConfig.rnn(3, 4).withNumLayers(2).withBatchFirst(true));
        Tensor x = Tensor.zeros(3, 5, 3);    // (N=3, L=5, H_in)
        assertThatThrownBy(() -> rnn.forward(x, Tensor.zeros(3, 2, 4)))
                .hasMessage("Expected hidden size (2, 3, 4), got [3, 2, 4]; note: the hidden state is"
                        + " (num_layers * num_directions, batch, hidden_size) regardless of batch_first");
        assertThat(rnn.forward(x, Tensor.zeros(2, 3, 4)).hN().shape()).containsExactly(2, 3, 4);
    }

    @Test
    void reprListsOnlyNonDefaultOptionsInTorchOrder() {
        assertThat(RNN.simpleRNN(3, 4)).hasToString("RNN(3, 4)");
        assertThat(new RNN(RNNConfig.rnn(3, 4).withNonlinearity("relu"))).hasToString("RNN(3, 4)");
        assertThat(new RNN(RNNConfig.rnn(3, 4).withNumLayers(2).withBias(false).withBatchFirst(true)
                .withDropout(0.1).withBidirectional(true)))
                .hasToString("RNN(3, 4, num_layers=2, bias=False, batch_first=True, dropout=0.1, bidirectional=True)");
    }

    @Test
    void seedArchitecturesAreOneLiners() {
        assertThat(RNN.simpleRNN(8, 16).config()).isEqualTo(RNNConfig.rnn(8, 16));
        assertThat(RNN.biRNN(8, 16).config()).isEqualTo(RNNConfig.rnn(8, 16).withBidirectional(true));
        assertThat(RNN.stackedRNN(8, 16, 3).config()).isEqualTo(RNNConfig.rnn(8, 16).withNumLayers(3));
        assertThat(RNN.stackedBiRNN(8, 16, 2).config())
                .isEqualTo(RNNConfig.rnn(8, 16).withNumLayers(2).withBidirectional(true));
    }

    @Test
    void rnnRejectsNonRnnModes() {
        assertThatThrownBy(() -> new RNN(RNNConfig.gru(3, 4)))
                .hasMessage("RNN needs mode RNN_TANH or RNN_RELU, got GRU");
    }
}
