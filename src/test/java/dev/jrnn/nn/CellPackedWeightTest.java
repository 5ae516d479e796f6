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
 * The cells keep their packed weights between steps ({@link PackedWeight}); every way of changing a
 * weight must be seen by the next step. The reference is a freshly built cell (nothing cached) loaded
 * with the same values; the cells' arithmetic itself is checked against torch in the conformance tests.
 */
class CellPackedWeightTest {

    private static final int N = 3;
    private static final int IN = 5;
    private static final int H = 4;

    static Stream<Arguments> cells() {
        Tensor x = Tensor.normal(new Generator(11), 0f, 1f, N, IN);
        Tensor h = Tensor.normal(new Generator(12), 0f, 0.5f, N, H);
        Tensor c = Tensor.normal(new Generator(13), 0f, 0.5f, N, H);
        return Stream.of(
                Arguments.of("RNNCell tanh", (Supplier<Module>) () -> new RNNCell(IN, H, true, Nonlinearity.TANH,
                        new Generator(1)), (Function<Module, Tensor>) m -> ((RNNCell) m).forward(x, h)),
                Arguments.of("RNNCell relu", (Supplier<Module>) () -> new RNNCell(IN, H, true, Nonlinearity.RELU,
                        new Generator(2)), (Function<Module, Tensor>) m -> ((RNNCell) m).forward(x, h)),
                Arguments.of("LSTMCell", (Supplier<Module>) () -> new LSTMCell(IN, H, true, new Generator(3)),
                        (Function<Module, Tensor>) m -> ((LSTMCell) m).forward(x, new LSTMState(h, c)).c()),
                Arguments.of("GRUCell", (Supplier<Module>) () -> new GRUCell(IN, H, true, new Generator(4)),
                        (Function<Module, Tensor>) m -> ((GRUCell) m).forward(x, h)));
    }

    /** A new cell with {@code m}'s values: it has never packed anything. */
    private static Tensor fresh(Supplier<Module> make, Module m, Function<Module, Tensor> step) {
        Module ref = make.get();
        ref.loadStateDict(m.stateDict(), true);
        return step.apply(ref);
    }

    private static void assertSeesCurrentWeights(Supplier<Module> make, Module m, Function<Module, Tensor> step,
                                                 Tensor before) {
        Tensor after = step.apply(m);
        assertThat(after.toArray()).as("the step after the write").isEqualTo(fresh(make, m, step).toArray());
        assertThat(after.toArray()).as("the write changed the result").isNotEqualTo(before.toArray());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cells")
    void everyKindOfWriteIsSeenByTheNextStep(String name, Supplier<Module> make, Function<Module, Tensor> step) {
        Module m = make.get();
        Tensor first = step.apply(m);
        assertThat(step.apply(m).toArray()).as("a second step with the cache").isEqualTo(first.toArray());
        assertThat(first.toArray()).as("the first step").isEqualTo(fresh(make, m, step).toArray());

        Tensor before = step.apply(m);
        m.namedParameters().get("weight_hh").data().set(0.75f, 1, 2);            // one element
        assertSeesCurrentWeights(make, m, step, before);

        before = step.apply(m);
        m.namedParameters().get("weight_ih").data().narrow(0, 0, 2).fillInPlace(0.1f);   // through a view
        assertSeesCurrentWeights(make, m, step, before);

        before = step.apply(m);
        Module other = make.get();
        for (Parameter p : other.parameters()) {
            p.data().mulInPlace(-1.5f);
        }
        m.loadStateDict(other.stateDict(), true);                                  // loadStateDict
        assertSeesCurrentWeights(make, m, step, before);

        before = step.apply(m);
        for (Parameter p : m.parameters()) {                                       // an optimizer step
            p.grad().fillInPlace(0.5f);
        }
        new SGD(List.copyOf(m.parameters()), 0.1).step();
        assertSeesCurrentWeights(make, m, step, before);
    }
}
