package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * What an {@link LSTM} forward over a {@link PackedSequence} returns: PyTorch's
 * {@code (PackedSequence output, (h_n, c_n))}, and for a training-mode forward the backward.
 *
 * <p>{@link #output()} has the input's {@code batchSizes} and indices and data {@code (Σ lengths, D·H_out)};
 * {@link #hN()} {@code (D·num_layers, N, H_out)} and {@link #cN()} {@code (D·num_layers, N, H)} are in
 * the caller's original batch order (per sequence: forward state at its own last step, reverse state after
 * {@code t = 0}). Not thread-safe: one backward per forward.
 *
 * <p>Thread safety: immutable: every field is final and set at construction. The tensors it hands out are
 * shared, not copied: as for any {@link dev.jrnn.tensor.Tensor}, concurrent reads are safe, but do not write
 * to them while another thread reads. {@code backward} runs once and writes the module's gradients: one
 * thread at a time per module.
 */
public final class PackedLSTMOutput {

    private final PackedSequence output;
    private final LSTMOutput inner;   // output() = packed data (Σ lengths, D·H_out)

    PackedLSTMOutput(PackedSequence output, LSTMOutput inner) {
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

    /** {@return {@code c_n} {@code (D·num_layers, N, H)}, original batch order} */
    public Tensor cN() {
        return inner.cN();
    }

    /** {@return {@code (h_n, c_n)}} */
    public LSTMState state() {
        return inner.state();
    }

    /** {@return whether {@link #backward} can still run} */
    public boolean hasGraph() {
        return inner.hasGraph();
    }

    /**
     * Backprop-through-time through the packed forward: accumulates into every parameter's gradient.
     *
     * @param gradOutputData {@code ∂loss/∂output.data()} {@code (Σ lengths, D·H_out)}, or null; not modified
     * @param gradHn {@code ∂loss/∂h_n}, original order, or null; not modified
     * @param gradCn {@code ∂loss/∂c_n}, original order, or null; not modified
     * @return the gradients of the packed input data {@code (Σ lengths, H_in)}, {@code h_0} and {@code c_0}
     *     (original order)
     */
    public LSTMGradients backward(Tensor gradOutputData, Tensor gradHn, Tensor gradCn) {
        return inner.backward(gradOutputData, gradHn, gradCn);
    }

    /**
     * {@link #backward(Tensor, Tensor, Tensor)}, optionally without the gradient of the input data
     * (see {@link LSTMOutput#backward(Tensor, Tensor, Tensor, boolean)}).
     *
     * @param inputGradient whether to compute the input data's gradient; when false,
     *     {@link LSTMGradients#input()} of the result is null
     * @return the gradients of the packed input data (or null), {@code h_0} and {@code c_0} (original order)
     */
    public LSTMGradients backward(Tensor gradOutputData, Tensor gradHn, Tensor gradCn, boolean inputGradient) {
        return inner.backward(gradOutputData, gradHn, gradCn, inputGradient);
    }

    @Override
    public String toString() {
        return "PackedLSTMOutput[output " + output + ", h_n " + inner.hN().shapeString() + ", c_n "
                + inner.cN().shapeString() + "]";
    }
}
