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
 * bitwise with each other; for dense and for variable-length batches.
 */
class ChunkedProjectionTest {

    private static final int SEQ_LEN = 11;
    private static final int BATCH = 256;
    private static final int INPUT = 4;
    private static final int HIDDEN = 32;
    private static final RNNConfig[] CONFIGS = {
        RNNConfig.rnn(INPUT, HIDDEN).withNumLayers(2).withBidirectional(true),
        RNNConfig.lstm(INPUT, HIDDEN).withNumLayers(2).withBidirectional(true),
        RNNConfig.gru(INPUT, HIDDEN).withNumLayers(2).withBidirectional(true),
    };

    @Test
    void chunkedForwardsMatchTheDoubleReference() {
        for (RNNConfig cfg : CONFIGS) {
            Case c = Case.of(cfg, Recurrence.chunkSteps(cfg, SEQ_LEN, BATCH), 31);
            double[][] want = reference(cfg, c.params, c.x, SEQ_LEN, BATCH, c.h0, c.c0);
            float[][] train = forward(cfg, c.sd, c.xt, c.h0t, c.c0t, true);
            float[][] infer = forward(cfg, c.sd, c.xt, c.h0t, c.c0t, false);
            String what = cfg.mode().toString();
            RNNTest.assertClose(train[0], want[0], TestSupport.FORWARD_ATOL);
            RNNTest.assertClose(train[1], want[1], TestSupport.FORWARD_ATOL);
            if (want[2] != null) {
                RNNTest.assertClose(train[2], want[2], TestSupport.FORWARD_ATOL);
            }
            for (int i = 0; i < train.length; i++) {
                assertThat(infer[i]).as(what + " inference result " + i + " bitwise").isEqualTo(train[i]);
            }
        }
    }

    /**
     * The same for variable-length batches (padded with lengths): an evaluation forward projects one chunk of
     * steps ahead ({@link RNNBase#layoutChunk}), a training forward all steps at once. With lengths that
     * leave a well-filled batch (one GEMM per chunk) and a sparse one (one GEMM per step over its alive
     * rows), every sequence's output rows, its zero padding and its final states agree with the double
     * reference run on that sequence alone, and the two forwards agree bitwise.
     */
    @Test
    void chunkedVariableLengthForwardsMatchTheDoubleReferencePerSequence() {
        int[][] lengthSets = new int[2][BATCH];
        for (int n = 0; n < BATCH; n++) {
            lengthSets[0][n] = SEQ_LEN - n % 3;         // fill ≈ 0.91: one GEMM per chunk
            lengthSets[1][n] = 1 + (n * 7) % SEQ_LEN;   // fill ≈ 0.55: one GEMM per step over its alive rows
        }
        for (RNNConfig cfg : CONFIGS) {
            Case c = Case.of(cfg, RNNBase.layoutChunk(cfg, null, SEQ_LEN, BATCH), 37);
            int groups = cfg.numLayers() * cfg.numDirections();
            int dh = cfg.numDirections() * HIDDEN;
            for (int[] lengths : lengthSets) {
                float[][] train = forward(cfg, c.sd, c.xt, lengths, c.h0t, c.c0t, true);
                float[][] infer = forward(cfg, c.sd, c.xt, lengths, c.h0t, c.c0t, false);
                String what = cfg.mode() + ", lengths from " + lengths[0] + ", " + lengths[1];
                for (int i = 0; i < train.length; i++) {
                    assertThat(infer[i]).as(what + ": inference result " + i + " bitwise").isEqualTo(train[i]);
                }
                for (int n = 0; n < BATCH; n += 5) {   // every fifth sequence against the reference run alone
                    int len = lengths[n];
                    double[] xn = new double[len * INPUT];
                    for (int t = 0; t < len; t++) {
                        System.arraycopy(c.x, (t * BATCH + n) * INPUT, xn, t * INPUT, INPUT);
                    }
                    double[] h0n = new double[groups * HIDDEN];
                    double[] c0n = new double[groups * HIDDEN];
                    for (int k = 0; k < groups; k++) {
                        System.arraycopy(c.h0, (k * BATCH + n) * HIDDEN, h0n, k * HIDDEN, HIDDEN);
                        System.arraycopy(c.c0, (k * BATCH + n) * HIDDEN, c0n, k * HIDDEN, HIDDEN);
                    }
                    double[][] ref = reference(cfg, c.params, xn, len, 1, h0n, c0n);
                    double[] want = new double[SEQ_LEN * dh];   // zeros past the length
                    System.arraycopy(ref[0], 0, want, 0, len * dh);
                    float[] got = new float[SEQ_LEN * dh];
                    for (int t = 0; t < SEQ_LEN; t++) {
                        System.arraycopy(train[0], (t * BATCH + n) * dh, got, t * dh, dh);
                    }
                    RNNTest.assertClose(got, want, TestSupport.FORWARD_ATOL);
                    RNNTest.assertClose(stateRow(train[1], groups, n), ref[1], TestSupport.FORWARD_ATOL);
                    if (ref[2] != null) {
                        RNNTest.assertClose(stateRow(train[2], groups, n), ref[2], TestSupport.FORWARD_ATOL);
                    }
                }
            }
        }
    }

    /** One configuration's random parameters, input and initial states, in double and as float tensors. */
    private record Case(Map<String, double[]> params, Map<String, Tensor> sd, double[] x, double[] h0, double[] c0,
                        Tensor xt, Tensor h0t, Tensor c0t) {

        /** {@return a new case}, after checking that {@code chunk} gives several chunks and a partial one */
        static Case of(RNNConfig cfg, int chunk, long seed) {
            assertThat(chunk).as(cfg.mode() + " chunk").isBetween(2, SEQ_LEN - 1);
            assertThat(SEQ_LEN % chunk).as(cfg.mode() + " partial chunk").isNotZero();
            SplittableRandom rng = TestSupport.rng(seed);
            Map<String, double[]> params = GatedGradCheck.randomParams(cfg, rng, 0.3);
            int groups = cfg.numLayers() * cfg.numDirections();
            double[] x = GatedGradCheck.rand(rng, SEQ_LEN * BATCH * INPUT, 1);
            double[] h0 = GatedGradCheck.rand(rng, groups * BATCH * HIDDEN, 1);
            double[] c0 = GatedGradCheck.rand(rng, groups * BATCH * HIDDEN, 1);
            return new Case(params, stateDict(params, cfg), x, h0, c0,
                    Tensor.of(RNNGoldenTest.toFloat(x), SEQ_LEN, BATCH, INPUT),
                    Tensor.of(RNNGoldenTest.toFloat(h0), groups, BATCH, HIDDEN),
                    Tensor.of(RNNGoldenTest.toFloat(c0), groups, BATCH, HIDDEN));
        }
    }

    /** {@return the double reference's {@code (output, h_n, c_n or null)}} (both directions, both layers, with bias) */
    private static double[][] reference(RNNConfig cfg, Map<String, double[]> params, double[] x, int seqLen,
                                        int batch, double[] h0, double[] c0) {
        if (cfg.mode().isPlainRnn()) {
            RnnReference ref = RnnReference.run(false, 2, true, HIDDEN, true, params, x, seqLen, batch, INPUT, h0);
            return new double[][] {ref.output, ref.hN, null};
        }
        GatedReference ref = GatedReference.run(cfg, params, x, seqLen, batch, h0,
                cfg.mode() == Mode.LSTM ? c0 : null, false);
        return new double[][] {ref.output, ref.hN, cfg.mode() == Mode.LSTM ? ref.cN : null};
    }

    /** {@return the parameters rounded to float, as a state dict} */
    private static Map<String, Tensor> stateDict(Map<String, double[]> params, RNNConfig cfg) {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (RNNBase.ParamSpec spec : RNNBase.parameterSpecs(cfg)) {
            sd.put(spec.name, Tensor.of(RNNGoldenTest.toFloat(params.get(spec.name)), spec.shape()));
        }
        return sd;
    }

    /** {@return sequence {@code n}'s rows {@code (groups, H)} of states {@code (groups, N, H)}} */
    private static float[] stateRow(float[] states, int groups, int n) {
        float[] r = new float[groups * HIDDEN];
        for (int k = 0; k < groups; k++) {
            System.arraycopy(states, (k * BATCH + n) * HIDDEN, r, k * HIDDEN, HIDDEN);
        }
        return r;
    }

    /** {@code (output, h_n[, c_n])} of a training (recording) or inference forward of a padded batch with lengths. */
    private static float[][] forward(RNNConfig cfg, Map<String, Tensor> sd, Tensor x, int[] lengths, Tensor h0,
                                     Tensor c0, boolean training) {
        RNNBase m = module(cfg, sd, training);
        if (m instanceof LSTM lstm) {
            LSTMOutput o = lstm.forward(x, lengths, new LSTMState(h0, c0));
            assertThat(o.record() != null).isEqualTo(training);
            return new float[][] {o.output().toArray(), o.hN().toArray(), o.cN().toArray()};
        }
        RNNOutput o = m instanceof RNN r ? r.forward(x, lengths, h0) : ((GRU) m).forward(x, lengths, h0);
        assertThat(o.record() != null).isEqualTo(training);
        return new float[][] {o.output().toArray(), o.hN().toArray()};
    }

    private static RNNBase module(RNNConfig cfg, Map<String, Tensor> sd, boolean training) {
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
        return m;
    }

    /** {@code (output, h_n[, c_n])} of a training (recording) or inference forward. */
    private static float[][] forward(RNNConfig cfg, Map<String, Tensor> sd, Tensor x, Tensor h0, Tensor c0,
                                     boolean training) {
        RNNBase m = module(cfg, sd, training);
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
