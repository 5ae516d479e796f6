package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.nn.internal.RowParallel;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.Threads;
import dev.jrnn.tensor.internal.GemmEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Both forward engines split a big step's gate math over the batch rows ({@link StepMath}, a
 * {@link RowParallel}); the inference engine also splits the chunk's bias add, and a big batch-1 step's
 * GEMV is split over column panels. Every shape here is big enough for the gate-math split at 2 and 3
 * threads (asserted, so the test cannot silently stop covering it), and each result must be bitwise the
 * 1-thread inference result, in inference and in a recording (training-mode) forward. A row computed twice
 * (the gate math works in place), skipped or written by the wrong thread changes the result.
 */
class StepSplitTest {

    private int before;

    @BeforeEach
    void remember() {
        before = Threads.count();
    }

    @AfterEach
    void restore() {
        Threads.setCount(before);
    }

    @Test
    void rnnTanh() {
        RNNConfig c = RNNConfig.rnn(64, 512);
        check(c, 32, m -> flat(((RNN) m).forward(input(5, 32, 64))), new RNN(c, 1L));
    }

    @Test
    void rnnReluBidirectionalStackWithoutBias() {
        // bidirectional: the activated rows are scattered to a strided output
        RNNConfig c = RNNConfig.rnn(48, 512).withNonlinearity("relu").withNumLayers(2).withBidirectional(true)
                .withBias(false);
        check(c, 40, m -> flat(((RNN) m).forward(input(4, 40, 48))), new RNN(c, 2L));
    }

    @Test
    void lstm() {
        RNNConfig c = RNNConfig.lstm(64, 512);
        check(c, 8, m -> flat(((LSTM) m).forward(input(6, 8, 64))), new LSTM(c, 3L));
    }

    @Test
    void projectedLstmStack() {
        RNNConfig c = RNNConfig.lstm(64, 512).withProjSize(96).withNumLayers(2);
        check(c, 8, m -> flat(((LSTM) m).forward(input(5, 8, 64))), new LSTM(c, 4L));
    }

    @Test
    void bidirectionalGruFromAnInitialState() {
        RNNConfig c = RNNConfig.gru(32, 512).withBidirectional(true);
        Tensor h0 = Tensor.normal(new Generator(9), 0f, 1f, 2, 12, 512);
        check(c, 12, m -> flat(((GRU) m).forward(input(5, 12, 32), h0)), new GRU(c, 5L));
    }

    @Test
    void gruWithoutBias() {
        RNNConfig c = RNNConfig.gru(32, 512).withBias(false);
        check(c, 12, m -> flat(((GRU) m).forward(input(5, 12, 32))), new GRU(c, 6L));
    }

    /** Batch 1: the gate math stays in one thread, the recurrent GEMV ({@code 1×1024×256}) is split. */
    @Test
    void batchOneLstm() {
        RNNConfig c = RNNConfig.lstm(256, 256);
        assertThat(2.0 * c.gateSize() * c.hiddenSize())
                .isGreaterThanOrEqualTo(GemmEngine.GEMV_PARALLEL_MIN_FLOPS);
        // a stacked bidirectional one too (strided output rows, a reverse direction) from a given state
        RNNConfig stack = c.withNumLayers(2).withBidirectional(true);
        LSTMState s0 = new LSTMState(Tensor.normal(new Generator(19), 0f, 1f, 4, 1, 256),
                Tensor.normal(new Generator(20), 0f, 1f, 4, 1, 256));
        for (RNNConfig cfg : new RNNConfig[] {c, stack}) {
            LSTM m = new LSTM(cfg, 7L);
            LSTMState s = cfg == c ? null : s0;
            Function<RNNBase, float[][]> run = x -> {
                LSTMOutput o = m.forward(input(20, 1, 256), s);
                return new float[][] {o.output().toArray(), o.hN().toArray(), o.cN().toArray()};
            };
            float[][] one = at(1, false, m, run);
            for (int threads : new int[] {2, 3}) {
                float[][] got = at(threads, false, m, run);
                for (int i = 0; i < one.length; i++) {
                    assertThat(got[i]).as("%s, %d threads, array %d", cfg, threads, i).isEqualTo(one[i]);
                }
            }
        }
    }

    /** The backward's gate math ({@link StepGrad}) splits too: every gradient must keep its bits. */
    @Test
    void lstmBackwardFromAnInitialState() {
        RNNConfig c = RNNConfig.lstm(32, 512).withBidirectional(true);
        LSTM m = new LSTM(c, 8L);
        Tensor x = input(5, 12, 32);
        LSTMState s0 = new LSTMState(Tensor.normal(new Generator(10), 0f, 1f, 2, 12, 512),
                Tensor.normal(new Generator(11), 0f, 1f, 2, 12, 512));
        checkGradients(c, 12, m, () -> {
            LSTMOutput o = m.forward(x, s0);
            LSTMGradients g = o.backward(Tensor.ones(o.output().shape()), Tensor.ones(o.hN().shape()),
                    Tensor.ones(o.cN().shape()), true);
            return new float[][] {g.input().toArray(), g.h0().toArray(), g.c0().toArray()};
        });
    }

    /** Variable lengths: the reverse direction's rows start from {@code c_0} at their own last step. */
    @Test
    void packedLstmBackward() {
        RNNConfig c = RNNConfig.lstm(32, 512).withBidirectional(true);
        LSTM m = new LSTM(c, 12L);
        Tensor x = input(6, 12, 32);
        int[] lengths = {6, 6, 6, 5, 5, 5, 5, 4, 4, 4, 4, 4};
        checkGradients(c, 12, m, () -> {
            LSTMOutput o = m.forward(x, lengths, null);
            LSTMGradients g = o.backward(Tensor.ones(o.output().shape()), null, Tensor.ones(o.cN().shape()), true);
            return new float[][] {o.output().toArray(), g.input().toArray()};
        });
    }

    @Test
    void packedGruBackwardFromAnInitialState() {
        RNNConfig c = RNNConfig.gru(32, 512).withBidirectional(true);
        GRU m = new GRU(c, 13L);
        Tensor x = input(6, 16, 32);
        Tensor h0 = Tensor.normal(new Generator(14), 0f, 1f, 2, 16, 512);
        int[] lengths = {6, 6, 6, 6, 6, 5, 5, 5, 5, 4, 4, 4, 4, 3, 3, 3};
        checkGradients(c, 16, m, () -> {
            RNNOutput o = m.forward(x, lengths, h0);
            RNNGradients g = o.backward(Tensor.ones(o.output().shape()), Tensor.ones(o.hN().shape()), true);
            return new float[][] {o.output().toArray(), g.input().toArray(), g.h0().toArray()};
        });
    }

    @Test
    void gruBackward() {
        RNNConfig c = RNNConfig.gru(32, 512);
        GRU m = new GRU(c, 15L);
        Tensor x = input(5, 16, 32);
        checkGradients(c, 16, m, () -> {
            RNNOutput o = m.forward(x);
            RNNGradients g = o.backward(Tensor.ones(o.output().shape()), Tensor.ones(o.hN().shape()), true);
            return new float[][] {g.input().toArray(), g.h0().toArray()};
        });
    }

    /** The plain RNN's backward step (tanh derivative), stacked and bidirectional, from an initial state. */
    @Test
    void rnnTanhBackwardStackFromAnInitialState() {
        RNNConfig c = RNNConfig.rnn(16, 512).withNumLayers(2).withBidirectional(true);
        RNN m = new RNN(c, 16L);
        Tensor x = input(4, 32, 16);
        Tensor h0 = Tensor.normal(new Generator(17), 0f, 1f, 4, 32, 512);
        checkGradients(c, 32, m, () -> {
            RNNOutput o = m.forward(x, h0);
            RNNGradients g = o.backward(Tensor.ones(o.output().shape()), Tensor.ones(o.hN().shape()), true);
            return new float[][] {g.input().toArray(), g.h0().toArray()};
        });
    }

    /** Variable lengths with relu: only the alive rows of a step are computed, split or not. */
    @Test
    void packedRnnReluBackward() {
        RNNConfig c = RNNConfig.rnn(16, 512).withNonlinearity("relu").withBidirectional(true);
        RNN m = new RNN(c, 18L);
        Tensor x = input(5, 40, 16);
        int[] lengths = new int[40];
        for (int n = 0; n < lengths.length; n++) {
            lengths[n] = 5 - n % 4;
        }
        checkGradients(c, 40, m, () -> {
            RNNOutput o = m.forward(x, lengths, null);
            RNNGradients g = o.backward(Tensor.ones(o.output().shape()), Tensor.ones(o.hN().shape()), true);
            return new float[][] {o.output().toArray(), g.input().toArray(), g.h0().toArray()};
        });
    }

    private static void checkGradients(RNNConfig c, int batch, RNNBase m, Supplier<float[][]> step) {
        Threads.setCount(2);
        assertThat(new StepGrad(c).threadsFor(batch)).as("the backward step is split at 2 threads").isEqualTo(2);
        float[][] one = gradients(1, m, step);
        for (int threads : new int[] {2, 3}) {
            float[][] got = gradients(threads, m, step);
            assertThat(got.length).isEqualTo(one.length);
            for (int i = 0; i < one.length; i++) {
                assertThat(got[i]).as("%d threads, array %d", threads, i).isEqualTo(one[i]);
            }
        }
    }

    /** The step's arrays followed by every parameter's gradient, in {@code namedParameters} order. */
    private static float[][] gradients(int threads, RNNBase m, Supplier<float[][]> step) {
        Threads.setCount(threads);
        m.train();
        m.zeroGrad();
        List<float[]> all = new ArrayList<>(List.of(step.get()));
        for (Parameter p : m.namedParameters().values()) {
            all.add(p.grad().toArray());
        }
        return all.toArray(new float[0][]);
    }

    private static void check(RNNConfig c, int batch, Function<RNNBase, float[][]> forward, RNNBase m) {
        Threads.setCount(2);
        assertThat(new StepMath(c).threadsFor(batch)).as("the step is split at 2 threads").isEqualTo(2);
        float[][] one = at(1, false, m, forward);
        for (int threads : new int[] {2, 3}) {
            float[][] got = at(threads, false, m, forward);
            for (int i = 0; i < one.length; i++) {
                assertThat(got[i]).as("%d threads, array %d", threads, i).isEqualTo(one[i]);
            }
        }
        for (int threads : new int[] {1, 2}) {   // the recording forward: another engine, with the same split
            float[][] train = at(threads, true, m, forward);
            for (int i = 0; i < one.length; i++) {
                assertThat(train[i]).as("training forward, %d threads, array %d", threads, i).isEqualTo(one[i]);
            }
        }
    }

    private static float[][] at(int threads, boolean training, RNNBase m, Function<RNNBase, float[][]> forward) {
        Threads.setCount(threads);
        if (training) {
            m.train();
        } else {
            m.eval();
        }
        return forward.apply(m);
    }

    private static Tensor input(int seqLen, int batch, int in) {
        return Tensor.normal(new Generator(seqLen * 1000L + batch), 0f, 1f, seqLen, batch, in);
    }

    private static float[][] flat(RNNOutput o) {
        return new float[][] {o.output().toArray(), o.hN().toArray()};
    }

    private static float[][] flat(LSTMOutput o) {
        return new float[][] {o.output().toArray(), o.hN().toArray(), o.cN().toArray()};
    }
}
