package dev.jrnn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.nn.Parameter;
import dev.jrnn.nn.RNN;
import java.util.List;
import org.junit.jupiter.api.Test;

class SGDTest {

    @Test
    void stepSubtractsLearningRateTimesGradientAndZeroGradResets() {
        RNN rnn = RNN.simpleRNN(2, 3);
        List<Parameter> params = rnn.parameters();
        float[][] before = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            before[i] = p.data().toArray();
            p.grad().fillInPlace(0.5f + i);
        }
        SGD opt = new SGD(params, 0.25);
        opt.step();
        for (int i = 0; i < params.size(); i++) {
            float[] after = params.get(i).data().toArray();
            for (int j = 0; j < after.length; j++) {
                assertThat(after[j]).isEqualTo(before[i][j] + -0.25f * (0.5f + i));
            }
        }
        opt.zeroGrad();
        for (Parameter p : params) {
            assertThat(p.grad().toArray()).containsOnly(0f);
        }
        assertThat(opt.lr()).isEqualTo(0.25);
    }

    @Test
    void rejectsBadLearningRates() {
        List<Parameter> none = List.of();
        assertThatThrownBy(() -> new SGD(none, -0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid learning rate: -0.1");
        assertThatThrownBy(() -> new SGD(none, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SGD(none, Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
    }
}
