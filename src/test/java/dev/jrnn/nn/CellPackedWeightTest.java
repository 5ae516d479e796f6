package dev.jrnn.nn;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cells keep their packed weights between steps ({@link PackedWeight}); every way of changing a
 * weight must be seen by the next step ({@link WeightWrites}). The cells' arithmetic itself is checked
 * against torch in the conformance tests.
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

    @ParameterizedTest(name = "{0}")
    @MethodSource("cells")
    void everyKindOfWriteIsSeenByTheNextStep(String name, Supplier<Module> make, Function<Module, Tensor> step) {
        WeightWrites.assertEveryWriteIsSeen(make.get(), make, step, "weight_hh", "weight_ih");
    }
}
