package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.internal.GemmEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backward adds each parameter's gradient to what {@code grad()} already holds, as torch does, and the
 * sum is rounded once per element: the result is bitwise {@code grad + dW}, where {@code dW} is what the
 * same backward gives a module whose gradients are zero. The weight products of one K block are written
 * straight into the gradient ({@link RNNBase#accumulateProduct}); longer ones, and those with an
 * {@code h_0} term or a per-step variable-length layout, go through a separate {@code dW}. Both are run
 * here: {@code L·N = 12} rows, just over one reduction chain ({@link GemmEngine#RC}: the product's chains
 * are summed before the one rounding into the gradient) and just over one K block ({@link GemmEngine#KC}),
 * dense and variable-length.
 */
class GradientAccumulationTest {

    record Case(String name, Function<Long, RNNBase> module, int seqLen, boolean h0, boolean lengths) {
        @Override
        public String toString() {
            return name + ", L·N = " + seqLen * N + (h0 ? ", h_0" : "") + (lengths ? ", lengths" : "");
        }
    }

    private static final int N = 4;
    private static final int IN = 3;
    private static final int H = 5;

    static Stream<Case> cases() {
        List<Case> out = new ArrayList<>();
        List<Object[]> modules = List.of(
                new Object[] {"RNN tanh, 2 layers, bidirectional",
                        (Function<Long, RNNBase>) s -> new RNN(RNNConfig.rnn(IN, H).withNumLayers(2).withBidirectional(true), s)},
                new Object[] {"RNN relu", (Function<Long, RNNBase>) s -> new RNN(RNNConfig.rnn(IN, H).withNonlinearity("relu"), s)},
                new Object[] {"LSTM proj, bidirectional",
                        (Function<Long, RNNBase>) s -> new LSTM(RNNConfig.lstm(IN, H).withProjSize(3).withBidirectional(true), s)},
                new Object[] {"GRU, 2 layers", (Function<Long, RNNBase>) s -> new GRU(RNNConfig.gru(IN, H).withNumLayers(2), s)});
        for (Object[] m : modules) {
            @SuppressWarnings("unchecked")
            Function<Long, RNNBase> f = (Function<Long, RNNBase>) m[1];
            for (int seqLen : IntStream.of(3, GemmEngine.RC / N + 2, GemmEngine.KC / N + 2).distinct().toArray()) {
                out.add(new Case((String) m[0], f, seqLen, false, false));
                out.add(new Case((String) m[0], f, seqLen, true, false));
                out.add(new Case((String) m[0], f, seqLen, false, true));
            }
        }
        return out.stream();
    }

    /** One training step of {@code m} on fixed data; returns the parameter gradients afterwards. */
    private static List<float[]> step(RNNBase m, Case c) {
        m.train();
        Generator gen = new Generator(c.seqLen);
        Tensor x = Tensor.normal(gen, 0f, 1f, c.seqLen, N, IN);
        RNNConfig cfg = m.config();
        int states = cfg.numLayers() * cfg.numDirections();
        Tensor h0 = c.h0 ? Tensor.normal(gen, 0f, 1f, states, N, cfg.outputHiddenSize()) : null;
        int[] lengths = c.lengths ? new int[] {c.seqLen, c.seqLen - 1, 1, c.seqLen - 2} : null;
        if (m instanceof LSTM lstm) {
            LSTMState s = h0 == null ? null : new LSTMState(h0, Tensor.normal(gen, 0f, 1f, states, N, H));
            LSTMOutput o = lengths == null ? lstm.forward(x, s) : lstm.forward(x, lengths, s);
            o.backward(Tensor.normal(gen, 0f, 1f, o.output().shape()), Tensor.normal(gen, 0f, 1f, o.hN().shape()),
                    null);
        } else {
            RNNOutput o;
            if (m instanceof GRU gru) {
                o = lengths == null ? gru.forward(x, h0) : gru.forward(x, lengths, h0);
            } else {
                o = lengths == null ? ((RNN) m).forward(x, h0) : ((RNN) m).forward(x, lengths, h0);
            }
            o.backward(Tensor.normal(gen, 0f, 1f, o.output().shape()), Tensor.normal(gen, 0f, 1f, o.hN().shape()));
        }
        List<float[]> grads = new ArrayList<>();
        for (Parameter p : m.namedParameters().values()) {
            grads.add(p.grad().toArray());
        }
        return grads;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void backwardAddsItsGradientToTheHeldOneRoundingOnce(Case c) {
        List<float[]> fresh = step(c.module.apply(31L), c);
        RNNBase held = c.module.apply(31L);
        Generator gen = new Generator(99);
        List<float[]> before = new ArrayList<>();
        for (Parameter p : held.namedParameters().values()) {
            Tensor g = Tensor.normal(gen, 0f, 1f, p.shape());
            p.grad().copyFromInPlace(g);
            before.add(g.toArray());
        }
        List<float[]> after = step(held, c);
        for (int i = 0; i < fresh.size(); i++) {
            float[] want = new float[fresh.get(i).length];
            for (int j = 0; j < want.length; j++) {
                want[j] = before.get(i)[j] + fresh.get(i)[j];
            }
            assertThat(fresh.get(i)).as("parameter " + i + " has a gradient").isNotEqualTo(new float[want.length]);
            assertThat(after.get(i)).as("parameter " + i).isEqualTo(want);
        }
    }
}
