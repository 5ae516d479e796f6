package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The inference engine keeps its packed weights between forwards ({@link Recurrence#prepare}); every
 * way of changing a parameter must be seen by the next forward ({@link WeightWrites}; the reference is
 * a fresh module in training mode, whose recorded path never caches). The forward itself is checked
 * against torch in the conformance tests.
 */
class PreparedWeightsTest {

    private static final Tensor X = Tensor.normal(new Generator(21), 0f, 1f, 7, 3, 5);

    static Stream<Arguments> modules() {
        return Stream.of(
                Arguments.of("RNN tanh, 2 layers, bidirectional",
                        (Supplier<RNNBase>) () -> new RNN(RNNConfig.rnn(5, 4).withNumLayers(2).withBidirectional(true), 1L),
                        (Function<RNNBase, Tensor>) m -> ((RNN) m).forward(X).output()),
                Arguments.of("LSTM proj, 2 layers",
                        (Supplier<RNNBase>) () -> new LSTM(RNNConfig.lstm(5, 4).withNumLayers(2).withProjSize(3), 2L),
                        (Function<RNNBase, Tensor>) m -> ((LSTM) m).forward(X).output()),
                Arguments.of("GRU, bidirectional",
                        (Supplier<RNNBase>) () -> new GRU(RNNConfig.gru(5, 4).withBidirectional(true), 3L),
                        (Function<RNNBase, Tensor>) m -> ((GRU) m).forward(X).output()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modules")
    void everyKindOfWriteIsSeenByTheNextForward(String name, Supplier<RNNBase> make, Function<RNNBase, Tensor> fwd) {
        RNNBase m = make.get();
        m.eval();
        fwd.apply(m);
        Recurrence.Prepared kept = m.prepared;
        assertThat(kept).as("packed weights kept").isNotNull();
        fwd.apply(m);
        assertThat(m.prepared).as("reused while nothing changed").isSameAs(kept);
        // the reference modules stay in training mode: the recorded path, which never caches
        WeightWrites.assertEveryWriteIsSeen(m, make, fwd, "weight_hh_l0", "bias_ih_l0");
    }
}
