package dev.jrnn.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code toString} against torch's repr (default print options), hard-coded from torch's
 * {@code _tensor_str.py} rules; jrnn appends {@code , shape=(...)} for tensors of one or more dims.
 */
class TensorFormatTest {

    @Test
    void fixedPointMatrix() {
        Tensor t = Tensor.of(new float[] {0.1f, -0.2f, 0.3f, 0.4f}, 2, 2);
        assertThat(t).hasToString("tensor([[ 0.1000, -0.2000],\n        [ 0.3000,  0.4000]], shape=(2, 2))");
        assertThat(Tensor.of(new float[] {123.456f, 0.5f}, 2))
                .hasToString("tensor([123.4560,   0.5000], shape=(2,))");
    }

    @Test
    void scalarsAndIntegers() {
        assertThat(Tensor.scalar(1.5f)).hasToString("tensor(1.5000)");
        assertThat(Tensor.scalar(2f)).hasToString("tensor(2.)");
        assertThat(Tensor.scalar(0f)).hasToString("tensor(0.)");
        assertThat(Tensor.scalar(-0f)).hasToString("tensor(-0.)");
        assertThat(Tensor.scalar(1e-5f)).hasToString("tensor(1.0000e-05)");
        assertThat(Tensor.of(new float[] {1, 2, 3}, 3)).hasToString("tensor([1., 2., 3.], shape=(3,))");
        assertThat(Tensor.of(new float[] {-1, 20}, 2)).hasToString("tensor([-1., 20.], shape=(2,))");
        assertThat(Tensor.zeros(2)).hasToString("tensor([0., 0.], shape=(2,))");
    }

    @Test
    void scientificNotationWhenTorchUsesIt() {
        assertThat(Tensor.of(new float[] {1e-5f, 1f}, 2)).hasToString("tensor([1.0000e-05, 1.0000e+00], shape=(2,))");
        assertThat(Tensor.of(new float[] {1e9f, 1f}, 2)).hasToString("tensor([1.0000e+09, 1.0000e+00], shape=(2,))");
        assertThat(Tensor.of(new float[] {-12345.678f, 0.5f}, 2))
                .hasToString("tensor([-1.2346e+04,  5.0000e-01], shape=(2,))");
        // ratio exactly 1000 is not above 1000: fixed point
        assertThat(Tensor.of(new float[] {1000f, 1f}, 2)).hasToString("tensor([1000.,    1.], shape=(2,))");
        assertThat(Tensor.of(new float[] {1001f, 1f}, 2)).hasToString("tensor([1.0010e+03, 1.0000e+00], shape=(2,))");
        assertThat(Tensor.of(new float[] {0f, 1e-5f}, 2)).hasToString("tensor([0.0000e+00, 1.0000e-05], shape=(2,))");
    }

    @Test
    void nonFiniteValues() {
        assertThat(Tensor.of(new float[] {1.5f, Float.NaN, Float.POSITIVE_INFINITY}, 3))
                .hasToString("tensor([1.5000,    nan,    inf], shape=(3,))");
        assertThat(Tensor.of(new float[] {1f, Float.NEGATIVE_INFINITY}, 2)).hasToString("tensor([1., -inf], shape=(2,))");
        assertThat(Tensor.of(new float[] {Float.NaN}, 1)).hasToString("tensor([nan], shape=(1,))");
    }

    @Test
    void roundsHalfToEvenOnTheExactBinaryValue() {
        // Python formats the exact binary value: 0.00015f is 1.500000071e-4 -> 0.0002, 1.00005f is
        // 1.0000499487 -> 1.0000; exact ties 1/32 and 3/32 round half to even (Java's %.4f would round up)
        assertThat(Tensor.of(new float[] {0.00015f, 1f}, 2)).hasToString("tensor([1.5000e-04, 1.0000e+00], shape=(2,))");
        assertThat(Tensor.of(new float[] {0.00015f, 0.1f}, 2)).hasToString("tensor([0.0002, 0.1000], shape=(2,))");
        assertThat(Tensor.of(new float[] {1.00005f, 0.5f}, 2)).hasToString("tensor([1.0000, 0.5000], shape=(2,))");
        assertThat(Tensor.of(new float[] {0.03125f, 0.09375f}, 2)).hasToString("tensor([0.0312, 0.0938], shape=(2,))");
        assertThat(Tensor.of(new float[] {-0.00001f, 0.5f}, 2)).hasToString("tensor([-1.0000e-05,  5.0000e-01], shape=(2,))");
        assertThat(Tensor.of(new float[] {-0f, 0.5f}, 2)).hasToString("tensor([-0.0000, 0.5000], shape=(2,))"); // -0 is not in the width stats, as torch
    }

    @Test
    void lineWrapping() {
        assertThat(Tensor.arange(30).toString()).isEqualTo(
                "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
                + "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
                + "        28., 29.], shape=(30,))");
    }

    @Test
    void threeDimensions() {
        assertThat(Tensor.arange(8).view(2, 2, 2).toString()).isEqualTo(
                "tensor([[[0., 1.],\n"
                + "         [2., 3.]],\n"
                + "\n"
                + "        [[4., 5.],\n"
                + "         [6., 7.]]], shape=(2, 2, 2))");
        // a non-contiguous view prints its logical order
        assertThat(Tensor.arange(4).view(2, 2).t().toString())
                .isEqualTo("tensor([[0., 2.],\n        [1., 3.]], shape=(2, 2))");
    }

    @Test
    void summarisesAboveOneThousandElements() {
        assertThat(Tensor.arange(1001).toString())
                .isEqualTo("tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.], shape=(1001,))");
        assertThat(Tensor.arange(1000).toString()).startsWith("tensor([  0.,   1.,").endsWith("999.], shape=(1000,))");
        assertThat(Tensor.zeros(40, 30).toString()).isEqualTo(
                "tensor([[0., 0., 0.,  ..., 0., 0., 0.],\n"
                + "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
                + "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
                + "        ...,\n"
                + "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
                + "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
                + "        [0., 0., 0.,  ..., 0., 0., 0.]], shape=(40, 30))");
        // the formatter only sees the printed edge values: the large middle value does not force sci mode
        Tensor t = Tensor.ones(1001);
        t.set(1e9f, 500);
        assertThat(t.toString()).isEqualTo("tensor([1., 1., 1.,  ..., 1., 1., 1.], shape=(1001,))");
    }

    @Test
    void emptyTensors() {
        assertThat(Tensor.zeros(0, 3)).hasToString("tensor([], shape=(0, 3))");
        assertThat(Tensor.zeros(0)).hasToString("tensor([], shape=(0,))");
    }
}
