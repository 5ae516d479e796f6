package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.TestSupport;
import dev.jrnn.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The input projection {@code X·W_ihᵀ + b} runs one chunk of steps ahead of the recurrence
 * ({@link Recurrence#chunkSteps}, {@link RNNBase#projectChunk}). With a batch wide enough for chunks of a
 * few steps and a length that leaves a partial chunk, the training forward (which keeps its record) and
 * the inference forward agree with the independent double references ({@link RnnReference},
 * {@link GatedReference}) within the spec's forward tolerance, in both directions and both layers, and
 * bitwise with each other.
 */
class ChunkedProjectionTest {

    private static final int SEQ_LEN = 11;
    private static final int BATCH = 256;
    private static final int INPUT = 4;
    private static final int HIDDEN = 32;

    @Test
    void chunkedForwardsMatchTheDoubleReference() {
        RNNConfig[] configs = {
            RNNConfig.rnn(INPUT, HIDDEN).withNumLayers(2).withBidirectional(true),
            RNNConfig.lstm(INPUT, HIDDEN).withNumLayers(2).withBidirectional(true),
            RNNConfig.gru(INPUT, HIDDEN).withNumLayers(2).withBidirectional(true),
        };
        for (RNNConfig cfg : configs) {
            int chunk = Recurrence.chunkSteps(cfg, SEQ_LEN, BATCH);
            // what this test is about: several chunks and a partial one
            assertThat(chunk).as(cfg.mode() + " chunk").isBetween(2, SEQ_LEN - 1);
            assertThat(SEQ_LEN % chunk).as(cfg.mode() + " partial chunk").isNotZero();

            SplittableRandom rng = TestSupport.rng(31);
            Map<String, double[]> params = new LinkedHashMap<>();
            Map<String, Tensor> sd = new LinkedHashMap<>();
            for (RNNBase.ParamSpec spec : RNNBase.parameterSpecs(cfg)) {
                int n = 1;
                for (int s : spec.shape()) {
                    n *= s;
                }
                double[] v = GatedGradCheck.rand(rng, n, 0.3);
                params.put(spec.name, v);
                sd.put(spec.name, Tensor.of(RNNGoldenTest.toFloat(v), spec.shape()));
            }
            int groups = cfg.numLayers() * cfg.numDirections();
            double[] x = GatedGradCheck.rand(rng, SEQ_LEN * BATCH * INPUT, 1);
            double[] h0 = GatedGradCheck.rand(rng, groups * BATCH * HIDDEN, 1);
            double[] c0 = GatedGradCheck.rand(rng, groups * BATCH * HIDDEN, 1);
            Tensor xt = Tensor.of(RNNGoldenTest.toFloat(x), SEQ_LEN, BATCH, INPUT);
            Tensor h0t = Tensor.of(RNNGoldenTest.toFloat(h0), groups, BATCH, HIDDEN);
            Tensor c0t = Tensor.of(RNNGoldenTest.toFloat(c0), groups, BATCH, HIDDEN);

            double[] wantOut;
            double[] wantH;
            double[] wantC = null;
            if (cfg.mode().isPlainRnn()) {
                RnnReference ref = RnnReference.run(false, 2, true, HIDDEN, true, params, x, SEQ_LEN, BATCH, INPUT, h0);
                wantOut = ref.output;
                wantH = ref.hN;
            } else {
                GatedReference ref = GatedReference.run(cfg, params, x, SEQ_LEN, BATCH, h0,
                        cfg.mode() == Mode.LSTM ? c0 : null, false);
                wantOut = ref.output;
                wantH = ref.hN;
                wantC = ref.cN;
            }

            float[][] train = forward(cfg, sd, xt, h0t, c0t, true);
            float[][] infer = forward(cfg, sd, xt, h0t, c0t, false);
            String what = cfg.mode().toString();
            RNNTest.assertClose(train[0], wantOut, TestSupport.FORWARD_ATOL);
            RNNTest.assertClose(train[1], wantH, TestSupport.FORWARD_ATOL);
            if (wantC != null) {
                RNNTest.assertClose(train[2], wantC, TestSupport.FORWARD_ATOL);
            }
            for (int i = 0; i < train.length; i++) {
                assertThat(infer[i]).as(what + " inference result " + i + " bitwise").isEqualTo(train[i]);
            }
        }
    }

    /** {@code (output, h_n[, c_n])} of a training (recording) or inference forward. */
    private static float[][] forward(RNNConfig cfg, Map<String, Tensor> sd, Tensor x, Tensor h0, Tensor c0,
                                     boolean training) {
        RNNBase m = switch (cfg.mode()) {
            case LSTM -> new LSTM(cfg);
            case GRU -> new GRU(cfg);
            default -> new RNN(cfg);
        };
        m.loadStateDict(sd, true);
        if (training) {
            m.train();
        } else {
            m.eval();
        }
        if (m instanceof LSTM lstm) {
            LSTMOutput o = lstm.forward(x, new LSTMState(h0, c0));
            assertThat(o.record() != null).isEqualTo(training);
            return new float[][] {o.output().toArray(), o.hN().toArray(), o.cN().toArray()};
        }
        RNNOutput o = m instanceof RNN r ? r.forward(x, h0) : ((GRU) m).forward(x, h0);
        assertThat(o.record() != null).isEqualTo(training);
        return new float[][] {o.output().toArray(), o.hN().toArray()};
    }
}
