package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code backward(..., inputGradient = false)} skips only the input gradient: every parameter gradient
 * and the state gradients are bitwise those of the full backward (whose values the conformance tests
 * check against torch), and {@code input()} is null. Two modules built from one seed run the same
 * forward (dropout masks included); one backs up with, one without the input gradient.
 */
class InputGradientOptionTest {

    private static final int T = 6;
    private static final int N = 3;
    private static final int IN = 5;
    private static final int H = 4;

    /** What one configuration does: forward on a fresh module, backward with the flag, the gradients. */
    record Case(String name, Function<Boolean, Tensor[]> run) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final Tensor X = Tensor.normal(new Generator(5), 0f, 1f, T, N, IN);
    private static final int[] LENGTHS = {6, 3, 5};

    private static Tensor[] grads(RNNBase m, Tensor... states) {
        Map<String, Parameter> ps = m.namedParameters();
        Tensor[] out = new Tensor[ps.size() + states.length];
        int i = 0;
        for (Parameter p : ps.values()) {
            out[i++] = p.grad();
        }
        for (Tensor s : states) {
            out[i++] = s;
        }
        return out;
    }

    private static Tensor ones(Tensor t) {
        return Tensor.ones(t.shape());
    }

    static Stream<Arguments> cases() {
        return Stream.of(
            new Case("RNN tanh, 2 layers, bidirectional, dropout 0.3", flag -> {
                RNN m = new RNN(RNNConfig.rnn(IN, H).withNumLayers(2).withBidirectional(true).withDropout(0.3), 7L);
                RNNOutput o = m.train().forward(X);
                RNNGradients g = o.backward(ones(o.output()), ones(o.hN()), flag);
                return withInput(g.input(), grads(m, g.h0()));
            }),
            new Case("RNN relu, batch_first", flag -> {
                RNN m = new RNN(RNNConfig.rnn(IN, H).withNonlinearity("relu").withBatchFirst(true), 8L);
                RNNOutput o = m.train().forward(X.transpose(0, 1).contiguous());
                RNNGradients g = o.backward(ones(o.output()), ones(o.hN()), flag);
                return withInput(g.input(), grads(m, g.h0()));
            }),
            new Case("LSTM proj, 2 layers, bidirectional", flag -> {
                LSTM m = new LSTM(RNNConfig.lstm(IN, H).withNumLayers(2).withBidirectional(true).withProjSize(3), 9L);
                LSTMOutput o = m.train().forward(X);
                LSTMGradients g = o.backward(ones(o.output()), ones(o.hN()), ones(o.cN()), flag);
                return withInput(g.input(), grads(m, g.h0(), g.c0()));
            }),
            new Case("GRU, 2 layers, bidirectional", flag -> {
                GRU m = new GRU(RNNConfig.gru(IN, H).withNumLayers(2).withBidirectional(true), 10L);
                RNNOutput o = m.train().forward(X);
                RNNGradients g = o.backward(ones(o.output()), ones(o.hN()), flag);
                return withInput(g.input(), grads(m, g.h0()));
            }),
            new Case("packed LSTM, unsorted lengths", flag -> {
                LSTM m = new LSTM(RNNConfig.lstm(IN, H).withNumLayers(2), 11L);
                PackedLSTMOutput o = m.train().forwardPacked(RnnUtils.packPaddedSequence(X, LENGTHS, false, false));
                LSTMGradients g = o.backward(ones(o.output().data()), null, null, flag);
                return withInput(g.input(), grads(m, g.h0(), g.c0()));
            }),
            new Case("packed GRU, bidirectional", flag -> {
                GRU m = new GRU(RNNConfig.gru(IN, H).withBidirectional(true), 12L);
                PackedRNNOutput o = m.train().forwardPacked(RnnUtils.packPaddedSequence(X, LENGTHS, false, false));
                RNNGradients g = o.backward(ones(o.output().data()), null, flag);
                return withInput(g.input(), grads(m, g.h0()));
            }),
            new Case("packed RNN, 2 layers", flag -> {
                RNN m = new RNN(RNNConfig.rnn(IN, H).withNumLayers(2), 13L);
                PackedRNNOutput o = m.train().forwardPacked(RnnUtils.packPaddedSequence(X, LENGTHS, false, false));
                RNNGradients g = o.backward(ones(o.output().data()), null, flag);
                return withInput(g.input(), grads(m, g.h0()));
            })).map(Arguments::of);
    }

    /** Element 0: the input gradient (or null); then the parameter and state gradients. */
    private static Tensor[] withInput(Tensor input, Tensor[] rest) {
        Tensor[] out = new Tensor[rest.length + 1];
        out[0] = input;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void skippingTheInputGradientChangesNothingElse(Case c) {
        Tensor[] full = c.run().apply(true);
        Tensor[] skipped = c.run().apply(false);
        assertThat(full[0]).as("input gradient when asked").isNotNull();
        assertThat(skipped[0]).as("input gradient when not asked").isNull();
        assertThat(skipped).hasSameSizeAs(full);
        for (int i = 1; i < full.length; i++) {
            assertThat(skipped[i].toArray()).as("gradient " + i).isEqualTo(full[i].toArray());
            assertThat(skipped[i].toArray()).as("gradient " + i + " is not all zeros")
                    .isNotEqualTo(new float[full[i].toArray().length]);
        }
    }
}
