package dev.jrnn.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Factories: values by hand, copies, validation messages. */
class TensorFactoryTest {

    @Test
    void constantFactories() {
        Tensor z = Tensor.zeros(2, 3);
        assertThat(z.shape()).containsExactly(2, 3);
        assertThat(z.strides()).containsExactly(3, 1);
        assertThat(z.toArray()).containsOnly(0f).hasSize(6);
        assertThat(Tensor.ones(4).toArray()).containsExactly(1, 1, 1, 1);
        assertThat(Tensor.full(-2.5f, 1, 2).toArray()).containsExactly(-2.5f, -2.5f);
        assertThat(Tensor.full(Float.NaN, 1).get(0)).isNaN();
        Tensor s = Tensor.scalar(1.5f);
        assertThat(s.dim()).isZero();
        assertThat(s.numel()).isEqualTo(1);
        assertThat(s.shape()).isEmpty();
        assertThat(s.item()).isEqualTo(1.5f);
        assertThat(Tensor.zeros().dim()).isZero();
        assertThat(Tensor.zeros().item()).isZero();
    }

    @Test
    void ofCopiesItsInput() {
        float[] v = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.of(v, 3, 2);
        v[0] = 100;
        assertThat(t.get(0, 0)).isEqualTo(1f);
        float[] out = t.toArray();
        out[1] = 100;
        assertThat(t.get(0, 1)).isEqualTo(2f);
        assertThat(t.get(2, 1)).isEqualTo(6f);
        assertThatThrownBy(() -> Tensor.of(v, 4, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("of: shape [4, 2] needs 8 values, got 6");
        assertThatThrownBy(() -> Tensor.of(null, 1)).isInstanceOf(NullPointerException.class).hasMessage("values");
    }

    @Test
    void shapeValidation() {
        assertThatThrownBy(() -> Tensor.zeros(2, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shape [2, -1] has a negative size at dim 1");
        assertThatThrownBy(() -> Tensor.zeros(65536, 65536))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shape [65536, 65536] has more than 2147483639 elements");
        assertThatThrownBy(() -> Tensor.ones(1 << 16, 1 << 16, 1 << 16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shape [65536, 65536, 65536] has more than 2147483639 elements");
        assertThatThrownBy(() -> Tensor.zeros((int[]) null)).isInstanceOf(NullPointerException.class).hasMessage("shape");
    }

    @Test
    void arangeLikeTorch() {
        assertThat(Tensor.arange(4).toArray()).containsExactly(0, 1, 2, 3);
        assertThat(Tensor.arange(0).shape()).containsExactly(0);
        assertThat(Tensor.arange(0f, 1f, 0.25f).toArray()).containsExactly(0f, 0.25f, 0.5f, 0.75f);
        // torch.arange(1, 2.5, 0.5) -> [1.0, 1.5, 2.0]; torch.arange(5, 1, -1.5) -> [5.0, 3.5, 2.0]
        assertThat(Tensor.arange(1f, 2.5f, 0.5f).toArray()).containsExactly(1f, 1.5f, 2f);
        assertThat(Tensor.arange(5f, 1f, -1.5f).toArray()).containsExactly(5f, 3.5f, 2f);
        // torch.arange(0, 1, 0.1) has 10 elements; element 3 is (float) (0 + 3 * (double) 0.1f)
        Tensor t = Tensor.arange(0f, 1f, 0.1f);
        assertThat(t.numel()).isEqualTo(10);
        assertThat(t.get(3)).isEqualTo((float) (3 * (double) 0.1f));
        assertThat(Tensor.arange(2f, 2f, 1f).numel()).isZero();
        assertThatThrownBy(() -> Tensor.arange(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("arange: n must be >= 0, got -1");
        assertThatThrownBy(() -> Tensor.arange(0f, 1f, 0f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("arange: step must be nonzero");
        assertThatThrownBy(() -> Tensor.arange(0f, 1f, -1f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("arange: upper bound and larger bound inconsistent with step sign (start=0.0, end=1.0,"
                        + " step=-1.0)");
        assertThatThrownBy(() -> Tensor.arange(0f, Float.NaN, 1f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("arange: start, end and step must be finite, got start=0.0, end=NaN, step=1.0");
        assertThatThrownBy(() -> Tensor.arange(0f, 1e10f, 1f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("arange: 1.0E10 elements exceed the maximum of 2147483639");
    }

    @Test
    void randomFactoriesFollowTheGenerator() {
        Generator ref = new Generator(9);
        Tensor u = Tensor.uniform(new Generator(9), -2f, 3f, 2, 3);
        for (int i = 0; i < 6; i++) {
            float expected = -2f + 5f * ref.nextFloat();
            assertThat(u.get(i / 3, i % 3)).isEqualTo(expected);
            assertThat(expected).isBetween(-2f, 3f);
        }
        Tensor n = Tensor.normal(new Generator(9), 1f, 0.5f, 4);
        Generator ref2 = new Generator(9);
        for (int i = 0; i < 4; i++) {
            assertThat(n.get(i)).isEqualTo((float) (1f + 0.5f * ref2.nextGaussian()));
        }
        // replays from the seed
        assertThat(Tensor.uniform(new Generator(9), -2f, 3f, 6).toArray()).containsExactly(u.toArray());
        assertThat(Tensor.uniform(new Generator(1), 0f, 0f, 3).toArray()).containsOnly(0f);
        assertThatThrownBy(() -> Tensor.uniform(new Generator(1), 1f, 0f, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("uniform: expects low <= high, both finite, got low=1.0, high=0.0");
        assertThatThrownBy(() -> Tensor.normal(new Generator(1), 0f, -1f, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("normal: expects a finite mean and a finite std >= 0, got mean=0.0, std=-1.0");
        assertThatThrownBy(() -> Tensor.normal(null, 0f, 1f, 3)).isInstanceOf(NullPointerException.class).hasMessage("g");
    }
}
