package dev.jrnn.tensor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link TensorAccess#copyInto}: the recurrent layers stage non-contiguous inputs and states with it, so
 * every layout must come out row-major, element by element as {@link Tensor#get} reads it.
 */
class TensorAccessCopyTest {

    @Test
    void stridedViewsOfEveryRankComeOutRowMajor() {
        Tensor base3 = Tensor.arange(2 * 3 * 5).view(2, 3, 5);
        Tensor base4 = Tensor.arange(2 * 3 * 4 * 5).view(2, 3, 4, 5);
        List<Tensor> views = List.of(
                base3.transpose(0, 1),                    // batch-first input seen time-major
                base3.transpose(1, 2),                    // last dimension strided
                base3.narrow(2, 1, 3),                    // narrowed rows
                base3.narrow(0, 1, 1).transpose(0, 2),    // offset and size-1 dimension
                base3.transpose(0, 1).narrow(0, 1, 2).narrow(2, 2, 2),
                base3.select(1, 2),                       // rank 2, row stride 15
                base3.select(1, 2).transpose(0, 1),       // rank 2, last dimension strided
                base3.select(2, 4).select(0, 1),          // rank 1, stride 5
                base4.permute(3, 1, 0, 2),                // rank 4: the general loop
                base3.narrow(1, 0, 0).transpose(0, 1));   // no elements
        for (Tensor v : views) {
            float[] dst = new float[v.numel() + 3];
            java.util.Arrays.fill(dst, -1f);
            TensorAccess.copyInto(v, dst, 2);
            float[] want = new float[v.numel()];
            int[] shape = v.shape();
            int[] idx = new int[shape.length];
            for (int i = 0; i < want.length; i++) {
                want[i] = v.get(idx);
                for (int d = shape.length - 1; d >= 0 && ++idx[d] == shape[d]; d--) {
                    idx[d] = 0;
                }
            }
            String name = java.util.Arrays.toString(shape) + " strides " + java.util.Arrays.toString(v.strides());
            assertThat(java.util.Arrays.copyOfRange(dst, 2, 2 + want.length)).as(name).isEqualTo(want);
            assertThat(new float[] {dst[0], dst[1], dst[dst.length - 1]}).as(name + ": untouched borders")
                    .containsOnly(-1f);
        }
    }

    @Test
    void aDestinationTooShortIsRejectedBeforeAnyWrite() {
        Tensor v = Tensor.arange(6).view(2, 3).transpose(0, 1);
        float[] dst = new float[6];
        assertThatThrownBy(() -> TensorAccess.copyInto(v, dst, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(dst).containsOnly(0f);
    }
}
