package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * What an {@link RNN} or {@link GRU} forward over a {@link PackedSequence} returns: PyTorch's
 * {@code (PackedSequence output, h_n)}, and for a training-mode forward the backward.
 *
 * <p>{@link #output()} has the input's {@code batchSizes} and indices and data {@code (Σ lengths, D·H_out)};
 * {@link #hN()} {@code (D·num_layers, N, H_out)} is in the caller's original batch order and holds, per
 * sequence, the forward direction's state at its own last step and the reverse direction's state after
 * {@code t = 0}. Not thread-safe: one backward per forward.
 *
 * <p>Thread safety: immutable: every field is final and set at construction. The tensors it hands out are
 * shared, not copied: as for any {@link dev.jrnn.tensor.Tensor}, concurrent reads are safe, but do not write
 * to them while another thread reads. {@link #backward} runs once and writes the module's gradients: one
 * thread at a time per module.
 */
public final class PackedRNNOutput {

    private final PackedSequence output;
    private final RNNOutput inner;   // output() = packed data (Σ lengths, D·H_out), hN original order

    PackedRNNOutput(PackedSequence output, RNNOutput inner) {
        this.output = Objects.requireNonNull(output, "output");
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    /** {@return the packed output: data {@code (Σ lengths, D·H_out)}, same batch sizes and indices as the input} */
    public PackedSequence output() {
        return output;
    }

    /** {@return {@code h_n} {@code (D·num_layers, N, H_out)}, original batch order} */
    public Tensor hN() {
        return inner.hN();
    }

    /** {@return one layer's and direction's final states {@code (N, H_out)}; see {@link RNNOutput#finalState}} */
    public Tensor finalState(int layer, int direction) {
        return inner.finalState(layer, direction);
    }

    /** {@return the top layer's final states, forward first: {@code (N, D·H_out)}, original order} */
    public Tensor topFinalStates() {
        return inner.topFinalStates();
    }

    /** {@return whether {@link #backward} can still run} */
    public boolean hasGraph() {
        return inner.hasGraph();
    }

    /**
     * Backprop-through-time through the packed forward: accumulates into every parameter's gradient.
     *
     * @param gradOutputData {@code ∂loss/∂output.data()} {@code (Σ lengths, D·H_out)}, or null for zeros;
     *     not modified
     * @param gradHn {@code ∂loss/∂h_n} {@code (D·num_layers, N, H_out)} original order, or null; not modified
     * @return the gradient of the packed input data {@code (Σ lengths, H_in)} and of {@code h_0}
     *     (original order)
     * @throws IllegalArgumentException on a gradient of the wrong shape
     * @throws IllegalStateException as {@link RNNOutput#backward}
     */
    public RNNGradients backward(Tensor gradOutputData, Tensor gradHn) {
        return inner.backward(gradOutputData, gradHn);
    }

    /**
     * {@link #backward(Tensor, Tensor)}, optionally without the gradient of the input data (see
     * {@link RNNOutput#backward(Tensor, Tensor, boolean)}).
     *
     * @param inputGradient whether to compute the input data's gradient; when false,
     *     {@link RNNGradients#input()} of the result is null
     * @return the gradients of the packed input data (or null) and of {@code h_0} (original order)
     */
    public RNNGradients backward(Tensor gradOutputData, Tensor gradHn, boolean inputGradient) {
        return inner.backward(gradOutputData, gradHn, inputGradient);
    }

    @Override
    public String toString() {
        return "PackedRNNOutput[output " + output + ", h_n " + inner.hN().shapeString() + "]";
    }
}
