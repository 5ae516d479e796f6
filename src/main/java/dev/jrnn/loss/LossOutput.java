package dev.jrnn.loss;

import dev.jrnn.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * The value of a loss and the gradient with respect to its input.
 *
 * <p>The value is a scalar {@code ()} for {@link Reduction#MEAN} and {@link Reduction#SUM}, and the
 * unreduced values for {@link Reduction#NONE}. {@link #backward()} returns {@code ∂value/∂input} for a
 * scalar value; {@link #backward(Tensor)} returns {@code ∂(Σ value⊙gradValue)/∂input} for any reduction,
 * like torch's {@code value.backward(gradValue)}. Gradients are new tensors of the input's shape,
 * computed in double from the saved input and rounded once to float.
 *
 * <p>Immutable; the saved input is a private copy.
 *
 * <p>Thread safety: immutable; {@code backward} only reads it and returns a new tensor, so it may be called
 * from several threads.
 */
public final class LossOutput {

    /** The gradient of {@code Σ value⊙g} with respect to the input, from the per-element upstream {@code g}. */
    interface Gradient {
        double[] apply(double[] upstream);
    }

    private final Tensor value;        // () for mean/sum; per element (or per sample) for none
    private final int[] inputShape;
    private final Gradient gradient;   // upstream indexed like the unreduced values

    LossOutput(Tensor value, int[] inputShape, Gradient gradient) {
        this.value = value;
        this.inputShape = inputShape.clone();
        this.gradient = gradient;
    }

    /** {@return the loss: shape {@code ()} for mean and sum, the unreduced shape for none (a copy)} */
    public Tensor value() {
        return value.copy();
    }

    /**
     * {@return the scalar loss}
     *
     * @throws IllegalStateException for reduction none with more than one value
     */
    public float item() {
        if (value.numel() != 1) {
            throw new IllegalStateException("item() needs a single value, but the loss has shape "
                    + value.shapeString() + " (reduction none); reduce it or use value()");
        }
        return value.toArray()[0];
    }

    /**
     * {@return {@code ∂loss/∂input} for a scalar loss (reduction mean or sum), the shape of the input}
     *
     * @throws IllegalStateException for reduction none: pass the upstream gradient to {@link #backward(Tensor)}
     */
    public Tensor backward() {
        if (value.dim() != 0) {
            throw new IllegalStateException("backward() needs a scalar loss, but the loss has shape "
                    + value.shapeString() + " (reduction none); use backward(gradValue)");
        }
        return backward(Tensor.scalar(1f));
    }

    /**
     * {@return {@code ∂(Σ value⊙gradValue)/∂input}, the shape of the input}
     *
     * @param gradValue the upstream gradient, the shape of {@link #value()}; not modified
     * @throws IllegalArgumentException if the shape differs from the value's
     */
    public Tensor backward(Tensor gradValue) {
        Objects.requireNonNull(gradValue, "gradValue");
        if (!Arrays.equals(gradValue.shape(), value.shape())) {
            throw new IllegalArgumentException("Expected gradValue of shape " + value.shapeString() + " (the loss's), got "
                    + gradValue.shapeString());
        }
        float[] g = gradValue.toArray();
        double[] up = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            up[i] = g[i];
        }
        double[] d = gradient.apply(up);
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (float) d[i];
        }
        return Tensor.of(out, inputShape);
    }

    static Tensor reduce(double[] perElement, Reduction reduction, double meanDivisor, int... noneShape) {
        if (reduction == Reduction.NONE) {
            float[] v = new float[perElement.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) perElement[i];
            }
            return Tensor.of(v, noneShape);
        }
        double s = 0;
        for (double x : perElement) {
            s += x;
        }
        return Tensor.scalar((float) (reduction == Reduction.SUM ? s : s / meanDivisor));
    }

    static void checkSameShape(String what, Tensor input, Tensor target) {
        if (!Arrays.equals(input.shape(), target.shape())) {
            throw new IllegalArgumentException(what + ": Expected target of shape " + input.shapeString()
                    + " (the input's), got " + target.shapeString());
        }
    }

    static double[] toDouble(Tensor t) {
        float[] f = t.toArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
