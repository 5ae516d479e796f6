package dev.jrnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The inference workspace a module keeps between forwards ({@link Recurrence.Workspace}): reusing it never
 * changes a result (stale states, other shapes, with and without {@code h0}), and a steady stream of
 * same-shape forwards allocates only the returned arrays.
 */
class InferenceWorkspaceTest {

    /** A module factory: every call builds the same weights (fixed seed), in evaluation mode. */
    private record Case(String name, Supplier<RNNBase> fresh, int inputSize, boolean batchFirst) {
    }

    private static List<Case> cases() {
        return List.of(
                new Case("RNN tanh 2-layer bidirectional batch_first",
                        () -> new RNN(RNNConfig.rnn(3, 5).withNumLayers(2).withBidirectional(true).withBatchFirst(true),
                                11L).eval(), 3, true),
                new Case("RNN relu 3-layer", () -> new RNN(RNNConfig.rnn(4, 6).withNumLayers(3)
                        .withNonlinearity("relu"), 12L).eval(), 4, false),
                new Case("RNN tanh H=40 (wide)", () -> new RNN(RNNConfig.rnn(4, 40), 16L).eval(), 4, false),
                new Case("LSTM projected 2-layer", () -> new LSTM(RNNConfig.lstm(3, 6).withNumLayers(2).withProjSize(4),
                        13L).eval(), 3, false),
                new Case("LSTM bidirectional batch_first", () -> new LSTM(RNNConfig.lstm(3, 5).withBidirectional(true)
                        .withBatchFirst(true), 14L).eval(), 3, true),
                new Case("GRU 2-layer bidirectional", () -> new GRU(RNNConfig.gru(3, 5).withNumLayers(2)
                        .withBidirectional(true), 15L).eval(), 3, false));
    }

    /** {@code (output, h_n[, c_n])} of one evaluation forward, from zeros or from a seeded state. */
    private static float[][] forward(RNNBase m, Tensor x, boolean withState, long stateSeed) {
        RNNConfig c = m.config;
        boolean bf = c.batchFirst();
        int batch = x.size(bf ? 0 : 1);
        int groups = c.numLayers() * c.numDirections();
        Tensor h0 = withState
                ? Tensor.normal(new Generator(stateSeed), 0f, 0.5f, groups, batch, c.outputHiddenSize()) : null;
        if (m instanceof LSTM lstm) {
            LSTMState s = withState ? new LSTMState(h0,
                    Tensor.normal(new Generator(stateSeed + 1), 0f, 0.5f, groups, batch, c.hiddenSize())) : null;
            LSTMOutput o = s == null ? lstm.forward(x) : lstm.forward(x, s);
            return new float[][] {o.output().toArray(), o.hN().toArray(), o.cN().toArray()};
        }
        RNNOutput o = m instanceof RNN r ? (h0 == null ? r.forward(x) : r.forward(x, h0))
                : (h0 == null ? ((GRU) m).forward(x) : ((GRU) m).forward(x, h0));
        return new float[][] {o.output().toArray(), o.hN().toArray()};
    }

    private static Tensor input(Case k, int seqLen, int batch, long seed) {
        return k.batchFirst() ? Tensor.normal(new Generator(seed), 0f, 1f, batch, seqLen, k.inputSize())
                : Tensor.normal(new Generator(seed), 0f, 1f, seqLen, batch, k.inputSize());
    }

    /**
     * One module runs a sequence of calls that alternate shapes (the chunk length changes at L = 40 with
     * N = 64) and the presence of an initial state; each result must be bitwise that of a new module (no
     * workspace yet) making the same single call.
     */
    @Test
    void reusedWorkspaceGivesTheBitsOfAFreshModule() {
        int[][] calls = {{7, 3, 0}, {7, 3, 1}, {7, 3, 0}, {5, 3, 0}, {7, 2, 1}, {300, 64, 0}, {40, 64, 1}, {7, 3, 0}};
        for (Case k : cases()) {
            RNNBase reused = k.fresh().get();
            for (int i = 0; i < calls.length; i++) {
                int[] call = calls[i];
                Tensor x = input(k, call[0], call[1], 100 + i);
                float[][] got = forward(reused, x, call[2] == 1, 200 + i);
                float[][] want = forward(k.fresh().get(), x, call[2] == 1, 200 + i);
                for (int j = 0; j < want.length; j++) {
                    assertArrayEquals(want[j], got[j], k.name() + ", call " + i + ", result " + j);
                }
            }
        }
    }

    /**
     * After warm-up, one forward allocates at most its returned arrays plus 1 KiB (the tensor and output
     * objects: 376–704 bytes on these cases with JDK 17 and 25). The returned sizes are counted here from
     * the shapes. A batch-first input is copied time-major into the module's workspace, not into a new
     * array per call (which allocated 2,416 bytes more here). On the Vector API path C2 may need a
     * while before the kernels run without boxed vectors (see LongSequenceTest), so the forward is repeated
     * until one is within the budget, for at most 20 s.
     */
    @Test
    void steadyStateForwardAllocatesOnlyItsResults() {
        for (Case k : cases()) {
            assertSteadyForwardAllocatesOnlyItsResults(k, k.fresh().get(), "one forward");
        }
    }

    /**
     * With the non-finite check on, an evaluation forward takes the unchunked path ({@code runLayers}); it
     * reads a contiguous time-major input in place (it used to copy it at every call: 2.4–3.2 KB here,
     * over the budget) and otherwise reuses the module's buffers like the default path.
     */
    @Test
    void checkModeForwardAllocatesOnlyItsResults() {
        for (Case k : cases()) {
            if (k.batchFirst()) {
                continue;   // a batch-first input is transposed into a time-major copy: not in place
            }
            RNNBase m = k.fresh().get();
            m.setCheckFinite(true);
            assertSteadyForwardAllocatesOnlyItsResults(k, m, "one check-mode forward");
        }
    }

    /** Warms {@code m} up (with and without initial states), then asserts the budget of the tests above. */
    private static void assertSteadyForwardAllocatesOnlyItsResults(Case k, RNNBase m, String what) {
        int seqLen = 50;
        int batch = 4;
        Tensor x = input(k, seqLen, batch, 7);
        long floats = Alloc.forwardResultFloats(m, seqLen, batch);
        long budget = 4 * floats + 1024;
        for (int i = 0; i < 300; i++) {
            forward(m, x, i % 2 == 0, 3);
        }
        Runnable call = m instanceof LSTM l ? () -> l.forward(x)
                : m instanceof RNN r ? () -> r.forward(x) : () -> ((GRU) m).forward(x);
        long[] settled = Alloc.settle(call, budget, 20);
        assertTrue(settled[0] <= budget, k.name() + ": " + what + " allocated " + settled[0] + " bytes after "
                + settled[1] + " tries; its results are " + 4 * floats + " bytes, budget " + budget);
    }

    /**
     * Initial states given as non-contiguous views (kept batch-major {@code (N, D·layers, H)} and
     * transposed, as batch-first code often keeps them; here also narrowed from wider rows) give the bits
     * of their contiguous copies, and after warm-up a forward from them allocates no more than one from
     * contiguous states (not even the states' few hundred bytes): the module's workspace stages them, as
     * it does a batch-first input.
     */
    @Test
    void stridedInitialStatesAreStagedNotCopiedPerCall() {
        for (Case k : cases()) {
            RNNBase m = k.fresh().get();
            RNNConfig c = m.config;
            int seqLen = 20;
            int batch = 3;
            int groups = c.numLayers() * c.numDirections();
            Tensor x = input(k, seqLen, batch, 17);
            int hOut = c.outputHiddenSize();
            int hidden = c.hiddenSize();
            Tensor h0 = Tensor.normal(new Generator(18), 0f, 0.5f, batch, groups, hOut + 1).narrow(2, 1, hOut)
                    .transpose(0, 1);
            Tensor c0 = Tensor.normal(new Generator(19), 0f, 0.5f, batch, groups, hidden + 1).narrow(2, 1, hidden)
                    .transpose(0, 1);
            Runnable strided;
            float[][] got;
            float[][] want;
            if (m instanceof LSTM l) {
                LSTMState s = new LSTMState(h0, c0);
                LSTMOutput o = l.forward(x, s);
                got = new float[][] {o.output().toArray(), o.hN().toArray(), o.cN().toArray()};
                LSTMOutput p = l.forward(x, new LSTMState(h0.contiguous(), c0.contiguous()));
                want = new float[][] {p.output().toArray(), p.hN().toArray(), p.cN().toArray()};
                strided = () -> l.forward(x, s);
            } else {
                RNNOutput o = m instanceof RNN r ? r.forward(x, h0) : ((GRU) m).forward(x, h0);
                got = new float[][] {o.output().toArray(), o.hN().toArray()};
                RNNOutput p = m instanceof RNN r ? r.forward(x, h0.contiguous()) : ((GRU) m).forward(x, h0.contiguous());
                want = new float[][] {p.output().toArray(), p.hN().toArray()};
                strided = m instanceof RNN r ? () -> r.forward(x, h0) : () -> ((GRU) m).forward(x, h0);
            }
            assertTrue(!h0.isContiguous(), "the test's h_0 must be a strided view");
            for (int j = 0; j < want.length; j++) {
                assertArrayEquals(want[j], got[j], k.name() + ", result " + j);
            }
            Tensor h0c = h0.contiguous();
            Tensor c0c = c0.contiguous();
            LSTMState sc = new LSTMState(h0c, c0c);
            Runnable contiguous = m instanceof LSTM l ? () -> l.forward(x, sc)
                    : m instanceof RNN r ? () -> r.forward(x, h0c) : () -> ((GRU) m).forward(x, h0c);
            long floats = Alloc.forwardResultFloats(m, seqLen, batch);
            for (int i = 0; i < 300; i++) {
                strided.run();
                contiguous.run();
            }
            long[] base = Alloc.settle(contiguous, 4 * floats + 1024, 20);
            long[] settled = Alloc.settle(strided, base[0], 20);
            assertTrue(settled[0] <= base[0], k.name() + ": one forward from strided states allocated " + settled[0]
                    + " bytes after " + settled[1] + " tries, from contiguous ones " + base[0]);
        }
    }
}
