package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A training forward keeps the parameter tensors it multiplied with, not copies, as torch's saved
 * tensors ({@link ForwardRecord#checkSavedWeights}). Which in-place parameter writes between a forward
 * and its backward torch 1.13 refuses is recorded by {@code tools/gen_saved_weight_fixtures.py}, for
 * every parameter of plain, stacked bidirectional, projected and variable-length modules, with and
 * without the input's gradient. For each case jrnn must refuse exactly where torch does, before writing
 * any gradient; where torch runs, the gradients must be bitwise those of a twin module whose parameter was
 * left alone (backward does not read that parameter at all).
 */
class SavedWeightsTest {

    private static final int L = 4;
    private static final int N = 3;
    private static final int F = 3;
    private static final int H = 5;
    private static final Tensor X = Tensor.normal(new Generator(11), 0f, 1f, L, N, F);
    private static final int[] LENGTHS = {4, 2, 3};

    /** One line of the fixture index. */
    record Case(Mode mode, int layers, boolean bidirectional, int proj, boolean packed, boolean inputGradient,
                String parameter, boolean torchRefuses) {
        static Case parse(String line) {
            String[] f = line.split(" ");
            return new Case(Mode.valueOf(f[0]), Integer.parseInt(f[1]), Boolean.parseBoolean(f[2]),
                    Integer.parseInt(f[3]), Boolean.parseBoolean(f[4]), Boolean.parseBoolean(f[5]), f[6],
                    switch (f[7]) {
                        case "error" -> true;
                        case "ok" -> false;
                        default -> throw new IllegalArgumentException("result must be ok or error: " + line);
                    });
        }

        RNNConfig config() {
            RNNConfig c = RNNConfig.of(mode, F, H).withNumLayers(layers).withBidirectional(bidirectional);
            return proj > 0 ? c.withProjSize(proj) : c;
        }

        @Override
        public String toString() {
            return mode + " layers=" + layers + (bidirectional ? " bi" : "") + (proj > 0 ? " proj=" + proj : "")
                    + (packed ? " packed" : "") + (inputGradient ? " input-grad" : "") + " write " + parameter;
        }
    }

    static Stream<Case> cases() throws IOException {
        return RNNConformanceTest.index("/fixtures/saved_weights/index.txt").stream().map(Case::parse);
    }

    /** A training forward of a fresh module; the returned function runs its backward and returns the gradients. */
    private static Function<Boolean, List<Tensor>> forward(RNNBase m, Case c) {
        m.train();
        PackedSequence packed = c.packed ? RnnUtils.packPaddedSequence(X, LENGTHS, false, false) : null;
        if (m instanceof LSTM lstm) {
            if (packed != null) {
                PackedLSTMOutput o = lstm.forwardPacked(packed);
                return flag -> gradients(m, o.backward(Tensor.ones(o.output().data().shape()), null, null, flag));
            }
            LSTMOutput o = lstm.forward(X);
            return flag -> gradients(m, o.backward(Tensor.ones(o.output().shape()), Tensor.ones(o.hN().shape()),
                    null, flag));
        }
        if (packed != null) {
            PackedRNNOutput o = m instanceof GRU gru ? gru.forwardPacked(packed) : ((RNN) m).forwardPacked(packed);
            return flag -> gradients(m, o.backward(Tensor.ones(o.output().data().shape()), null, flag));
        }
        RNNOutput o = m instanceof GRU gru ? gru.forward(X) : ((RNN) m).forward(X);
        return flag -> gradients(m, o.backward(Tensor.ones(o.output().shape()), Tensor.ones(o.hN().shape()), flag));
    }

    private static List<Tensor> gradients(RNNBase m, Object g) {
        List<Tensor> out = new ArrayList<>();
        for (Parameter p : m.namedParameters().values()) {
            out.add(p.grad());
        }
        if (g instanceof RNNGradients r) {
            out.add(r.input());
            out.add(r.h0());
        } else {
            LSTMGradients l = (LSTMGradients) g;
            out.add(l.input());
            out.add(l.h0());
            out.add(l.c0());
        }
        return out;
    }

    private static RNNBase module(Case c, long seed) {
        return switch (c.mode) {
            case LSTM -> new LSTM(c.config(), seed);
            case GRU -> new GRU(c.config(), seed);
            default -> new RNN(c.config(), seed);
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void backwardRefusesExactlyTheWritesTorchRefuses(Case c) {
        RNNBase written = module(c, 21);
        Function<Boolean, List<Tensor>> backward = forward(written, c);
        Parameter p = written.namedParameters().get(c.parameter);
        assertThat(p).as(c.parameter).isNotNull();
        p.data().mulInPlace(2f);
        if (c.torchRefuses) {
            assertThatThrownBy(() -> backward.apply(c.inputGradient))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("one of the variables needed for gradient computation has been modified"
                            + " by an inplace operation: " + c.parameter + " (version ");
            for (Parameter q : written.namedParameters().values()) {
                assertThat(q.grad().toArray()).as("no gradient written before the refusal")
                        .isEqualTo(new float[q.numel()]);
            }
            return;
        }
        List<Tensor> got = backward.apply(c.inputGradient);
        RNNBase twin = module(c, 21);
        List<Tensor> want = forward(twin, c).apply(c.inputGradient);
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
            if (want.get(i) == null) {
                assertThat(got.get(i)).as("gradient " + i).isNull();
            } else {
                assertThat(got.get(i).toArray()).as("gradient " + i).isEqualTo(want.get(i).toArray());
            }
        }
    }

    @Test
    void theFixtureHoldsBothOutcomesForEveryKindOfWeight() throws IOException {
        List<Case> all = cases().toList();
        for (String kind : new String[] {"weight_ih_l0", "weight_ih_l1", "weight_hh_l0", "weight_hr_l0", "bias_ih_l0"}) {
            assertThat(all).as(kind).anyMatch(c -> c.parameter.startsWith(kind));
        }
        assertThat(all).anyMatch(c -> c.torchRefuses && c.parameter.equals("weight_ih_l0"));
        assertThat(all).anyMatch(c -> !c.torchRefuses && c.parameter.equals("weight_ih_l0"));
        assertThat(all).anyMatch(c -> c.torchRefuses && c.parameter.endsWith("_reverse"));
        assertThat(all).noneMatch(c -> c.torchRefuses && c.parameter.startsWith("bias"));
    }
}
