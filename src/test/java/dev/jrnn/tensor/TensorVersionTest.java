package dev.jrnn.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The storage write counter ({@link Tensor#version()}): every write path counts, reads never do. */
class TensorVersionTest {

    @Test
    void everyWritePathCountsAndViewsShareTheCounter() {
        Tensor t = Tensor.zeros(3, 4);
        Tensor row = t.select(0, 1);
        Tensor col = t.transpose(0, 1).narrow(0, 2, 1);
        long v = t.version();
        t.set(1f, 0, 0);
        assertThat(t.version()).isEqualTo(v + 1);
        row.addInPlace(2f);
        assertThat(t.version()).isEqualTo(v + 2).isEqualTo(row.version()).isEqualTo(col.version());
        col.copyFromInPlace(Tensor.ones(1, 3));
        row.tanhInPlace();
        t.fillInPlace(0.5f);
        assertThat(t.version()).isEqualTo(v + 5);
        Gemm.gemm(false, true, 1f, Tensor.ones(3, 2), Tensor.ones(4, 2), 0f, t);
        assertThat(t.version()).isEqualTo(v + 6);
        assertThat(t.get(0, 0)).isEqualTo(2f);
    }

    @Test
    void readsCopiesAndFreshTensorsDoNotCount() {
        Tensor t = Tensor.arange(6).reshape(2, 3);
        long v = t.version();
        t.add(t).sum();
        t.contiguous();
        Tensor copy = t.copy();
        t.toArray();
        t.tanh();
        assertThat(t.version()).isEqualTo(v);
        copy.addInPlace(1f);
        assertThat(t.version()).as("a copy has its own storage and counter").isEqualTo(v);
    }

    @Test
    void aRejectedWriteLeavesTheValuesAlone() {
        Tensor t = Tensor.ones(1, 3);
        Tensor e = t.expand(2, 3);
        assertThatThrownBy(() -> e.addInPlace(1f)).isInstanceOf(IllegalArgumentException.class);
        assertThat(t.toArray()).containsExactly(1f, 1f, 1f);
    }
}
