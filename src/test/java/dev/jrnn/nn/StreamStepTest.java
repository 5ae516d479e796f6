package dev.jrnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The streaming step API: every mode (tanh, relu, LSTM, projected LSTM, GRU; 1 and 2 layers), batched and
 * unbatched, from zero and from given states, step by step bitwise equal to the full inference forward
 * over the same sequence (which the conformance tests check against torch); zero bytes allocated per
 * {@code step(x, s, out)} in steady state; the refusals.
 */
class StreamStepTest {

    private static final int T = 23;
    private static final int N = 3;
    private static final int I = 4;
    private static final int H = 5;

    static List<RNNBase> modules() {
        List<RNNBase> ms = new ArrayList<>();
        ms.add(new RNN(RNNConfig.rnn(I, H), 41L).eval());
        ms.add(new RNN(RNNConfig.rnn(I, H).withNumLayers(2), 42L).eval());
        ms.add(new RNN(RNNConfig.rnn(I, H).withNonlinearity("relu"), 43L).eval());
        ms.add(new RNN(RNNConfig.rnn(I, H).withNonlinearity("relu").withNumLayers(2).withBias(false), 44L).eval());
        ms.add(new LSTM(RNNConfig.lstm(I, H), 45L).eval());
        ms.add(new LSTM(RNNConfig.lstm(I, H).withNumLayers(2), 46L).eval());
        ms.add(new LSTM(RNNConfig.lstm(I, H).withProjSize(3), 47L).eval());
        ms.add(new LSTM(RNNConfig.lstm(I, H).withNumLayers(2).withProjSize(3), 48L).eval());
        ms.add(new GRU(RNNConfig.gru(I, H), 49L).eval());
        ms.add(new GRU(RNNConfig.gru(I, H).withNumLayers(2), 50L).eval());
        ms.add(new GRU(RNNConfig.gru(I, H).withNumLayers(2).withBias(false), 51L).eval());
        return ms;
    }

    @Test
    void everyModeMatchesTheFullForwardBitwise() {
        for (RNNBase m : modules()) {
            RNNConfig c = m.config();
            int layers = c.numLayers();
            int hOut = c.outputHiddenSize();
            Tensor x = Tensor.normal(new Generator(7), 0f, 1f, T, N, I);
            for (boolean withState : new boolean[] {false, true}) {
                Tensor h0 = Tensor.normal(new Generator(8), 0f, 0.5f, layers, N, hOut);
                Tensor c0 = Tensor.normal(new Generator(9), 0f, 0.5f, layers, N, H);
                Tensor out;
                Tensor hN;
                Tensor cN = null;
                StreamState s;
                if (m instanceof LSTM l) {
                    LSTMOutput o = withState ? l.forward(x, new LSTMState(h0, c0)) : l.forward(x);
                    out = o.output();
                    hN = o.hN();
                    cN = o.cN();
                    s = withState ? l.newStreamState(new LSTMState(h0, c0)) : l.newStreamState(N);
                } else {
                    RNNOutput o = withState ? forward(m, x, h0) : forward(m, x, null);
                    out = o.output();
                    hN = o.hN();
                    s = withState ? m.newStreamState(h0) : m.newStreamState(N);
                }
                Tensor buf = Tensor.zeros(N, hOut);
                for (int t = 0; t < T; t++) {
                    String where = m + " state=" + withState + " t=" + t;
                    if (t % 2 == 0) {
                        assertArrayEquals(out.select(0, t).toArray(), m.step(x.select(0, t), s).toArray(), where);
                    } else {
                        m.step(x.select(0, t), s, buf);
                        assertArrayEquals(out.select(0, t).toArray(), buf.toArray(), where);
                    }
                }
                assertArrayEquals(hN.toArray(), s.h().toArray(), m + " h_n");
                if (cN != null) {
                    assertArrayEquals(cN.toArray(), s.c().toArray(), m + " c_n");
                }
            }
        }
    }

    @Test
    void unbatchedStreamMatchesForwardUnbatched() {
        for (RNNBase m : modules()) {
            Tensor x = Tensor.normal(new Generator(10), 0f, 1f, T, I);
            Tensor out = m instanceof LSTM l ? l.forwardUnbatched(x).output()
                    : m instanceof RNN r ? r.forwardUnbatched(x).output() : ((GRU) m).forwardUnbatched(x).output();
            StreamState s = m.newUnbatchedStreamState();
            assertTrue(s.isUnbatched());
            Tensor buf = Tensor.zeros(m.config().outputHiddenSize());
            for (int t = 0; t < T; t++) {
                m.step(x.select(0, t), s, buf);
                assertArrayEquals(out.select(0, t).toArray(), buf.toArray(), m + " t=" + t);
            }
            assertEquals(2, s.h().dim());
        }
    }

    @Test
    void steadyStateStepAllocatesNothing() {
        for (RNNBase m : modules()) {
            StreamState s = m.newStreamState(N);
            Tensor x = Tensor.normal(new Generator(11), 0f, 1f, 64, N, I);
            Tensor[] steps = new Tensor[64];
            for (int t = 0; t < 64; t++) {
                steps[t] = x.select(0, t).contiguous();
            }
            Tensor out = Tensor.zeros(N, m.config().outputHiddenSize());
            long overhead = Alloc.overhead();
            long used = -2;
            int rounds = 0;
            // Vector API path: the kernels allocate (boxed vectors) until C2 compiles them, which can
            // take many rounds when the machine is busy, and the interpreted allocation is itself
            // repeatable, so only zero or the cap (300 rounds of 1,000 steps) ends the loop.
            while (rounds < 300 && used != 0) {
                long before = Alloc.bytes();
                for (int k = 0; k < 1000; k++) {
                    m.step(steps[k & 63], s, out);
                }
                used = Alloc.bytes() - before - overhead;
                rounds++;
            }
            System.out.println("StreamStepTest: " + m + ": " + used + " bytes per 1,000 steps after " + rounds
                    + " rounds");
            assertEquals(0L, used, m + ": bytes allocated by 1,000 steps in steady state");
        }
    }

    @Test
    void differentStatesOnOneSharedModuleFromManyThreads() throws Exception {
        LSTM lstm = new LSTM(RNNConfig.lstm(I, H).withNumLayers(2).withProjSize(3), 52L).eval();
        Tensor x = Tensor.normal(new Generator(12), 0f, 1f, 200, N, I);
        float[] expected = lstm.forward(x).output().toArray();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> fs = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                fs.add(pool.submit(() -> {
                    StreamState s = lstm.newStreamState(N);
                    float[] all = new float[200 * N * 3];
                    for (int t = 0; t < 200; t++) {
                        System.arraycopy(lstm.step(x.select(0, t), s).toArray(), 0, all, t * N * 3, N * 3);
                    }
                    return all;
                }));
            }
            for (Future<float[]> f : fs) {
                assertArrayEquals(expected, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void weightChangesAreSeenByTheNextStep() {
        GRU gru = new GRU(RNNConfig.gru(I, H), 53L).eval();
        Tensor x = Tensor.normal(new Generator(13), 0f, 1f, 2, N, I);
        StreamState s = gru.newStreamState(N);
        gru.step(x.select(0, 0), s);
        gru.parameters().get(0).data().mulInPlace(0.5f);
        Tensor second = gru.step(x.select(0, 1), s);
        RNNOutput full = gru.forward(x.narrow(0, 1, 1), gru.forward(x.narrow(0, 0, 1)).hN());
        // the first step ran with the old weights: recompute it with them
        gru.parameters().get(0).data().mulInPlace(2f);
        Tensor h1 = gru.forward(x.narrow(0, 0, 1)).hN();
        gru.parameters().get(0).data().mulInPlace(0.5f);
        assertArrayEquals(gru.forward(x.narrow(0, 1, 1), h1).output().select(0, 0).toArray(), second.toArray());
        assertEquals(full.output().dim(), 3);
    }

    @Test
    void refusals() {
        RNN bi = new RNN(RNNConfig.rnn(I, H).withBidirectional(true), 54L).eval();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> bi.newStreamState(N));
        assertTrue(e.getMessage().contains("bidirectional"), e.getMessage());
        assertThrows(IllegalStateException.class, bi::newUnbatchedStreamState);

        LSTM drop = new LSTM(RNNConfig.lstm(I, H).withNumLayers(2).withDropout(0.3), 55L);
        e = assertThrows(IllegalStateException.class, () -> drop.newStreamState(N));
        assertTrue(e.getMessage().contains("dropout=0.3") && e.getMessage().contains("eval()"), e.getMessage());
        drop.eval();
        StreamState ds = drop.newStreamState(N);
        drop.train();
        e = assertThrows(IllegalStateException.class, () -> drop.step(Tensor.zeros(N, I), ds));
        assertTrue(e.getMessage().contains("training mode"), e.getMessage());

        GRU gru = new GRU(RNNConfig.gru(I, H), 56L).eval();
        StreamState s = gru.newStreamState(N);
        float[] hBefore = s.h().toArray();
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> gru.step(Tensor.zeros(N, I + 1), s));
        assertTrue(a.getMessage().contains("(3, 4)") && a.getMessage().contains("[3, 5]"), a.getMessage());
        a = assertThrows(IllegalArgumentException.class, () -> gru.step(Tensor.zeros(I), s));
        assertTrue(a.getMessage().contains("(3, 4)") && a.getMessage().contains("[4]"), a.getMessage());
        a = assertThrows(IllegalArgumentException.class, () -> gru.step(Tensor.zeros(N, I), s, Tensor.zeros(N, H + 1)));
        assertTrue(a.getMessage().contains("(3, 5)") && a.getMessage().contains("[3, 6]"), a.getMessage());
        a = assertThrows(IllegalArgumentException.class,
                () -> gru.step(Tensor.zeros(N, I), s, Tensor.zeros(H, N).transpose(0, 1)));
        assertTrue(a.getMessage().contains("contiguous"), a.getMessage());
        GRU other = new GRU(RNNConfig.gru(I, H), 57L).eval();
        a = assertThrows(IllegalArgumentException.class, () -> other.step(Tensor.zeros(N, I), s));
        assertTrue(a.getMessage().contains("another module"), a.getMessage());
        a = assertThrows(IllegalArgumentException.class, () -> gru.newStreamState(Tensor.zeros(2, N, H)));
        assertTrue(a.getMessage().contains("(1, 3, 5)") && a.getMessage().contains("[2, 3, 5]"), a.getMessage());
        a = assertThrows(IllegalArgumentException.class, () -> gru.newStreamState(0));
        assertTrue(a.getMessage().contains("got 0"), a.getMessage());
        LSTM lstm = new LSTM(RNNConfig.lstm(I, H), 58L).eval();
        a = assertThrows(IllegalArgumentException.class, () -> lstm.newStreamState(Tensor.zeros(1, N, H)));
        assertTrue(a.getMessage().contains("LSTMState"), a.getMessage());
        a = assertThrows(IllegalArgumentException.class,
                () -> lstm.newStreamState(new LSTMState(Tensor.zeros(1, N, H), Tensor.zeros(1, N, H + 1))));
        assertTrue(a.getMessage().contains("(1, 3, 5)") && a.getMessage().contains("[1, 3, 6]"), a.getMessage());
        assertThrows(IllegalStateException.class, () -> gru.newStreamState(N).c());
        assertArrayEquals(hBefore, s.h().toArray(), "a refused step changed the state");
    }

    private static RNNOutput forward(RNNBase m, Tensor x, Tensor h0) {
        if (m instanceof RNN r) {
            return h0 == null ? r.forward(x) : r.forward(x, h0);
        }
        GRU g = (GRU) m;
        return h0 == null ? g.forward(x) : g.forward(x, h0);
    }
}
