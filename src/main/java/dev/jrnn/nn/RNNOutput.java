package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * What an {@link RNN} or {@link GRU} forward returns: PyTorch's {@code (output, h_n)}, plus typed
 * accessors so that nobody has to index {@code h_n} by hand, and — for a forward run in training
 * mode — the handle to backprop-through-time: {@link #backward(Tensor, Tensor)}.
 *
 * <p>A training-mode forward ({@link Module#isTraining()}) keeps the activations backward needs inside
 * this object (PyTorch's autograd graph of the call); an evaluation-mode forward keeps none. The
 * tensors {@link #output()} and {@link #hN()} never carry a graph: passing {@code hN()} as the next
 * forward's {@code h_0} starts a new graph there (truncated BPTT: that is torch's
 * {@code h.detach()}, implicit). {@link #detach()} drops the saved activations of this call early.
 *
 * <p>The tensors are fresh and owned by the caller. Not thread-safe: one backward per forward.
 *
 * <p>Thread safety: immutable: every field is final and set at construction. The tensors it hands out are
 * shared, not copied: as for any {@link dev.jrnn.tensor.Tensor}, concurrent reads are safe, but do not write
 * to them while another thread reads. {@link #backward} (training-mode forwards only) runs once and writes
 * the module's gradients, so it follows the module's rule: one thread at a time per module.
 */
public final class RNNOutput {

    private static final String EVAL_MODE = "backward needs a forward run in training mode, but this output was"
            + " computed in evaluation mode, which keeps no activations; call train() on the module before the"
            + " forward";

    private static final String DETACHED = "this output was detached: it keeps no activations to backward through;"
            + " backward must be called on the output of the forward itself, before detach()";

    private final Tensor output;  // (L, N, D·H_out), (N, L, D·H_out) batch-first, or (L, D·H_out) unbatched
    private final Tensor hN;      // (D·num_layers, N, H_out), or (D·num_layers, H_out) unbatched
    private final int numLayers;
    private final int numDirections;
    private final ForwardRecord record;  // training-mode forward only; null in eval mode and when detached
    private final String noGraphReason;

    /** An output; {@code record} is the training-mode forward's record, or null in evaluation mode. */
    RNNOutput(Tensor output, Tensor hN, int numLayers, int numDirections, ForwardRecord record) {
        this(output, hN, numLayers, numDirections, record, EVAL_MODE);
    }

    private RNNOutput(Tensor output, Tensor hN, int numLayers, int numDirections, ForwardRecord record,
                      String noGraphReason) {
        this.output = Objects.requireNonNull(output, "output");
        this.hN = Objects.requireNonNull(hN, "hN");
        this.numLayers = numLayers;
        this.numDirections = numDirections;
        this.record = record;
        this.noGraphReason = noGraphReason;
    }

    /**
     * {@return the top layer's states for every time step: {@code (L, N, D·H_out)}, {@code (N, L, D·H_out)}
     * with {@code batch_first}, or {@code (L, D·H_out)} unbatched; forward direction in
     * {@code [..., :H_out]}, reverse in {@code [..., H_out:]}}
     */
    public Tensor output() {
        return output;
    }

    /**
     * {@return {@code h_n}: every layer's and direction's final state, {@code (D·num_layers, N, H_out)}
     * (unbatched {@code (D·num_layers, H_out)}), at index {@code layer·D + direction}; never batch-first}
     */
    public Tensor hN() {
        return hN;
    }

    /**
     * {@return the final state of one layer and direction, {@code (N, H_out)} (unbatched {@code (H_out)});
     * a view of {@link #hN()}}
     * For the reverse direction ({@code direction = 1}) this is the state after processing {@code t = 0},
     * which equals {@code output[0, :, H_out:]} of the top layer — not {@code output[L−1]}.
     *
     * @param layer 0-based layer
     * @param direction 0 forward, 1 reverse
     */
    public Tensor finalState(int layer, int direction) {
        Objects.checkIndex(layer, numLayers);
        Objects.checkIndex(direction, numDirections);
        return hN.select(0, layer * numDirections + direction);
    }

    /**
     * {@return the top layer's final states of both directions, concatenated forward first:
     * {@code (N, D·H_out)} (unbatched {@code (D·H_out)})}
     * This is what a sequence classifier usually wants (Keras' {@code Bidirectional} output with
     * {@code return_sequences=False}); a new tensor.
     */
    public Tensor topFinalStates() {
        int top = numLayers - 1;
        if (numDirections == 1) {
            return finalState(top, 0).contiguous();
        }
        return Tensor.cat(-1, finalState(top, 0), finalState(top, 1));
    }

    /** {@return {@code h_n} viewed as {@code (num_layers, D, N, H_out)} (unbatched {@code (num_layers, D, H_out)})} */
    public Tensor hNByLayer() {
        int[] s = hN.shape();
        return s.length == 3 ? hN.view(numLayers, numDirections, s[1], s[2]) : hN.view(numLayers, numDirections, s[1]);
    }

    /** {@return the saved forward, or null; for tests of the package} */
    ForwardRecord record() {
        return record;
    }

    /**
     * {@return whether {@link #backward} can still run: the forward ran in training mode, and neither
     * backward nor {@link #detach()} has been called on this output}
     */
    public boolean hasGraph() {
        return record != null && !record.released();
    }

    /**
     * Backprop-through-time from upstream gradients of {@code output} and {@code h_n}: as torch's
     * {@code torch.autograd.backward([output, h_n], [gradOutput, gradHn])}, i.e. the backward of the loss
     * {@code Σ output⊙gradOutput + Σ h_n⊙gradHn}. Gradients through {@code output} and {@code h_n} add
     * (the top layer's final states receive both). Dropout between layers uses the forward's mask and
     * scale; the ReLU derivative at exactly 0 is 0.
     *
     * <p>Every parameter's {@link Parameter#grad()} is <em>accumulated into</em> ({@code +=}); call
     * {@link Module#zeroGrad()} between optimizer steps. The weights used are those of the forward.
     * The saved activations are freed: a second backward through the same forward throws.
     *
     * @param gradOutput {@code ∂loss/∂output}, the shape of {@link #output()} (so batch-first or unbatched
     *     like it), or null for zeros; not modified
     * @param gradHn {@code ∂loss/∂h_n}, the shape of {@link #hN()}, or null for zeros; not modified
     * @return the gradients with respect to the input (its shape and layout) and to {@code h_0}
     * @throws IllegalArgumentException if a gradient's shape differs from its tensor's (the message gives
     *     both shapes)
     * @throws IllegalStateException if the forward ran in evaluation mode, if backward already ran for
     *     this forward, or after {@link #detach()}
     */
    public RNNGradients backward(Tensor gradOutput, Tensor gradHn) {
        return backward(gradOutput, gradHn, true);
    }

    /**
     * {@link #backward(Tensor, Tensor)}, optionally without the gradient of the input: torch's backward
     * when the input does not require grad. The parameter gradients and the {@code h_0} gradient are
     * bitwise the same; skipping saves layer 0's {@code (L·N, G)·(G, H_in)} GEMM per direction (about
     * a sixth of a one-layer training step's arithmetic).
     *
     * @param gradOutput as for {@link #backward(Tensor, Tensor)}
     * @param gradHn as for {@link #backward(Tensor, Tensor)}
     * @param inputGradient whether to compute {@code ∂loss/∂input}; when false,
     *     {@link RNNGradients#input()} of the result is null
     * @return the gradients with respect to the input (or null) and to {@code h_0}
     * @throws IllegalArgumentException as {@link #backward(Tensor, Tensor)}
     * @throws IllegalStateException as {@link #backward(Tensor, Tensor)}
     */
    public RNNGradients backward(Tensor gradOutput, Tensor gradHn, boolean inputGradient) {
        if (record == null) {
            throw new IllegalStateException(noGraphReason);
        }
        record.inputGradient = inputGradient;
        RNNBase m = record.module;
        m.enterTraining("backward");
        try {
            return m.backward(record, gradOutput, gradHn, output, hN);
        } finally {
            m.exitTraining();
        }
    }

    /**
     * {@return this output's tensors without the saved activations, which this object releases too}
     * Use it to keep a training-mode result around (e.g. for logging) without keeping
     * {@code O(L·N·H·num_layers)} activations alive; the returned object and this one can no longer
     * {@link #backward}. The tensors are shared, not copied; they never carried a graph anyway.
     */
    public RNNOutput detach() {
        if (record != null) {
            record.release();
        }
        return new RNNOutput(output, hN, numLayers, numDirections, null, DETACHED);
    }

    @Override
    public String toString() {
        return "RNNOutput[output " + output.shapeString() + ", h_n " + hN.shapeString() + "]";
    }
}
