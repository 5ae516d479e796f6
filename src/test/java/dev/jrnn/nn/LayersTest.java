package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.TrainFixtures;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Linear, Embedding and Dropout: forward and gradients against torch ({@code fixtures/train/layers}). */
class LayersTest {

    private static final SafetensorsFile F = TrainFixtures.load("layers.safetensors");

    @Test
    void linearMatchesTorch() {
        Linear lin = new Linear(4, 3, 0L);
        lin.loadStateDict(Map.of("weight", F.tensor("linear.weight"), "bias", F.tensor("linear.bias")), true);
        Tensor x = F.tensor("linear.input");
        Tensor y = lin.forward(x);
        assertThat(TrainFixtures.relErr(y, F.tensor("linear.output"), 1e-3)).isLessThan(1e-6);
        Tensor gx = lin.backward(x, F.tensor("linear.grad_output"));
        assertThat(TrainFixtures.relErr(gx, F.tensor("linear.grad.input"), 1e-3)).isLessThan(1e-6);
        assertThat(TrainFixtures.relErr(lin.namedParameters().get("weight").grad(), F.tensor("linear.grad.weight"), 1e-3))
                .isLessThan(1e-6);
        assertThat(TrainFixtures.relErr(lin.namedParameters().get("bias").grad(), F.tensor("linear.grad.bias"), 1e-3))
                .isLessThan(1e-6);
        // gradients accumulate
        lin.backward(x, F.tensor("linear.grad_output"));
        assertThat(TrainFixtures.relErr(lin.namedParameters().get("bias").grad(),
                F.tensor("linear.grad.bias").mul(2f), 1e-3)).isLessThan(1e-6);
    }

    @Test
    void linearInitBoundAndShapeChecks() {
        Linear lin = new Linear(16, 5, 3L);
        float bound = 0.25f;
        for (Parameter p : lin.parameters()) {
            for (float v : p.data().toArray()) {
                assertThat(Math.abs(v)).isLessThanOrEqualTo(bound);
            }
        }
        assertThat(lin.namedParameters().keySet()).containsExactly("weight", "bias");
        assertThatThrownBy(() -> lin.forward(Tensor.zeros(2, 15))).hasMessageContaining("(*, 16), got (2, 15)");
    }

    @Test
    void embeddingWithPaddingMatchesTorch() {
        int pad = Integer.parseInt(F.metadata().get("embedding.padding_idx"));
        Embedding emb = new Embedding(6, 3, pad, new Generator(1));
        assertThat(emb.namedParameters().get("weight").data().select(0, pad).toArray()).containsOnly(0f);
        emb.loadStateDict(Map.of("weight", F.tensor("embedding.weight")), true);
        long[] li = F.longs("embedding.indices");
        int[] idx = new int[li.length];
        for (int i = 0; i < li.length; i++) {
            idx[i] = (int) li[i];
        }
        Tensor y = emb.forward(idx, 2, 4);
        assertThat(y.contentEquals(F.tensor("embedding.output"))).isTrue();
        emb.backward(idx, F.tensor("embedding.grad_output"));
        assertThat(TrainFixtures.relErr(emb.namedParameters().get("weight").grad(), F.tensor("embedding.grad.weight"), 1e-3))
                .isLessThan(1e-6);
        assertThatThrownBy(() -> emb.forward(new int[] {6}, 1)).hasMessageContaining("out of range");
    }

    @Test
    void dropoutScalesKeptElementsMasksGradientsAndReplaysFromSeed() {
        Dropout d = new Dropout(0.25, 42L);
        Tensor x = Tensor.ones(1000);
        float[] y = d.forward(x).toArray();
        float[] g = d.backward(Tensor.full(2f, 1000)).toArray();
        int dropped = 0;
        for (int i = 0; i < y.length; i++) {
            if (y[i] == 0f) {
                dropped++;
                assertThat(g[i]).isZero();
            } else {
                assertThat(y[i]).isEqualTo((float) (1 / 0.75));
                assertThat(g[i]).isEqualTo(2f * (float) (1 / 0.75));
            }
        }
        assertThat(dropped).isBetween(200, 300);
        assertThat(new Dropout(0.25, 42L).forward(x).toArray()).isEqualTo(y);
        d.eval();
        assertThat(d.forward(x).toArray()).containsOnly(1f);
        assertThat(d.generators()).containsKey("dropout");
    }
}
