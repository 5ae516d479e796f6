package dev.jrnn.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.TrainFixtures;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.tensor.Tensor;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every loss's value and gradient against torch 1.13 ({@code fixtures/train/losses.safetensors}). */
class LossConformanceTest {

    private static final SafetensorsFile F = TrainFixtures.load("losses.safetensors");

    static Stream<String> cases() {
        return TrainFixtures.cases(F).stream();
    }

    private static LossOutput run(String c) {
        var meta = F.metadata();
        Reduction r = Reduction.valueOf(meta.get(c + ".reduction").toUpperCase(Locale.ROOT));
        Tensor x = F.tensor(c + ".input");
        switch (meta.get(c + ".kind")) {
            case "mse":
                return MSELoss.of().withReduction(r).forward(x, F.tensor(c + ".target"));
            case "bce_with_logits":
                return BCEWithLogitsLoss.of().withReduction(r).forward(x, F.tensor(c + ".target"));
            case "cross_entropy":
                long[] t = F.longs(c + ".target");
                int[] ti = new int[t.length];
                for (int i = 0; i < t.length; i++) {
                    ti[i] = (int) t[i];
                }
                return CrossEntropyLoss.of().withReduction(r)
                        .withIgnoreIndex(Integer.parseInt(meta.get(c + ".ignore_index")))
                        .withLabelSmoothing(Double.parseDouble(meta.get(c + ".label_smoothing")))
                        .forward(x, ti);
            default:
                throw new AssertionError(c);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void valueAndGradientMatchTorch(String c) {
        LossOutput out = run(c);
        Tensor grad = F.contains(c + ".upstream") ? out.backward(F.tensor(c + ".upstream")) : out.backward();
        double ev = TrainFixtures.relErr(out.value(), F.tensor(c + ".value"), 1e-3);
        double eg = TrainFixtures.relErr(grad, F.tensor(c + ".grad"), 1e-3);
        System.out.printf("loss %-28s value rel err %.2e, grad rel err %.2e%n", c, ev, eg);
        assertThat(ev).as("value").isLessThan(2e-6);
        assertThat(eg).as("gradient").isLessThan(2e-6);
    }

    @Test
    void rejectsBadShapesAndTargets() {
        Tensor x = Tensor.zeros(2, 3);
        assertThatThrownBy(() -> CrossEntropyLoss.of().forward(x, new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Expected 2 targets");
        assertThatThrownBy(() -> CrossEntropyLoss.of().forward(x, new int[] {0, 3}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of bounds");
        assertThatThrownBy(() -> MSELoss.of().forward(x, Tensor.zeros(3, 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(2, 3)");
        assertThatThrownBy(() -> CrossEntropyLoss.of().withLabelSmoothing(1.5))
                .isInstanceOf(IllegalArgumentException.class);
        LossOutput none = MSELoss.of().withReduction(Reduction.NONE).forward(x, x);
        assertThatThrownBy(none::backward).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(none::item).isInstanceOf(IllegalStateException.class);
    }
}
