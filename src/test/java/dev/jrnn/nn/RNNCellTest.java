package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.TestSupport;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link RNNCell}: parameters, math against the double reference, equivalence with a one-layer RNN, messages. */
class RNNCellTest {

    private static Tensor randn(long seed, int... shape) {
        return Tensor.normal(new Generator(seed), 0f, 1f, shape);
    }

    @Test
    void parametersHaveTorchNamesAndShapes() {
        RNNCell cell = new RNNCell(3, 5);
        assertThat(cell.namedParameters().keySet()).containsExactly("weight_ih", "weight_hh", "bias_ih", "bias_hh");
        assertThat(cell.namedParameters().get("weight_ih").shape()).containsExactly(5, 3);
        assertThat(cell.namedParameters().get("weight_hh").shape()).containsExactly(5, 5);
        RNNCell noBias = new RNNCell(3, 5, false, Nonlinearity.RELU, new Generator(1));
        assertThat(noBias.namedParameters().keySet()).containsExactly("weight_ih", "weight_hh");
        assertThat(noBias).hasToString("RNNCell(3, 5, bias=False, nonlinearity=relu)");
        assertThat(cell).hasToString("RNNCell(3, 5)");
    }

    @Test
    void loopOfCellStepsEqualsOneLayerRnn() {
        for (Nonlinearity nl : Nonlinearity.values()) {
            RNN rnn = new RNN(RNNConfig.rnn(4, 6).withNonlinearity(nl), 3L).eval();
            RNNCell cell = new RNNCell(4, 6, true, nl, new Generator(99));
            Map<String, Tensor> sd = new LinkedHashMap<>();
            rnn.stateDict().forEach((k, v) -> sd.put(k.replace("_l0", ""), v));
            cell.loadStateDict(sd, true);
            Tensor x = randn(5, 7, 3, 4);
            Tensor h0 = randn(6, 1, 3, 6);
            RNNOutput out = rnn.forward(x, h0);
            Tensor h = h0.select(0, 0);
            for (int t = 0; t < 7; t++) {
                h = cell.forward(x.select(0, t), h);
                assertThat(h.allClose(out.output().select(0, t), 0, TestSupport.FORWARD_ATOL)).isTrue();
            }
            assertThat(h.allClose(out.hN().select(0, 0), 0, TestSupport.FORWARD_ATOL)).isTrue();
        }
    }

    @Test
    void stepMatchesHandComputedValues() {
        RNNCell cell = new RNNCell(2, 2, true, Nonlinearity.TANH, new Generator(1));
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("weight_ih", Tensor.of(new float[] {0.1f, 0.2f, -0.3f, 0.4f}, 2, 2));
        sd.put("weight_hh", Tensor.of(new float[] {0.5f, -0.6f, 0.7f, 0.8f}, 2, 2));
        sd.put("bias_ih", Tensor.of(new float[] {0.01f, -0.02f}, 2));
        sd.put("bias_hh", Tensor.of(new float[] {0.03f, 0.04f}, 2));
        cell.loadStateDict(sd, true);
        Tensor out = cell.forward(Tensor.of(new float[] {1f, -1f}, 2), Tensor.of(new float[] {0.5f, 0.25f}, 2));
        double a0 = 0.1 * 1 + 0.2 * -1 + 0.01 + 0.5 * 0.5 + -0.6 * 0.25 + 0.03;
        double a1 = -0.3 * 1 + 0.4 * -1 - 0.02 + 0.7 * 0.5 + 0.8 * 0.25 + 0.04;
        assertThat(out.shape()).containsExactly(2);
        assertThat((double) out.get(0)).isCloseTo(Math.tanh(a0), org.assertj.core.api.Assertions.within(1e-6));
        assertThat((double) out.get(1)).isCloseTo(Math.tanh(a1), org.assertj.core.api.Assertions.within(1e-6));
    }

    @Test
    void zeroHiddenSizeAndZeroBatchWork() {
        assertThat(new RNNCell(3, 0).forward(Tensor.zeros(2, 3)).shape()).containsExactly(2, 0);
        assertThat(new RNNCell(3, 4).forward(Tensor.zeros(0, 3)).shape()).containsExactly(0, 4);
    }

    @Test
    void messagesFollowTorch() {
        RNNCell cell = new RNNCell(3, 4);
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(1, 2, 3)))
                .hasMessage("RNNCell: Expected input to be 1D or 2D, got 3D instead");
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(2, 3), Tensor.zeros(1, 2, 4)))
                .hasMessage("RNNCell: Expected hidden to be 1D or 2D, got 3D instead");
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(2, 5)))
                .hasMessage("input has inconsistent input_size: got 5 expected 3");
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(2, 3), Tensor.zeros(3, 4)))
                .hasMessage("Input batch size 2 doesn't match hidden0 batch size 3");
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(2, 3), Tensor.zeros(2, 5)))
                .hasMessage("hidden0 has inconsistent hidden_size: got 5, expected 4");
        assertThatThrownBy(() -> cell.forward(Tensor.zeros(3), Tensor.zeros(1, 4)))
                .hasMessage("RNNCell: Expected hidden to be 1D for 1D input, got 2D");
    }
}
