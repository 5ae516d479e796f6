package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.optim.SGD;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The inference engine keeps its packed weights between forwards ({@link Recurrence#prepare}); every
 * way of changing a parameter must be seen by the next forward. The reference is a freshly built
 * module (nothing cached) loaded with the same values; the forward itself is checked against torch in
 * the conformance tests.
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

    private static Tensor fresh(Supplier<RNNBase> make, RNNBase m, Function<RNNBase, Tensor> fwd) {
        RNNBase ref = make.get();
        ref.loadStateDict(m.stateDict(), true);
        ref.eval();
        return fwd.apply(ref);
    }

    private static void assertSeesCurrentWeights(Supplier<RNNBase> make, RNNBase m, Function<RNNBase, Tensor> fwd,
                                                 Tensor before) {
        Tensor after = fwd.apply(m);
        assertThat(after.toArray()).as("the forward after the write").isEqualTo(fresh(make, m, fwd).toArray());
        assertThat(after.toArray()).as("the write changed the result").isNotEqualTo(before.toArray());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modules")
    void everyKindOfWriteIsSeenByTheNextForward(String name, Supplier<RNNBase> make, Function<RNNBase, Tensor> fwd) {
        RNNBase m = make.get();
        m.eval();
        Tensor first = fwd.apply(m);
        assertThat(m.prepared).as("packed weights kept").isNotNull();
        Recurrence.Prepared kept = m.prepared;
        assertThat(fwd.apply(m).toArray()).as("a second forward").isEqualTo(first.toArray());
        assertThat(m.prepared).as("reused while nothing changed").isSameAs(kept);
        assertThat(first.toArray()).as("the first forward").isEqualTo(fresh(make, m, fwd).toArray());

        Tensor before = fwd.apply(m);
        m.namedParameters().get("weight_hh_l0").data().set(0.75f, 1, 2);              // one element
        assertSeesCurrentWeights(make, m, fwd, before);

        before = fwd.apply(m);
        m.namedParameters().get("bias_ih_l0").data().narrow(0, 0, 2).fillInPlace(0.4f);  // through a view
        assertSeesCurrentWeights(make, m, fwd, before);

        before = fwd.apply(m);
        String last = m.namedParameters().keySet().stream().reduce((a, b) -> b).orElseThrow();
        m.namedParameters().get(last).data().mulInPlace(-2f);                      // the last parameter
        assertSeesCurrentWeights(make, m, fwd, before);

        before = fwd.apply(m);
        RNNBase other = make.get();
        for (Parameter p : other.parameters()) {
            p.data().mulInPlace(-1.5f);
        }
        m.loadStateDict(other.stateDict(), true);                                  // loadStateDict
        assertSeesCurrentWeights(make, m, fwd, before);

        before = fwd.apply(m);
        for (Parameter p : m.parameters()) {                                       // an optimizer step
            p.grad().fillInPlace(0.5f);
        }
        new SGD(List.copyOf(m.parameters()), 0.1).step();
        assertSeesCurrentWeights(make, m, fwd, before);
    }
}
