package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * What a backward pass returns besides the parameter gradients (which it accumulates into each
 * {@link Parameter#grad()}): the gradients of the loss with respect to the input and the initial
 * hidden state. PyTorch's {@code input.grad} and {@code h0.grad}.
 *
 * <p>Immutable holder; the tensors are fresh and owned by the caller.
 *
 * <p>Thread safety: immutable: every field is final and set at construction. The tensors it hands out are
 * shared, not copied: as for any {@link dev.jrnn.tensor.Tensor}, concurrent reads are safe, but do not write
 * to them while another thread reads.
 */
public final class RNNGradients {

    private final Tensor input;  // the input's shape and layout
    private final Tensor h0;     // the initial state's shape

    RNNGradients(Tensor input, Tensor h0) {
        this.input = input;
        this.h0 = Objects.requireNonNull(h0, "h0");
    }

    /**
     * {@return the gradient with respect to the input, in the input's shape and layout:
     * {@code (L, N, H_in)}, {@code (N, L, H_in)} with {@code batch_first}, {@code (L, H_in)} unbatched;
     * for {@link RNNCell#backward} {@code (N, H_in)} or {@code (H_in)}; null when the backward was asked
     * not to compute it ({@link RNNOutput#backward(Tensor, Tensor, boolean)})}
     */
    public Tensor input() {
        return input;
    }

    /**
     * {@return the gradient with respect to the initial hidden state: {@code (D·num_layers, N, H)}
     * ({@code (D·num_layers, H)} unbatched); for {@link RNNCell#backward} the gradient of {@code hx},
     * {@code (N, H)} or {@code (H)}}
     * When {@code h_0} was omitted this is the gradient with respect to the zero initial state (torch
     * returns none, since its default {@code h_0} is a constant); use it or ignore it.
     */
    public Tensor h0() {
        return h0;
    }

    @Override
    public String toString() {
        return "RNNGradients[input " + (input == null ? "not computed" : input.shapeString()) + ", h0 "
                + h0.shapeString() + "]";
    }
}
