package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * A learnable tensor of a {@link Module}, with its PyTorch name and its gradient.
 *
 * <p>{@link #data()} and {@link #grad()} are the live tensors: writing to them changes the module.
 * Gradients accumulate ({@code +=}) across backward calls until {@link #zeroGrad()}.
 *
 * <p>Not thread-safe for concurrent mutation.
 *
 * <p>Thread safety: not thread-safe. The value and the gradient are mutable tensors: a backward pass
 * accumulates into {@link #grad()}, an optimizer step and {@code loadStateDict} write {@link #data()}.
 * Concurrent reads (e.g. many evaluation-mode forwards) are safe as long as nothing writes.
 */
public final class Parameter {

    private final String name;
    private final Tensor data;  // the parameter's shape, e.g. (G, H_in) for weight_ih_l0
    private final Tensor grad;  // same shape as data; zeros until a backward pass accumulates into it

    Parameter(String name, Tensor data) {
        this.name = Objects.requireNonNull(name, "name");
        this.data = Objects.requireNonNull(data, "data");
        this.grad = Tensor.zeros(data.shape());
    }

    /** {@return the PyTorch name, e.g. {@code weight_ih_l0_reverse}} */
    public String name() {
        return name;
    }

    /** {@return the values; shares storage with the module (writes are visible to it)} */
    public Tensor data() {
        return data;
    }

    /** {@return the accumulated gradient, same shape as {@link #data()}; shares storage with the module} */
    public Tensor grad() {
        return grad;
    }

    /** {@return a copy of the shape} */
    public int[] shape() {
        return data.shape();
    }

    /** {@return the number of elements} */
    public int numel() {
        return data.numel();
    }

    /** Sets the gradient to zero. */
    public void zeroGrad() {
        grad.zeroInPlace();
    }

    @Override
    public String toString() {
        return "Parameter[" + name + " " + data.shapeString() + "]";
    }
}
