package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * What an {@link RNN} forward returns: PyTorch's {@code (output, h_n)}, plus typed accessors so that
 * nobody has to index {@code h_n} by hand.
 *
 * <p>Immutable holder; the tensors themselves are fresh and owned by the caller.
 */
public final class RNNOutput {

    private final Tensor output;  // (L, N, D·H_out), (N, L, D·H_out) batch-first, or (L, D·H_out) unbatched
    private final Tensor hN;      // (D·num_layers, N, H_out), or (D·num_layers, H_out) unbatched
    private final int numLayers;
    private final int numDirections;

    RNNOutput(Tensor output, Tensor hN, int numLayers, int numDirections) {
        this.output = Objects.requireNonNull(output, "output");
        this.hN = Objects.requireNonNull(hN, "hN");
        this.numLayers = numLayers;
        this.numDirections = numDirections;
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

    @Override
    public String toString() {
        return "RNNOutput[output " + output.shapeString() + ", h_n " + hN.shapeString() + "]";
    }
}
