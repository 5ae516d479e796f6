package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * Which part of a recurrent layer's result feeds a head, and the way back: {@link #features} picks
 * {@code (N, F)} features out of {@code (output, h_n)}, and {@link #gradients} scatters {@code ∂loss/∂features}
 * back into the {@code (gradOutput, gradHn)} that the layer's backward takes. No index math for the user.
 *
 * <ul>
 *   <li>{@link #finalStates(RNNConfig)}: the top layer's final states, forward then reverse,
 *       {@code F = D·H_out} ({@code torch.cat([h_n[-2], h_n[-1]], -1)} when bidirectional, {@code h_n[-1]}
 *       otherwise).</li>
 *   <li>{@link #lastValid(RNNConfig, int[])}: for padded batches of a unidirectional layer, the top layer's
 *       output at each sequence's last valid step {@code t = length_n − 1}, {@code F = H_out}. A forward
 *       direction never sees later (padded) steps, so this equals the final state of the unpadded sequence.
 *       Bidirectional layers are rejected: on a plain padded forward their reverse direction reads the
 *       padding first. For them run {@code forward(padded, lengths, h0)} (or {@code forwardPacked}), whose
 *       {@code h_n} holds each sequence's own final states, and read it with {@link #finalStates}.</li>
 * </ul>
 *
 * <p>Immutable (the lengths are copied) and thread-safe.
 *
 * <p>Thread safety: immutable (the lengths are copied in); safe to share between threads.
 */
public final class Readout {

    private final boolean finalStates;
    private final int numLayers;
    private final int numDirections;
    private final int hidden;        // H_out
    private final boolean batchFirst;
    private final int[] lengths;     // lastValid only; else null

    private Readout(RNNConfig c, boolean finalStates, int[] lengths) {
        this.finalStates = finalStates;
        this.numLayers = c.numLayers();
        this.numDirections = c.numDirections();
        this.hidden = c.outputHiddenSize();
        this.batchFirst = c.batchFirst();
        this.lengths = lengths;
    }

    /** {@return the readout of the top layer's final states (both directions, forward first)} */
    public static Readout finalStates(RNNConfig config) {
        return new Readout(Objects.requireNonNull(config, "config"), true, null);
    }

    /**
     * {@return the readout of each sequence's output at its last valid step}
     *
     * @param config a unidirectional configuration
     * @param lengths valid length per batch element, each {@code >= 1}; copied
     * @throws IllegalArgumentException for a bidirectional configuration or a length below 1
     */
    public static Readout lastValid(RNNConfig config, int[] lengths) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(lengths, "lengths");
        if (config.bidirectional()) {
            throw new IllegalArgumentException("lastValid needs a unidirectional layer: on a padded forward the"
                    + " reverse direction of a bidirectional layer reads the padding first; run forward(padded,"
                    + " lengths, h0) and read h_n with finalStates instead");
        }
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] < 1) {
                throw new IllegalArgumentException("lengths[" + i + "] must be >= 1, got " + lengths[i]);
            }
        }
        return new Readout(config, false, lengths.clone());
    }

    /** {@return F, the number of features per batch element} */
    public int numFeatures() {
        return finalStates ? numDirections * hidden : hidden;
    }

    /**
     * {@return the features {@code (N, F)}, a new tensor}
     *
     * @param output the layer's batched output {@code (L, N, D·H_out)} ({@code (N, L, D·H_out)} batch-first); not modified
     * @param hN the layer's {@code h_n} {@code (D·num_layers, N, H_out)}; not modified
     * @throws IllegalArgumentException if the lengths do not match the batch, or exceed L
     */
    public Tensor features(Tensor output, Tensor hN) {
        if (finalStates) {
            int top = (numLayers - 1) * numDirections;
            if (numDirections == 1) {
                return hN.select(0, top).contiguous();
            }
            return Tensor.cat(-1, hN.select(0, top), hN.select(0, top + 1));
        }
        Tensor tm = timeMajor(output);
        int n = tm.size(1);
        Tensor f = Tensor.zeros(n, hidden);
        for (int b = 0; b < n; b++) {
            f.select(0, b).copyFromInPlace(tm.select(0, lengths[b] - 1).select(0, b));
        }
        return f;
    }

    /**
     * {@return {@code {gradOutput, gradHn}} for the layer's backward, from {@code ∂loss/∂features}; the one
     * the readout does not touch is null}
     *
     * @param gradFeatures {@code (N, F)}; not modified
     * @param output the layer's output (for its shape); not modified
     * @param hN the layer's {@code h_n} (for its shape); not modified
     * @throws IllegalArgumentException if gradFeatures is not {@code (N, F)}
     */
    public Tensor[] gradients(Tensor gradFeatures, Tensor output, Tensor hN) {
        int n = hN.size(1);
        if (!Arrays.equals(gradFeatures.shape(), new int[] {n, numFeatures()})) {
            throw new IllegalArgumentException("Readout: Expected gradFeatures of shape (" + n + ", " + numFeatures()
                    + "), got " + gradFeatures.shapeString());
        }
        if (finalStates) {
            Tensor gh = Tensor.zeros(hN.shape());
            int top = (numLayers - 1) * numDirections;
            for (int d = 0; d < numDirections; d++) {
                gh.select(0, top + d).copyFromInPlace(gradFeatures.narrow(1, d * hidden, hidden));
            }
            return new Tensor[] {null, gh};
        }
        Tensor go = Tensor.zeros(output.shape());
        Tensor tm = timeMajor(go);
        for (int b = 0; b < n; b++) {
            tm.select(0, lengths[b] - 1).select(0, b).copyFromInPlace(gradFeatures.select(0, b));
        }
        return new Tensor[] {go, null};
    }

    private Tensor timeMajor(Tensor output) {
        if (output.dim() != 3) {
            throw new IllegalArgumentException("Readout: Expected a batched output (3-D), got " + output.shapeString());
        }
        Tensor tm = batchFirst ? output.transpose(0, 1) : output;
        if (tm.size(1) != lengths.length) {
            throw new IllegalArgumentException("Readout: " + lengths.length + " lengths for a batch of " + tm.size(1));
        }
        for (int len : lengths) {
            if (len > tm.size(0)) {
                throw new IllegalArgumentException("Readout: length " + len + " exceeds the sequence length " + tm.size(0));
            }
        }
        return tm;
    }

    @Override
    public String toString() {
        return finalStates ? "Readout.finalStates" : "Readout.lastValid" + Arrays.toString(lengths);
    }
}
