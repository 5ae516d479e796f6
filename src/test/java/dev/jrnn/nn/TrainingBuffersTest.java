package dev.jrnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The arrays a training forward records are recycled after its backward ({@link ForwardRecord.Buffers}):
 * recycling never changes a result, and a steady stream of training steps of one shape allocates only
 * what the step returns.
 */
class TrainingBuffersTest {

    private record Case(String name, Supplier<RNNBase> fresh, int inputSize, boolean batchFirst) {
    }

    private static List<Case> cases() {
        return List.of(
                new Case("RNN tanh 2-layer bidirectional, dropout 0.3",
                        () -> new RNN(RNNConfig.rnn(3, 5).withNumLayers(2).withBidirectional(true).withDropout(0.3),
                                21L), 3, false),
                new Case("RNN relu 3-layer batch_first", () -> new RNN(RNNConfig.rnn(4, 6).withNumLayers(3)
                        .withNonlinearity("relu").withBatchFirst(true), 22L), 4, true),
                // hidden 20: the relu and its backward run their 16-lane vector loops. With this case ahead of
                // the tanh case, the tanh step allocated 29-108 KB in about a third of the test JVMs until
                // VectorWarmup (design notes, "Gathers and the JIT").
                new Case("RNN relu, hidden 20", () -> new RNN(RNNConfig.rnn(4, 20).withNonlinearity("relu"), 26L), 4,
                        false),
                new Case("LSTM projected 2-layer, dropout 0.5", () -> new LSTM(RNNConfig.lstm(3, 6).withNumLayers(2)
                        .withProjSize(4).withDropout(0.5), 23L), 3, false),
                new Case("LSTM bidirectional batch_first", () -> new LSTM(RNNConfig.lstm(3, 5).withBidirectional(true)
                        .withBatchFirst(true), 24L), 3, true),
                new Case("GRU 2-layer bidirectional, dropout 1.0", () -> new GRU(RNNConfig.gru(3, 5).withNumLayers(2)
                        .withBidirectional(true).withDropout(1.0), 25L), 3, false));
    }

    /** One training step (zero grads, forward, backward of the sum of output and states); its results. */
    private static float[][] step(RNNBase m, Tensor x, boolean withState, long stateSeed) {
        m.zeroGrad();
        RNNConfig c = m.config;
        int batch = x.size(c.batchFirst() ? 0 : 1);
        int groups = c.numLayers() * c.numDirections();
        Tensor h0 = withState
                ? Tensor.normal(new Generator(stateSeed), 0f, 0.5f, groups, batch, c.outputHiddenSize()) : null;
        float[] out;
        float[] hN;
        float[] dx;
        if (m instanceof LSTM lstm) {
            LSTMState s = withState ? new LSTMState(h0,
                    Tensor.normal(new Generator(stateSeed + 1), 0f, 0.5f, groups, batch, c.hiddenSize())) : null;
            LSTMOutput o = s == null ? lstm.forward(x) : lstm.forward(x, s);
            out = o.output().toArray();
            hN = o.hN().toArray();
            dx = o.backward(Tensor.ones(o.output().shape()), Tensor.ones(o.hN().shape()), null).input().toArray();
        } else {
            RNNOutput o = m instanceof RNN r ? (h0 == null ? r.forward(x) : r.forward(x, h0))
                    : (h0 == null ? ((GRU) m).forward(x) : ((GRU) m).forward(x, h0));
            out = o.output().toArray();
            hN = o.hN().toArray();
            dx = o.backward(Tensor.ones(o.output().shape()), Tensor.ones(o.hN().shape())).input().toArray();
        }
        List<Parameter> ps = m.parameters();
        float[][] r = new float[3 + ps.size()][];
        r[0] = out;
        r[1] = hN;
        r[2] = dx;
        for (int i = 0; i < ps.size(); i++) {
            r[3 + i] = ps.get(i).grad().toArray();
        }
        return r;
    }

    private static Tensor input(Case k, int seqLen, int batch, long seed) {
        return k.batchFirst() ? Tensor.normal(new Generator(seed), 0f, 1f, batch, seqLen, k.inputSize())
                : Tensor.normal(new Generator(seed), 0f, 1f, seqLen, batch, k.inputSize());
    }

    /**
     * Two copies of a module run the same steps (shapes and initial states vary): one recycles its record
     * arrays, the other is made to start every step with new ones, and both get the same weight update
     * after each step. Every result must agree bitwise (dropout masks included: both draw from identically
     * seeded generators).
     */
    @Test
    void recycledArraysGiveTheBitsOfNewOnes() {
        int[][] steps = {{6, 3, 0}, {6, 3, 1}, {6, 3, 0}, {4, 3, 0}, {6, 2, 1}, {6, 3, 1}};
        for (Case k : cases()) {
            RNNBase recycling = k.fresh().get();
            RNNBase fresh = k.fresh().get();
            for (int i = 0; i < steps.length; i++) {
                Tensor x = input(k, steps[i][0], steps[i][1], 300 + i);
                float[][] got = step(recycling, x, steps[i][2] == 1, 400 + i);
                fresh.spareRecordBuffers.set(null);
                float[][] want = step(fresh, x, steps[i][2] == 1, 400 + i);
                for (int j = 0; j < want.length; j++) {
                    assertArrayEquals(want[j], got[j], k.name() + ", step " + i + ", result " + j);
                }
                // the same weight update on both (recycled weight copies and packed weights must follow it)
                for (RNNBase m : new RNNBase[] {recycling, fresh}) {
                    for (Parameter p : m.parameters()) {
                        p.data().addInPlace(0.01f * (i + 1));
                    }
                }
            }
        }
    }

    /**
     * After warm-up, one training step of a fixed shape (forward, backward without the input gradient)
     * allocates at most what it returns (the forward's output and states, the initial-state gradients)
     * plus 2.5 KiB (the output, record and gradient objects and the record's arrays of references: 984–1,824
     * bytes on these cases with JDK 17 and 25). A batch-first step's time-major output is a recycled record
     * array, not a second output per step (which allocated 2,896–4,816 bytes more here). Repeated for up to
     * 20 s while the JIT settles (see LongSequenceTest).
     */
    @Test
    void steadyStateTrainingStepAllocatesOnlyItsResults() {
        for (Case k : cases()) {
            RNNBase m = k.fresh().get();
            int seqLen = 30;
            int batch = 4;
            Tensor x = input(k, seqLen, batch, 9);
            // the forward's output and states, and backward's gradients of the initial states
            long floats = Alloc.forwardResultFloats(m, seqLen, batch) + Alloc.stateFloats(m, batch);
            long budget = 4 * floats + 2560;
            Runnable train = m instanceof LSTM l ? () -> l.forward(x).backward(null, null, null, false)
                    : m instanceof RNN r ? () -> r.forward(x).backward(null, null, false)
                    : () -> ((GRU) m).forward(x).backward(null, null, false);
            for (int i = 0; i < 300; i++) {
                train.run();
            }
            long[] settled = Alloc.settle(train, budget, 20);
            long used = settled[0];
            long attempt = settled[1];
            assertTrue(used <= budget, k.name() + ": one training step allocated " + used + " bytes after " + attempt
                    + " tries; the step returns " + 4 * floats + " bytes, budget " + budget);
        }
    }

    /**
     * A training step from given initial states, with an output gradient (batch-first for batch-first
     * modules, so the engine reads a transposed view of it), allocates no more than the same step from
     * zero states: the states' copies the record keeps are recycled arrays, and the output gradient's
     * time-major view is copied once, into the backward workspace, not into a new array per step.
     */
    @Test
    void aStepFromGivenStatesWithAnOutputGradientAllocatesNoMoreThanFromZeros() {
        for (Case k : cases()) {
            RNNBase m = k.fresh().get();
            RNNConfig c = m.config;
            int seqLen = 30;
            int batch = 4;
            int groups = c.numLayers() * c.numDirections();
            Tensor x = input(k, seqLen, batch, 9);
            Tensor h0 = Tensor.normal(new Generator(10), 0f, 0.5f, groups, batch, c.outputHiddenSize());
            Tensor c0 = Tensor.normal(new Generator(11), 0f, 0.5f, groups, batch, c.hiddenSize());
            LSTMState state = new LSTMState(h0, c0);
            int dh = c.numDirections() * c.outputHiddenSize();
            Tensor gradOutput = c.batchFirst() ? Tensor.ones(batch, seqLen, dh) : Tensor.ones(seqLen, batch, dh);
            Runnable fromStates = m instanceof LSTM l ? () -> l.forward(x, state).backward(gradOutput, null, null, false)
                    : m instanceof RNN r ? () -> r.forward(x, h0).backward(gradOutput, null, false)
                    : () -> ((GRU) m).forward(x, h0).backward(gradOutput, null, false);
            Runnable fromZeros = m instanceof LSTM l ? () -> l.forward(x).backward(gradOutput, null, null, false)
                    : m instanceof RNN r ? () -> r.forward(x).backward(gradOutput, null, false)
                    : () -> ((GRU) m).forward(x).backward(gradOutput, null, false);
            long floats = Alloc.forwardResultFloats(m, seqLen, batch) + Alloc.stateFloats(m, batch);
            for (int i = 0; i < 300; i++) {
                fromStates.run();
                fromZeros.run();
            }
            long[] base = Alloc.settle(fromZeros, 4 * floats + 2560, 20);
            long[] settled = Alloc.settle(fromStates, base[0], 20);
            assertTrue(base[0] <= 4 * floats + 2560, k.name() + ": a step from zeros allocated " + base[0]
                    + " bytes; the step returns " + 4 * floats);
            assertTrue(settled[0] <= base[0], k.name() + ": a step from given states allocated " + settled[0]
                    + " bytes after " + settled[1] + " tries, from zeros " + base[0]);
        }
    }
}
