package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.nn.internal.RowParallel;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.Threads;
import dev.jrnn.tensor.internal.GemmEngine;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The inference engine splits a big step's gate math and the chunk's bias add over the batch rows
 * ({@link RowParallel}), and a big batch-1 step's GEMV over column panels. Every shape here is big enough
 * for those splits at 2 and 3 threads (asserted, so the test cannot silently stop covering them), and
 * each result must be bitwise the 1-thread result and the training forward's (a separate engine that
 * never splits the gate math). A row computed twice (the gate math works in place), skipped or written
 * by the wrong thread changes the result.
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
        LSTM m = new LSTM(c, 7L);
        float[][] one = at(1, false, m, x -> flat(m.forward(input(20, 1, 256))));
        for (int threads : new int[] {2, 3}) {
            float[][] got = at(threads, false, m, x -> flat(m.forward(input(20, 1, 256))));
            for (int i = 0; i < one.length; i++) {
                assertThat(got[i]).as("%d threads, array %d", threads, i).isEqualTo(one[i]);
            }
        }
    }

    private static void check(RNNConfig c, int batch, Function<RNNBase, float[][]> forward, RNNBase m) {
        Threads.setCount(2);
        Recurrence.StepMath math = new Recurrence.Scratch(c, 1, batch).math;
        assertThat(math.threadsFor(batch)).as("the step is split at 2 threads").isEqualTo(2);
        float[][] one = at(1, false, m, forward);
        for (int threads : new int[] {2, 3}) {
            float[][] got = at(threads, false, m, forward);
            for (int i = 0; i < one.length; i++) {
                assertThat(got[i]).as("%d threads, array %d", threads, i).isEqualTo(one[i]);
            }
        }
        float[][] train = at(2, true, m, forward);   // another engine, whose gate math never splits
        for (int i = 0; i < one.length; i++) {
            assertThat(train[i]).as("training forward, array %d", i).isEqualTo(one[i]);
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
