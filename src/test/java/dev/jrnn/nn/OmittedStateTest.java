package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An omitted initial state is {@code +0}, and the inference forward skips the first step's product
 * {@code 0·W_hhᵀ} when {@code W_hh} is finite, writing what the product would have written
 * ({@code dev.jrnn.nn.internal.Kernels#sgemmZeroA}). The results must be bit for bit those of the same
 * forward given explicit zeros, which runs the product (and which the conformance fixtures check against
 * torch), on the scalar and the vector path and any thread count. The non-finite cases are checked against
 * torch in {@link NonFiniteConformanceTest} ({@code *_noh0*}).
 */
class OmittedStateTest {

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("tanh", RNNConfig.rnn(5, 6)),
                Arguments.of("relu bidirectional", RNNConfig.rnn(5, 6).withNonlinearity("relu").withBidirectional(true)),
                Arguments.of("LSTM", RNNConfig.lstm(5, 6)),
                Arguments.of("LSTM proj bidirectional", RNNConfig.lstm(5, 6).withProjSize(3).withBidirectional(true)),
                Arguments.of("GRU", RNNConfig.gru(5, 6)),
                Arguments.of("GRU bidirectional", RNNConfig.gru(5, 6).withBidirectional(true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void omittedStateGivesTheBitsOfExplicitZeros(String name, RNNConfig base) {
        RNNConfig cfg = base.withNumLayers(3);
        RNNBase m = make(cfg, 7L);
        m.eval();
        Tensor x = Tensor.normal(new Generator(3), 0f, 1f, 9, 4, 5);
        assertSameBits(name, run(m, x, false), run(m, x, true));
        // a long batch too, where the step's product runs as a GEMM rather than a row product
        Tensor wide = Tensor.normal(new Generator(4), 0f, 1f, 3, 40, 5);
        assertSameBits(name + " N=40", run(m, wide, false), run(m, wide, true));
    }

    /**
     * The first step's pre-activation is {@code −0}: {@code 1e−30·(−1e−30)} underflows to {@code −0}. Adding
     * the product {@code 0·W_hhᵀ}, whose accumulators are {@code +0}, makes it {@code +0}, so
     * {@code tanh} gives {@code +0}; leaving the pre-activation as it was would give {@code −0}.
     */
    @Test
    void anUnderflowedNegativeZeroPreActivationBecomesPositiveZeroAsWithTheProduct() {
        RNNConfig cfg = RNNConfig.rnn(1, 3).withBias(false);
        for (RNNBase m : new RNNBase[] {new RNN(cfg, 1L), new LSTM(RNNConfig.lstm(1, 3).withBias(false), 1L)}) {
            m.eval();
            m.namedParameters().get("weight_ih_l0").data().fillInPlace(-1e-30f);
            Tensor x = Tensor.full(1e-30f, 2, 1, 1);
            float[][] omitted = run(m, x, false);
            float[][] zeros = run(m, x, true);
            assertSameBits(m.getClass().getSimpleName(), omitted, zeros);
            assertThat(Float.floatToRawIntBits(zeros[0][0])).as("the product path's first output is +0").isZero();
        }
    }

    /** The finiteness of {@code W_hh} is part of the packed weights, so a later write of a NaN is seen. */
    @Test
    void aNaNWrittenIntoWhhAfterAForwardReachesTheFirstOutput() {
        RNN m = new RNN(RNNConfig.rnn(2, 3), 5L);
        m.eval();
        Tensor x = Tensor.normal(new Generator(8), 0f, 1f, 4, 2, 2);
        for (float v : m.forward(x).output().toArray()) {
            assertThat(v).isFinite();
        }
        m.namedParameters().get("weight_hh_l0").data().set(Float.NaN, 2, 1);
        float[] out = m.forward(x).output().toArray();   // (4, 2, 3)
        for (int i = 0; i < out.length; i++) {
            int t = i / 6;
            int unit = i % 3;
            if (t > 0 || unit == 2) {   // row 2 of W_hh feeds unit 2 at step 0: 0·NaN; every unit after that
                assertThat(out[i]).as("output[" + i + "]").isNaN();
            } else {
                assertThat(out[i]).as("output[" + i + "]").isFinite();
            }
        }
    }

    private static RNNBase make(RNNConfig cfg, long seed) {
        switch (cfg.mode()) {
            case LSTM: return new LSTM(cfg, seed);
            case GRU: return new GRU(cfg, seed);
            default: return new RNN(cfg, seed);
        }
    }

    /** {@return output, h_n and (LSTM) c_n} of one inference forward, from zeros passed explicitly or omitted */
    private static float[][] run(RNNBase m, Tensor x, boolean explicitZeros) {
        RNNConfig c = m.config;
        int groups = c.numLayers() * c.numDirections();
        int batch = x.size(1);
        Tensor h0 = explicitZeros ? Tensor.zeros(groups, batch, c.outputHiddenSize()) : null;
        if (m instanceof LSTM) {
            LSTMState s = explicitZeros ? new LSTMState(h0, Tensor.zeros(groups, batch, c.hiddenSize())) : null;
            LSTMOutput o = ((LSTM) m).forward(x, s);
            return new float[][] {o.output().toArray(), o.hN().toArray(), o.cN().toArray()};
        }
        RNNOutput o = m instanceof GRU ? ((GRU) m).forward(x, h0) : ((RNN) m).forward(x, h0);
        return new float[][] {o.output().toArray(), o.hN().toArray()};
    }

    private static void assertSameBits(String what, float[][] omitted, float[][] zeros) {
        assertThat(omitted.length).isEqualTo(zeros.length);
        for (int k = 0; k < omitted.length; k++) {
            assertThat(omitted[k].length).isEqualTo(zeros[k].length);
            for (int i = 0; i < omitted[k].length; i++) {
                assertThat(Float.floatToIntBits(omitted[k][i])).as(what + " result " + k + " [" + i + "]: omitted "
                        + omitted[k][i] + ", explicit zeros " + zeros[k][i]).isEqualTo(Float.floatToIntBits(zeros[k][i]));
            }
        }
    }
}
