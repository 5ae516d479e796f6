package dev.jrnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Inference on T = 100,000 steps: the chunked engine ({@link Recurrence}) gives exactly the values of a
 * chain of ten shorter forwards that pass {@code h_n} (and {@code c_n}) on, and of the unchunked
 * training-mode engine, and allocates no more than the returned output plus 1 MiB.
 */
class LongSequenceTest {

    private static final int T = 100_000;
    private static final int N = 2;
    private static final int I = 4;
    private static final int SEGMENTS = 10;

    @Test
    void rnnTanhTwoLayers() {
        RNN rnn = new RNN(RNNConfig.rnn(I, 8).withNumLayers(2), 21L).eval();
        Tensor x = Tensor.normal(new Generator(1), 0f, 1f, T, N, I);
        Tensor h0 = Tensor.normal(new Generator(2), 0f, 0.5f, 2, N, 8);
        RNNOutput full = rnn.forward(x, h0);
        Tensor h = h0;
        for (int k = 0; k < SEGMENTS; k++) {
            RNNOutput part = rnn.forward(x.narrow(0, k * (T / SEGMENTS), T / SEGMENTS), h);
            assertArrayEquals(full.output().narrow(0, k * (T / SEGMENTS), T / SEGMENTS).toArray(),
                    part.output().toArray(), "segment " + k);
            h = part.hN();
        }
        assertArrayEquals(full.hN().toArray(), h.toArray());
        assertSameAsTrainingPath(rnn, x, (m, in) -> ((RNN) m).forward(in, h0).output());
        assertAllocation(() -> rnn.forward(x, h0), T * N * 8);
    }

    @Test
    void projectedLstmTwoLayers() {
        LSTM lstm = new LSTM(RNNConfig.lstm(I, 8).withNumLayers(2).withProjSize(5), 22L).eval();
        Tensor x = Tensor.normal(new Generator(3), 0f, 1f, T, N, I);
        LSTMOutput full = lstm.forward(x);
        LSTMState state = null;
        for (int k = 0; k < SEGMENTS; k++) {
            Tensor seg = x.narrow(0, k * (T / SEGMENTS), T / SEGMENTS);
            LSTMOutput part = state == null ? lstm.forward(seg) : lstm.forward(seg, state);
            assertArrayEquals(full.output().narrow(0, k * (T / SEGMENTS), T / SEGMENTS).toArray(),
                    part.output().toArray(), "segment " + k);
            state = new LSTMState(part.hN(), part.cN());
        }
        assertArrayEquals(full.hN().toArray(), state.h().toArray());
        assertArrayEquals(full.cN().toArray(), state.c().toArray());
        assertSameAsTrainingPath(lstm, x, (m, in) -> ((LSTM) m).forward(in).output());
        assertAllocation(() -> lstm.forward(x), T * N * 5);
    }

    @Test
    void gru() {
        GRU gru = new GRU(RNNConfig.gru(I, 8), 23L).eval();
        Tensor x = Tensor.normal(new Generator(4), 0f, 1f, T, N, I);
        RNNOutput full = gru.forward(x);
        Tensor h = null;
        for (int k = 0; k < SEGMENTS; k++) {
            Tensor seg = x.narrow(0, k * (T / SEGMENTS), T / SEGMENTS);
            RNNOutput part = h == null ? gru.forward(seg) : gru.forward(seg, h);
            assertArrayEquals(full.output().narrow(0, k * (T / SEGMENTS), T / SEGMENTS).toArray(),
                    part.output().toArray(), "segment " + k);
            h = part.hN();
        }
        assertArrayEquals(full.hN().toArray(), h.toArray());
        assertSameAsTrainingPath(gru, x, (m, in) -> ((GRU) m).forward(in).output());
        assertAllocation(() -> gru.forward(x), T * N * 8);
    }

    @Test
    void bidirectionalChunkedEqualsTrainingPath() {
        GRU gru = new GRU(RNNConfig.gru(I, 6).withNumLayers(2).withBidirectional(true), 24L).eval();
        Tensor x = Tensor.normal(new Generator(5), 0f, 1f, 700, 3, I);
        assertSameAsTrainingPath(gru, x, (m, in) -> ((GRU) m).forward(in).output());
        LSTM lstm = new LSTM(RNNConfig.lstm(I, 6).withNumLayers(2).withBidirectional(true).withProjSize(4), 25L)
                .eval();
        assertSameAsTrainingPath(lstm, x, (m, in) -> ((LSTM) m).forward(in).output());
        RNN relu = new RNN(RNNConfig.rnn(I, 6).withNonlinearity("relu").withBidirectional(true), 26L).eval();
        assertSameAsTrainingPath(relu, x, (m, in) -> ((RNN) m).forward(in).output());
    }

    /**
     * The training-mode forward (dropout 0) runs the unchunked engine with one {@code (L, N, G)} input
     * projection; the chunked inference must give the same bits. Uses the first 3,000 steps.
     */
    private static void assertSameAsTrainingPath(RNNBase m, Tensor x, BiFunction<RNNBase, Tensor, Tensor> fwd) {
        Tensor in = x.narrow(0, 0, Math.min(3000, x.size(0)));
        float[] eval = fwd.apply(m, in).toArray();
        m.train();
        float[] train;
        try {
            train = fwd.apply(m, in).toArray();
        } finally {
            m.eval();
        }
        assertArrayEquals(train, eval);
    }

    /**
     * Bytes allocated by one more forward ≤ output + 1 MiB, in steady state: on the Vector API path the
     * kernels allocate (boxed vectors) until C2 has compiled them with the vector intrinsics inlined,
     * which on a busy machine, after the rest of the suite has shaped the JIT's profiles, has taken
     * more than 20 forwards; so the forward is repeated until one measurement is within the budget,
     * for at most 30 s. The first measurements and the last are printed.
     */
    private static void assertAllocation(Runnable forward, long outputFloats) {
        long budget = outputFloats * 4 + (1 << 20);
        long used = Long.MAX_VALUE;
        long deadline = System.nanoTime() + 30_000_000_000L;
        int attempt = 0;
        for (; used > budget && (attempt < 3 || System.nanoTime() < deadline); attempt++) {
            long before = Alloc.bytes();
            forward.run();
            used = Alloc.bytes() - before;
            if (attempt < 3) {
                System.out.println("LongSequenceTest: forward over T=" + T + " allocated " + used
                        + " bytes; output " + outputFloats * 4 + " bytes (attempt " + attempt + ")");
            }
        }
        System.out.println("LongSequenceTest: last of " + attempt + " forwards allocated " + used + " bytes");
        assertTrue(used <= budget, "allocated " + used + " bytes after " + attempt + " forwards, budget " + budget);
    }
}
