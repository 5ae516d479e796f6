package dev.jrnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Variable-length batches (padded input with lengths, and {@link PackedSequence}) keep their arrays
 * between calls as dense inputs do: evaluation forwards reuse the module's evaluation buffers and its
 * kept packed weights ({@link RNNBase#spareEvalBuffers}, {@link Recurrence#prepare}), training steps the
 * record's recycled buffers. Reuse never changes a result, and a steady stream of calls of one shape
 * allocates only the returned arrays and the layout's index arrays.
 */
class VariableLengthBuffersTest {

    private record Case(String name, Supplier<RNNBase> fresh, int inputSize) {
    }

    private static List<Case> cases() {
        return List.of(
                new Case("RNN tanh 2-layer bidirectional batch_first",
                        () -> new RNN(RNNConfig.rnn(3, 5).withNumLayers(2).withBidirectional(true).withBatchFirst(true),
                                31L), 3),
                new Case("RNN relu, hidden 20", () -> new RNN(RNNConfig.rnn(4, 20).withNonlinearity("relu"), 32L), 4),
                new Case("LSTM projected 2-layer bidirectional", () -> new LSTM(RNNConfig.lstm(3, 6).withNumLayers(2)
                        .withBidirectional(true).withProjSize(4), 33L), 3),
                new Case("LSTM batch_first, no bias", () -> new LSTM(RNNConfig.lstm(3, 5).withBatchFirst(true)
                        .withBias(false), 34L), 3),
                new Case("GRU 2-layer bidirectional", () -> new GRU(RNNConfig.gru(3, 5).withNumLayers(2)
                        .withBidirectional(true), 35L), 3));
    }

    /** One call's input: a padded batch {@code (T, N, H_in)} (batch-first per the module) and its lengths. */
    private record Call(Tensor padded, int[] lengths, boolean packed, Tensor h0, Tensor c0) {
    }

    /**
     * A call of {@code lengths} (any order), padded to {@code max(lengths) + 1} steps; initial states given as
     * strided views ({@code (N, D·layers, ·)} transposed) when {@code withState}.
     */
    private static Call call(RNNBase m, int[] lengths, boolean packed, boolean withState, long seed) {
        RNNConfig c = m.config;
        int steps = 1;
        for (int len : lengths) {
            steps = Math.max(steps, len + 1);
        }
        int batch = lengths.length;
        int groups = c.numLayers() * c.numDirections();
        Tensor x = c.batchFirst() ? Tensor.normal(new Generator(seed), 0f, 1f, batch, steps, c.inputSize())
                : Tensor.normal(new Generator(seed), 0f, 1f, steps, batch, c.inputSize());
        Tensor h0 = withState ? Tensor.normal(new Generator(seed + 1), 0f, 0.5f, batch, groups, c.outputHiddenSize())
                .transpose(0, 1) : null;
        Tensor c0 = withState ? Tensor.normal(new Generator(seed + 2), 0f, 0.5f, batch, groups, c.hiddenSize())
                .transpose(0, 1) : null;
        return new Call(x, lengths, packed, h0, c0);
    }

    /**
     * {@return the call's forward results, and in training mode, after a backward with seeded output and
     * final-state gradients, its input and state gradients and every parameter's gradient}
     */
    private static float[][] run(RNNBase m, Call k, long gradSeed) {
        boolean bf = m.config.batchFirst();
        PackedSequence p = k.packed() ? RnnUtils.packPaddedSequence(k.padded(), k.lengths(), bf, false) : null;
        Tensor out;
        Tensor hN;
        Tensor cN = null;
        Tensor[] grads;
        if (m instanceof LSTM l) {
            LSTMState s = k.h0() == null ? null : new LSTMState(k.h0(), k.c0());
            PackedLSTMOutput po = p == null ? null : l.forwardPacked(p, s);
            LSTMOutput lo = p == null ? l.forward(k.padded(), k.lengths(), s) : null;
            out = po != null ? po.output().data() : lo.output();
            hN = po != null ? po.hN() : lo.hN();
            cN = po != null ? po.cN() : lo.cN();
            if (!m.isTraining()) {
                return new float[][] {out.toArray(), hN.toArray(), cN.toArray()};
            }
            Tensor go = Tensor.normal(new Generator(gradSeed), 0f, 1f, out.shape());
            Tensor gh = Tensor.normal(new Generator(gradSeed + 1), 0f, 1f, hN.shape());
            Tensor gc = Tensor.normal(new Generator(gradSeed + 2), 0f, 1f, cN.shape());
            LSTMGradients g = po != null ? po.backward(go, gh, gc) : lo.backward(go, gh, gc);
            grads = new Tensor[] {g.input(), g.h0(), g.c0()};
        } else {
            Tensor h0 = k.h0();
            PackedRNNOutput po = p == null ? null
                    : m instanceof RNN r ? r.forwardPacked(p, h0) : ((GRU) m).forwardPacked(p, h0);
            RNNOutput ro = p != null ? null
                    : m instanceof RNN r ? r.forward(k.padded(), k.lengths(), h0)
                    : ((GRU) m).forward(k.padded(), k.lengths(), h0);
            out = po != null ? po.output().data() : ro.output();
            hN = po != null ? po.hN() : ro.hN();
            if (!m.isTraining()) {
                return new float[][] {out.toArray(), hN.toArray()};
            }
            Tensor go = Tensor.normal(new Generator(gradSeed), 0f, 1f, out.shape());
            // a strided final-state gradient: the backward reads it in place, sorting its rows
            Tensor gh = Tensor.normal(new Generator(gradSeed + 1), 0f, 1f, hN.size(1), hN.size(0), hN.size(2))
                    .transpose(0, 1);
            RNNGradients g = po != null ? po.backward(go, gh) : ro.backward(go, gh);
            grads = new Tensor[] {g.input(), g.h0()};
        }
        List<Parameter> ps = m.parameters();
        float[][] r = new float[3 + grads.length + ps.size()][];
        r[0] = out.toArray();
        r[1] = hN.toArray();
        r[2] = cN == null ? new float[0] : cN.toArray();
        for (int i = 0; i < grads.length; i++) {
            r[3 + i] = grads[i].toArray();
        }
        for (int i = 0; i < ps.size(); i++) {
            r[3 + grads.length + i] = ps.get(i).grad().toArray();
        }
        return r;
    }

    /**
     * The calls both tests below make: lengths in any order, longest-first or not, low fill (per-step input
     * projection) and high fill (one GEMM), the number of sequences and the longest length changing,
     * packed and padded, with and without initial states.
     */
    private static final int[][] LENGTHS = {{9, 3, 1, 2, 5}, {9, 3, 1, 2, 5}, {7, 7, 6, 7}, {2, 9, 4},
        {9, 3, 1, 2, 5}, {4, 4, 4}, {1}, {9, 3, 1, 2, 5}};

    /**
     * One module in evaluation mode makes a sequence of variable-length calls; each result must be bitwise
     * that of a new module (no buffers, weights not yet packed) making the same single call. Between calls
     * every parameter of both is written in place: the kept packed weights must follow.
     */
    @Test
    void reusedEvaluationBuffersGiveTheBitsOfAFreshModule() {
        for (Case k : cases()) {
            RNNBase reused = k.fresh().get();
            reused.eval();
            for (int i = 0; i < LENGTHS.length; i++) {
                Call c = call(reused, LENGTHS[i], i % 2 == 1, i % 3 != 1, 500 + i);
                float[][] got = run(reused, c, 0);
                RNNBase fresh = k.fresh().get();
                fresh.eval();
                for (int j = 0; j < i; j++) {   // the writes the reused module has had, one by one
                    for (Parameter p : fresh.parameters()) {
                        p.data().addInPlace(0.01f);
                    }
                }
                float[][] want = run(fresh, c, 0);
                for (int j = 0; j < want.length; j++) {
                    assertArrayEquals(want[j], got[j], k.name() + ", call " + i + ", result " + j);
                }
                for (Parameter p : reused.parameters()) {
                    p.data().addInPlace(0.01f);
                }
            }
        }
    }

    /**
     * Two copies of a module run the same variable-length training steps: one recycles its record arrays,
     * the other starts every step with new ones; both get the same weight update after each step. Outputs,
     * input and state gradients and every parameter gradient must agree bitwise.
     */
    @Test
    void recycledTrainingBuffersGiveTheBitsOfNewOnes() {
        for (Case k : cases()) {
            RNNBase recycling = k.fresh().get();
            RNNBase fresh = k.fresh().get();
            for (int i = 0; i < LENGTHS.length; i++) {
                Call c = call(recycling, LENGTHS[i], i % 2 == 0, i % 3 != 1, 600 + i);
                recycling.zeroGrad();
                float[][] got = run(recycling, c, 700 + i);
                fresh.zeroGrad();
                fresh.spareRecordBuffers.set(null);
                float[][] want = run(fresh, c, 700 + i);
                for (int j = 0; j < want.length; j++) {
                    assertArrayEquals(want[j], got[j], k.name() + ", step " + i + ", result " + j);
                }
                for (RNNBase m : new RNNBase[] {recycling, fresh}) {
                    for (Parameter p : m.parameters()) {
                        p.data().addInPlace(0.01f * (i + 1));
                    }
                }
            }
        }
    }

    /**
     * {@return the bytes a call returns beyond the dense results: the layout's index arrays} (the sort order
     * and the batch sizes, and for a padded input the sort's counts; the objects and array headers are in
     * the budget's fixed part)
     */
    private static long layoutBytes(int batch, int steps) {
        return 4L * batch + 4L * steps + 4L * (steps + 2);
    }

    /**
     * After warm-up, one variable-length evaluation forward (strided initial states given) allocates at most
     * its returned arrays and the layout's index arrays, plus 1 KiB of objects. Before the module kept
     * buffers for these calls, the LSTM case here allocated about 30 times its results: the internal
     * input, every layer's output, the states, and both weights packed anew.
     */
    @Test
    void steadyStateVariableLengthForwardAllocatesOnlyItsResults() {
        int[] lengths = {40, 38, 35, 30, 22, 15, 9, 3};
        for (Case k : cases()) {
            for (boolean packed : new boolean[] {false, true}) {
                RNNBase m = k.fresh().get();
                m.eval();
                Call c = call(m, lengths, packed, true, 9);
                int steps = 41;
                long total = 0;
                for (int len : lengths) {
                    total += len;
                }
                RNNConfig cfg = m.config;
                // packed output: Σ lengths rows; padded: the whole padded batch
                long outFloats = (packed ? total : (long) steps * lengths.length)
                        * cfg.numDirections() * cfg.outputHiddenSize();
                long floats = outFloats + Alloc.stateFloats(m, lengths.length);
                long budget = 4 * floats + layoutBytes(lengths.length, steps) + 1024;
                for (int i = 0; i < 300; i++) {
                    run(m, c, 0);
                }
                PackedSequence p = RnnUtils.packPaddedSequence(c.padded(), lengths, cfg.batchFirst(), false);
                LSTMState s = new LSTMState(c.h0(), c.c0());
                Runnable forward = m instanceof LSTM l
                        ? (packed ? () -> l.forwardPacked(p, s) : () -> l.forward(c.padded(), lengths, s))
                        : m instanceof RNN r
                        ? (packed ? () -> r.forwardPacked(p, c.h0()) : () -> r.forward(c.padded(), lengths, c.h0()))
                        : (packed ? () -> ((GRU) m).forwardPacked(p, c.h0())
                        : () -> ((GRU) m).forward(c.padded(), lengths, c.h0()));
                long[] settled = Alloc.settle(forward, budget, 20);
                assertTrue(settled[0] <= budget, k.name() + (packed ? ", packed" : ", padded") + ": one forward"
                        + " allocated " + settled[0] + " bytes after " + settled[1] + " tries; its results are "
                        + 4 * floats + " bytes, budget " + budget);
            }
        }
    }

    /**
     * After warm-up, one variable-length training step (forward from strided initial states, backward with an
     * output gradient, without the input gradient) allocates at most what it returns (output, final states,
     * initial-state gradients) and the layout's index arrays, plus 2.5 KiB of objects.
     */
    @Test
    void steadyStateVariableLengthTrainingStepAllocatesOnlyItsResults() {
        int[] lengths = {40, 38, 35, 30, 22, 15, 9, 3};
        for (Case k : cases()) {
            for (boolean packed : new boolean[] {false, true}) {
                RNNBase m = k.fresh().get();
                RNNConfig cfg = m.config;
                Call c = call(m, lengths, packed, true, 19);
                int steps = 41;
                long total = 0;
                for (int len : lengths) {
                    total += len;
                }
                int dh = cfg.numDirections() * cfg.outputHiddenSize();
                long outFloats = (packed ? total : (long) steps * lengths.length) * dh;
                long floats = outFloats + 2 * Alloc.stateFloats(m, lengths.length);
                long budget = 4 * floats + layoutBytes(lengths.length, steps) + 2560;
                for (int i = 0; i < 100; i++) {
                    run(m, c, 3);
                }
                PackedSequence p = RnnUtils.packPaddedSequence(c.padded(), lengths, cfg.batchFirst(), false);
                LSTMState s = new LSTMState(c.h0(), c.c0());
                Tensor go = packed ? Tensor.ones((int) total, dh)
                        : cfg.batchFirst() ? Tensor.ones(lengths.length, steps, dh) : Tensor.ones(steps, lengths.length, dh);
                Runnable step = m instanceof LSTM l
                        ? (packed ? () -> l.forwardPacked(p, s).backward(go, null, null, false)
                        : () -> l.forward(c.padded(), lengths, s).backward(go, null, null, false))
                        : m instanceof RNN r
                        ? (packed ? () -> r.forwardPacked(p, c.h0()).backward(go, null, false)
                        : () -> r.forward(c.padded(), lengths, c.h0()).backward(go, null, false))
                        : (packed ? () -> ((GRU) m).forwardPacked(p, c.h0()).backward(go, null, false)
                        : () -> ((GRU) m).forward(c.padded(), lengths, c.h0()).backward(go, null, false));
                long[] settled = Alloc.settle(step, budget, 20);
                assertTrue(settled[0] <= budget, k.name() + (packed ? ", packed" : ", padded") + ": one training"
                        + " step allocated " + settled[0] + " bytes after " + settled[1] + " tries; it returns "
                        + 4 * floats + " bytes, budget " + budget);
            }
        }
    }
}
