package dev.jrnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Training one module from two threads: a thread held inside the guarded region (by the package-private
 * {@link RNNBase#trainingGuardHook}) makes another thread's training forward and backward fail with an
 * {@link IllegalStateException} naming it, with the gradients unchanged; the held call completes with the
 * values of an undisturbed run, and the guard is free afterwards.
 */
class TrainingGuardTest {

    private static final String HOLDER = "jrnn-guard-holder";

    @Test
    void rnnForwardAndBackwardAreRefusedWhileAnotherThreadTrains() throws Exception {
        RNN rnn = new RNN(RNNConfig.rnn(3, 5).withNumLayers(2), 31L);
        Tensor x = Tensor.normal(new Generator(1), 0f, 1f, 6, 2, 3);
        check(rnn, () -> rnn.forward(x).output(), () -> rnn.forward(x).backward(x.narrow(2, 0, 1).expand(6, 2, 5)
                .contiguous(), null).input());
    }

    @Test
    void lstmAndGru() throws Exception {
        LSTM lstm = new LSTM(RNNConfig.lstm(3, 4).withProjSize(2), 32L);
        Tensor x = Tensor.normal(new Generator(2), 0f, 1f, 5, 2, 3);
        Tensor g = Tensor.normal(new Generator(3), 0f, 1f, 5, 2, 2);
        check(lstm, () -> lstm.forward(x).output(), () -> lstm.forward(x).backward(g, null, null).input());
        GRU gru = new GRU(RNNConfig.gru(3, 4), 33L);
        Tensor gg = Tensor.normal(new Generator(4), 0f, 1f, 5, 2, 4);
        check(gru, () -> gru.forward(x).output(), () -> gru.forward(x).backward(gg, null).input());
    }

    /**
     * @param forward a training-mode forward returning its output
     * @param step a training-mode forward and backward returning the input gradient
     */
    private static void check(RNNBase m, Supplier<Tensor> forward, Supplier<Tensor> step) throws Exception {
        float[] expectedOut = forward.get().toArray();
        Tensor expectedGrad = step.get();
        m.zeroGrad();
        // a backward to attempt while the holder is inside: its forward runs before the holder enters
        Supplier<Object> pendingBackward = pendingBackward(m, forward);

        for (boolean holdInBackward : new boolean[] {false, true}) {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            int[] calls = {0};
            m.trainingGuardHook = () -> {
                if (Thread.currentThread().getName().equals(HOLDER) && (!holdInBackward || ++calls[0] == 2)) {
                    entered.countDown();
                    try {
                        assertTrue(release.await(30, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }
            };
            AtomicReference<Object> result = new AtomicReference<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread holder = new Thread(() -> {
                try {
                    result.set(holdInBackward ? step.get() : forward.get());
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, HOLDER);
            holder.start();
            try {
                assertTrue(entered.await(30, TimeUnit.SECONDS), "holder never entered the guarded region");
                float[] gradBefore = m.parameters().get(0).grad().toArray();
                IllegalStateException f = assertThrows(IllegalStateException.class, forward::get);
                assertTrue(f.getMessage().contains("\"" + HOLDER + "\""), f.getMessage());
                assertTrue(f.getMessage().contains("forward"), f.getMessage());
                IllegalStateException b = assertThrows(IllegalStateException.class, pendingBackward::get);
                assertTrue(b.getMessage().contains("\"" + HOLDER + "\"") && b.getMessage().contains("backward"),
                        b.getMessage());
                assertArrayEquals(gradBefore, m.parameters().get(0).grad().toArray(), "grad touched by a refused call");
            } finally {
                release.countDown();
                holder.join(30_000);
                m.trainingGuardHook = null;
            }
            if (failure.get() != null) {
                throw new AssertionError("holder failed", failure.get());
            }
            if (holdInBackward) {
                assertArrayEquals(expectedGrad.toArray(), ((Tensor) result.get()).toArray());
            } else {
                assertArrayEquals(expectedOut, ((Tensor) result.get()).toArray());
            }
            // the guard is free again: the same calls work from this thread
            assertArrayEquals(expectedOut, forward.get().toArray());
            m.zeroGrad();
            pendingBackward = pendingBackward(m, forward);
        }
    }

    /** A training forward run now, whose backward (with zero upstream gradients) runs when the supplier is called. */
    private static Supplier<Object> pendingBackward(RNNBase m, Supplier<Tensor> unused) {
        Tensor x = Tensor.normal(new Generator(9), 0f, 1f, 4, 2, m.config().inputSize());
        if (m instanceof LSTM l) {
            LSTMOutput o = l.forward(x);
            return () -> o.backward(null, null, null);
        }
        RNNOutput o = m instanceof RNN r ? r.forward(x) : ((GRU) m).forward(x);
        return () -> o.backward(null, null);
    }
}
