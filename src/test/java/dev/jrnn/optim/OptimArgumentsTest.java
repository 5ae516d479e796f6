package dev.jrnn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.nn.Linear;
import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.Generator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rejected optimizer, scheduler and clipping arguments: each call fails with a message naming the
 * argument, and the optimizer (learning rate, state, initial lr) and the gradients are unchanged
 * afterwards.
 */
class OptimArgumentsTest {

    private static List<Parameter> params() {
        Linear lin = new Linear(3, 2, new Generator(5));
        List<Parameter> ps = new ArrayList<>(lin.parameters());
        for (Parameter p : ps) {
            float[] g = new float[p.grad().toArray().length];
            Arrays.fill(g, 0.5f);
            p.grad().copyFromInPlace(dev.jrnn.tensor.Tensor.of(g, p.shape()));
        }
        return ps;
    }

    @Test
    void optimizerParameterLists() {
        List<Parameter> ps = params();
        assertThatThrownBy(() -> new SGD(List.of(), 0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("optimizer got an empty parameter list");
        assertThatThrownBy(() -> new Adam(List.of(ps.get(0), ps.get(1), ps.get(0)), 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("params[2]").hasMessageContaining("more than once");
        List<Parameter> withNull = new ArrayList<>(ps);
        withNull.add(1, null);
        assertThatThrownBy(() -> new AdamW(withNull, 0.1)).isInstanceOf(NullPointerException.class)
                .hasMessage("params[1] is null");
        assertThatThrownBy(() -> new RMSprop(null, 0.1)).isInstanceOf(NullPointerException.class)
                .hasMessage("params");
    }

    @Test
    void schedulersRejectNonFiniteFactorsBeforeTouchingTheOptimizer() {
        SGD opt = new SGD(params(), 0.1);
        Map<String, String> before = opt.stateScalars();
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertThatThrownBy(() -> new StepLR(opt, 2, bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("gamma must be a finite number, got " + bad);
            assertThatThrownBy(() -> new ExponentialLR(opt, bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("gamma must be a finite number, got " + bad);
            assertThatThrownBy(() -> new CosineAnnealingLR(opt, 10, bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("eta_min must be a finite number, got " + bad);
        }
        assertThatThrownBy(() -> new StepLR(opt, 0, 0.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("step_size must be >= 1, got 0");
        assertThatThrownBy(() -> new CosineAnnealingLR(opt, 0, 0.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("T_max must be >= 1, got 0");
        assertThat(opt.lr()).isEqualTo(0.1);
        assertThat(opt.stateScalars()).isEqualTo(before);
        // a scheduler built after the rejected ones starts from the untouched base lr (torch's initial_lr)
        StepLR ok = new StepLR(opt, 1, 0.5);
        ok.step();
        assertThat(opt.lr()).isEqualTo(0.05);
    }

    @Test
    void clipGradNormRejectsNaNAndNegativeMaxNormWithoutScaling() {
        List<Parameter> ps = params();
        for (double bad : new double[] {Double.NaN, -1.0, Double.NEGATIVE_INFINITY}) {
            assertThatThrownBy(() -> ClipGrad.clipGradNorm(ps, bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("max_norm must be >= 0 (or +infinity), got " + bad);
        }
        List<Parameter> withNull = new ArrayList<>(ps);
        withNull.add(null);
        assertThatThrownBy(() -> ClipGrad.clipGradNorm(withNull, 1.0)).isInstanceOf(NullPointerException.class)
                .hasMessage("params[2] is null");
        assertThatThrownBy(() -> ClipGrad.clipGradValue(withNull, 1.0)).isInstanceOf(NullPointerException.class)
                .hasMessage("params[2] is null");
        for (Parameter p : ps) {
            assertThat(p.grad().toArray()).containsOnly(0.5f);
        }
    }
}
