package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * What an LSTM backward pass returns besides the parameter gradients (which it accumulates into each
 * {@link Parameter#grad()}): the gradients of the loss with respect to the input and the initial state
 * {@code (h_0, c_0)}. PyTorch's {@code input.grad}, {@code h0.grad} and {@code c0.grad}.
 *
 * <p>Immutable holder; the tensors are fresh and owned by the caller.
 *
 * <p>Thread safety: immutable: every field is final and set at construction. The tensors it hands out are
 * shared, not copied: as for any {@link dev.jrnn.tensor.Tensor}, concurrent reads are safe, but do not write
 * to them while another thread reads.
 */
public final class LSTMGradients {

    private final Tensor input;  // the input's shape and layout
    private final Tensor h0;     // (D·num_layers, N, H_out), (D·num_layers, H_out) unbatched; cell: (N, H) or (H)
    private final Tensor c0;     // (D·num_layers, N, H), (D·num_layers, H) unbatched; cell: (N, H) or (H)

    LSTMGradients(Tensor input, Tensor h0, Tensor c0) {
        this.input = input;
        this.h0 = Objects.requireNonNull(h0, "h0");
        this.c0 = Objects.requireNonNull(c0, "c0");
    }

    /**
     * {@return the gradient with respect to the input, in the input's shape and layout: {@code (L, N, H_in)},
     * {@code (N, L, H_in)} with {@code batch_first}, {@code (L, H_in)} unbatched; for {@link LSTMCell}
     * {@code (N, H_in)} or {@code (H_in)}; null when the backward was asked not to compute it
     * ({@link LSTMOutput#backward(Tensor, Tensor, Tensor, boolean)})}
     */
    public Tensor input() {
        return input;
    }

    /**
     * {@return the gradient with respect to {@code h_0}, the shape of {@code h_0} ({@code H_out} wide)}
     * When the state was omitted this is the gradient with respect to the zero initial state.
     */
    public Tensor h0() {
        return h0;
    }

    /** {@return the gradient with respect to {@code c_0}, the shape of {@code c_0} ({@code H} wide)} */
    public Tensor c0() {
        return c0;
    }

    /** {@return the gradients of {@code (h_0, c_0)} as a pair} */
    public LSTMState state() {
        return new LSTMState(h0, c0);
    }

    @Override
    public String toString() {
        return "LSTMGradients[input " + (input == null ? "not computed" : input.shapeString()) + ", h0 " + h0.shapeString() + ", c0 "
                + c0.shapeString() + "]";
    }
}
