package dev.jrnn.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Inference on one shared module from many threads: 8 threads × 1,000 forwards in evaluation mode on
 * the same LSTM / GRU instance, random inputs, and every result must be bitwise equal to the result the
 * same input gave single-threaded before the threads started (any shared scratch buffer or weight
 * mutation would show up as a mismatch). The comparison is on raw float bits, so a NaN where the
 * reference has a number (or the reverse) also fails.
 */
class ConcurrentInferenceTest {

    private static final int THREADS = 8;
    private static final int CALLS_PER_THREAD = 1000;
    private static final int DISTINCT_INPUTS = 24;

    @Test
    void sharedProjectedBidirectionalLstm() throws Exception {
        LSTM lstm = new LSTM(RNNConfig.lstm(5, 7).withNumLayers(2).withBidirectional(true).withProjSize(3), 11L)
                .eval();
        runShared(seed -> Tensor.normal(new Generator(seed), 0f, 1f, 6, 3, 5), x -> {
            LSTMOutput o = lstm.forward(x);
            return new float[][] {o.output().toArray(), o.hN().toArray(), o.cN().toArray()};
        });
    }

    @Test
    void sharedBatchFirstLstmWithState() throws Exception {
        LSTM lstm = new LSTM(RNNConfig.lstm(4, 6).withBatchFirst(true), 12L).eval();
        runShared(seed -> Tensor.normal(new Generator(seed), 0f, 1f, 3, 5, 4), x -> {
            Tensor h0 = Tensor.normal(new Generator(Float.floatToIntBits(x.toArray()[0])), 0f, 1f, 1, 3, 6);
            Tensor c0 = Tensor.normal(new Generator(Float.floatToIntBits(x.toArray()[1])), 0f, 1f, 1, 3, 6);
            LSTMOutput o = lstm.forward(x, new LSTMState(h0, c0));
            return new float[][] {o.output().toArray(), o.hN().toArray(), o.cN().toArray()};
        });
    }

    @Test
    void sharedBidirectionalBatchFirstGru() throws Exception {
        GRU gru = new GRU(RNNConfig.gru(5, 8).withBidirectional(true).withBatchFirst(true), 13L).eval();
        runShared(seed -> Tensor.normal(new Generator(seed), 0f, 1f, 4, 6, 5), x -> {
            RNNOutput o = gru.forward(x);
            return new float[][] {o.output().toArray(), o.hN().toArray()};
        });
    }

    /**
     * Variable-length batches whose number of sequences and longest length change from call to call, so
     * that the module's evaluation buffers are taken, resized and put back concurrently; half packed, half
     * padded with lengths.
     */
    @Test
    void sharedVariableLengthLstmAndGru() throws Exception {
        LSTM lstm = new LSTM(RNNConfig.lstm(4, 6).withNumLayers(2).withBidirectional(true).withProjSize(3), 16L)
                .eval();
        GRU gru = new GRU(RNNConfig.gru(4, 5).withBatchFirst(true), 17L).eval();
        Function<Long, Tensor> input = seed -> Tensor.normal(new Generator(seed), 0f, 1f, 3 + (int) (seed % 5),
                2 + (int) (seed % 3), 4);
        runShared(input, x -> {
            int steps = x.size(0);
            int[] lengths = new int[x.size(1)];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = 1 + (i * 5 + steps) % steps;
            }
            boolean packed = (steps + lengths.length) % 2 == 0;
            LSTMOutput o = packed ? null : lstm.forward(x, lengths, null);
            PackedLSTMOutput po = packed ? lstm.forwardPacked(RnnUtils.packPaddedSequence(x, lengths, false, false))
                    : null;
            RNNOutput g = gru.forward(x.transpose(0, 1), lengths, null);   // batch-first: a strided view, read in place
            return new float[][] {packed ? po.output().data().toArray() : o.output().toArray(),
                packed ? po.hN().toArray() : o.hN().toArray(), packed ? po.cN().toArray() : o.cN().toArray(),
                g.output().toArray(), g.hN().toArray()};
        });
    }

    private static void runShared(Function<Long, Tensor> input, Function<Tensor, float[][]> forward)
            throws Exception {
        List<Tensor> inputs = new ArrayList<>();
        List<float[][]> expected = new ArrayList<>();
        for (int i = 0; i < DISTINCT_INPUTS; i++) {
            Tensor x = input.apply(1000L + i);
            inputs.add(x);
            expected.add(forward.apply(x));
        }
        // the inputs differ from each other (else a mix-up between calls could not be seen)
        assertTrue(!java.util.Arrays.equals(expected.get(0)[0], expected.get(1)[0]));
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                Callable<Integer> job = () -> {
                    start.await();
                    int mismatches = 0;
                    for (int call = 0; call < CALLS_PER_THREAD; call++) {
                        int k = (thread * 7 + call * 5) % DISTINCT_INPUTS;
                        float[][] got = forward.apply(inputs.get(k));
                        float[][] want = expected.get(k);
                        for (int part = 0; part < want.length; part++) {
                            if (!bitwiseEqual(want[part], got[part])) {
                                mismatches++;
                            }
                        }
                    }
                    return mismatches;
                };
                futures.add(pool.submit(job));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : futures) {
                total += f.get();
            }
            assertEquals(0, total, "results that differ from the single-threaded result");
        } finally {
            pool.shutdownNow();
        }
    }

    private static boolean bitwiseEqual(float[] a, float[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                return false;
            }
        }
        return true;
    }
}
