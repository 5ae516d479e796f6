package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * What an {@link LSTM} forward returns: PyTorch's {@code (output, (h_n, c_n))}, with typed accessors
 * for the final states and — for a forward run in training mode — the handle to backprop-through-time,
 * {@link #backward(Tensor, Tensor, Tensor)}.
 *
 * <p>{@code h_n} is {@code H_out} wide ({@code proj_size} when projecting), {@code c_n} always
 * {@code H} wide. As for {@link RNNOutput}, the tensors never carry a graph: passing {@link #state()}
 * as the next forward's initial state starts a new graph (truncated BPTT).
 *
 * <p>The tensors are fresh and owned by the caller. Not thread-safe: one backward per forward.
 *
 * <p>Thread safety: immutable: every field is final and set at construction. The tensors it hands out are
 * shared, not copied: as for any {@link dev.jrnn.tensor.Tensor}, concurrent reads are safe, but do not write
 * to them while another thread reads. {@link #backward} (training-mode forwards only) runs once and writes
 * the module's gradients, so it follows the module's rule: one thread at a time per module.
 */
public final class LSTMOutput {

    private final Tensor output;  // (L, N, D·H_out), (N, L, D·H_out) batch-first, or (L, D·H_out) unbatched
    private final Tensor hN;      // (D·num_layers, N, H_out), or (D·num_layers, H_out) unbatched
    private final Tensor cN;      // (D·num_layers, N, H), or (D·num_layers, H) unbatched
    private final int numLayers;
    private final int numDirections;
    private ForwardRecord record;  // training-mode forward only
    private final String noGraphReason;

    LSTMOutput(Tensor output, Tensor hN, Tensor cN, int numLayers, int numDirections, ForwardRecord record,
               String noGraphReason) {
        this.output = Objects.requireNonNull(output, "output");
        this.hN = Objects.requireNonNull(hN, "hN");
        this.cN = Objects.requireNonNull(cN, "cN");
        this.numLayers = numLayers;
        this.numDirections = numDirections;
        this.record = record;
        this.noGraphReason = noGraphReason;
    }

    static final String EVAL_MODE = "backward needs a forward run in training mode, but this output was computed in"
            + " evaluation mode, which keeps no activations; call train() on the module before the forward";

    private static final String DETACHED = "this output was detached: it keeps no activations to backward through;"
            + " backward must be called on the output of the forward itself, before detach()";

    /**
     * {@return the top layer's {@code h_t} for every time step: {@code (L, N, D·H_out)}, {@code (N, L, D·H_out)}
     * with {@code batch_first}, or {@code (L, D·H_out)} unbatched; forward direction first}
     */
    public Tensor output() {
        return output;
    }

    /** {@return {@code h_n} {@code (D·num_layers, N, H_out)} (unbatched {@code (D·num_layers, H_out)}), index {@code layer·D + direction}} */
    public Tensor hN() {
        return hN;
    }

    /** {@return {@code c_n} {@code (D·num_layers, N, H)} (unbatched {@code (D·num_layers, H)}): never projected} */
    public Tensor cN() {
        return cN;
    }

    /** {@return {@code (h_n, c_n)}, ready to be the next forward's initial state} */
    public LSTMState state() {
        return new LSTMState(hN, cN);
    }

    /**
     * {@return the final {@code h} of one layer and direction, {@code (N, H_out)} (unbatched {@code (H_out)});
     * a view of {@link #hN()}}
     * For the reverse direction this is the state after processing {@code t = 0}.
     */
    public Tensor finalState(int layer, int direction) {
        Objects.checkIndex(layer, numLayers);
        Objects.checkIndex(direction, numDirections);
        return hN.select(0, layer * numDirections + direction);
    }

    /** {@return the final cell state {@code c} of one layer and direction, {@code (N, H)}; a view of {@link #cN()}} */
    public Tensor finalCellState(int layer, int direction) {
        Objects.checkIndex(layer, numLayers);
        Objects.checkIndex(direction, numDirections);
        return cN.select(0, layer * numDirections + direction);
    }

    /** {@return the top layer's final {@code h} of both directions, forward first: {@code (N, D·H_out)}; a new tensor} */
    public Tensor topFinalStates() {
        int top = numLayers - 1;
        if (numDirections == 1) {
            return finalState(top, 0).contiguous();
        }
        return Tensor.cat(-1, finalState(top, 0), finalState(top, 1));
    }

    /** {@return {@code h_n} viewed as {@code (num_layers, D, N, H_out)} (unbatched {@code (num_layers, D, H_out)})} */
    public Tensor hNByLayer() {
        return byLayer(hN);
    }

    /** {@return {@code c_n} viewed as {@code (num_layers, D, N, H)} (unbatched {@code (num_layers, D, H)})} */
    public Tensor cNByLayer() {
        return byLayer(cN);
    }

    private Tensor byLayer(Tensor t) {
        int[] s = t.shape();
        return s.length == 3 ? t.view(numLayers, numDirections, s[1], s[2]) : t.view(numLayers, numDirections, s[1]);
    }

    /** The recorded activations, for tests of the dropout masks; null in evaluation mode or once detached. */
    ForwardRecord record() {
        return record;
    }

    /** {@return whether {@link #backward} can still run} */
    public boolean hasGraph() {
        return record != null && !record.released();
    }

    /**
     * Backprop-through-time from upstream gradients of {@code output}, {@code h_n} and {@code c_n}: the
     * backward of {@code Σ output⊙gradOutput + Σ h_n⊙gradHn + Σ c_n⊙gradCn}. Accumulates ({@code +=})
     * into every parameter's {@link Parameter#grad()} (including {@code weight_hr} when projecting)
     * with the weights of the forward, and frees the saved activations.
     *
     * @param gradOutput the shape of {@link #output()}, or null for zeros; not modified
     * @param gradHn the shape of {@link #hN()}, or null for zeros; not modified
     * @param gradCn the shape of {@link #cN()}, or null for zeros; not modified
     * @return the gradients with respect to the input, {@code h_0} and {@code c_0}
     * @throws IllegalArgumentException if a gradient's shape differs from its tensor's
     * @throws IllegalStateException after an evaluation-mode forward, a previous backward, or {@link #detach()}
     */
    public LSTMGradients backward(Tensor gradOutput, Tensor gradHn, Tensor gradCn) {
        return backward(gradOutput, gradHn, gradCn, true);
    }

    /**
     * {@link #backward(Tensor, Tensor, Tensor)}, optionally without the gradient of the input: torch's
     * backward when the input does not require grad. The parameter, {@code h_0} and {@code c_0}
     * gradients are bitwise the same; skipping saves layer 0's {@code (L·N, 4H)·(4H, H_in)} GEMM per
     * direction.
     *
     * @param gradOutput as for {@link #backward(Tensor, Tensor, Tensor)}
     * @param gradHn as for {@link #backward(Tensor, Tensor, Tensor)}
     * @param gradCn as for {@link #backward(Tensor, Tensor, Tensor)}
     * @param inputGradient whether to compute {@code ∂loss/∂input}; when false,
     *     {@link LSTMGradients#input()} of the result is null
     * @return the gradients with respect to the input (or null), {@code h_0} and {@code c_0}
     * @throws IllegalArgumentException as {@link #backward(Tensor, Tensor, Tensor)}
     * @throws IllegalStateException as {@link #backward(Tensor, Tensor, Tensor)}
     */
    public LSTMGradients backward(Tensor gradOutput, Tensor gradHn, Tensor gradCn, boolean inputGradient) {
        if (record == null) {
            throw new IllegalStateException(noGraphReason);
        }
        record.inputGradient = inputGradient;
        RNNBase m = record.module;
        Tensor[] g;
        m.enterTraining("backward");
        try {
            g = GatedLayers.backward(m, record, gradOutput, gradHn, gradCn, output, hN, cN);
        } finally {
            m.exitTraining();
        }
        return new LSTMGradients(g[0], g[1], g[2]);
    }

    /** {@return this output's tensors without the saved activations, which this object releases too} */
    public LSTMOutput detach() {
        if (record != null) {
            record.release();
        }
        return new LSTMOutput(output, hN, cN, numLayers, numDirections, null, DETACHED);
    }

    @Override
    public String toString() {
        return "LSTMOutput[output " + output.shapeString() + ", h_n " + hN.shapeString() + ", c_n "
                + cN.shapeString() + "]";
    }
}
