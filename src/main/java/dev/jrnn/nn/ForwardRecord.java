package dev.jrnn.nn;

/**
 * What a training-mode forward of an {@link RNNBase} keeps for backprop-through-time: PyTorch's saved
 * tensors of one graph, owned by the {@link RNNOutput} (or {@link LSTMOutput}) it belongs to.
 *
 * <p>Nothing is copied to build it: the arrays are the ones the forward computed anyway. Without
 * dropout, layer {@code k+1}'s input <em>is</em> layer {@code k}'s output array. The weights are the
 * row-major copies the forward multiplied with, so a backward uses the weights of its own forward even
 * if an optimizer step ran in between (as torch's saved tensors).
 *
 * <p>Memory: {@code L·N·(H_in + num_layers·D·H)} floats, plus one more {@code L·N·D·H} array and a
 * byte mask per layer below the top when dropout is active, plus a copy of the weights.
 *
 * <p>Used once: {@link #release()} drops every array after the backward.
 */
final class ForwardRecord {

    final RNNBase module;
    final int seqLen;
    final int batch;
    final boolean unbatched;
    final boolean batchFirst;
    PackedLayout layout;     // variable-length batch (states and rows sorted inside), or null
    float[] h0;              // (D·num_layers, N, H), or null when h_0 was omitted (zeros)
    float[][] inputs;        // [layer] (L, N, in_k) time-major, post-dropout; inputs[0] is the input x
    float[][] outputs;       // [layer] (L, N, D·H) time-major, pre-dropout
    boolean[][] keep;        // [layer] (L, N, D·H) dropout keep mask of layer k's output, or null
    float[][] weightIh;      // [layer·D + dir] (G, in_k) as used by the forward
    float[][] weightHh;      // [layer·D + dir] (G, H) as used by the forward
    // LSTM and GRU only (filled by GatedLayers):
    float[] c0;              // LSTM (D·num_layers, N, H), or null when c_0 was omitted (zeros)
    float[][] gates;         // [layer·D + dir] (L, N, G) activated gates: LSTM i, f, g, o; GRU r, z, n
    float[][] cells;         // [layer·D + dir] (L, N, H) LSTM cell states c_t
    float[][] hTilde;        // [layer·D + dir] (L, N, H) projected LSTM: o ⊙ tanh(c_t) before W_hr
    float[][] ghn;           // [layer·D + dir] (L, N, H) GRU: W_hn·h_{t−1} + b_hn
    float[][] weightHr;      // [layer·D + dir] (P, H) projected LSTM, as used by the forward
    /** The returned output tensor over {@code outputs[top]} (wrapped, not copied) and its version at the forward. */
    dev.jrnn.tensor.Tensor savedOutput;
    long savedOutputVersion;
    /** Whether backward computes {@code ∂L/∂input} (set by the backward call; layer 0's {@code dX} GEMM otherwise skipped). */
    boolean inputGradient = true;
    private boolean released;

    ForwardRecord(RNNBase module, int seqLen, int batch, boolean unbatched, boolean batchFirst, float[] h0) {
        this.module = module;
        this.seqLen = seqLen;
        this.batch = batch;
        this.unbatched = unbatched;
        this.batchFirst = batchFirst;
        this.h0 = h0;
        int layers = module.config.numLayers();
        int groups = layers * module.config.numDirections();
        this.inputs = new float[layers][];
        this.outputs = new float[layers][];
        this.keep = new boolean[layers][];
        this.weightIh = new float[groups][];
        this.weightHh = new float[groups][];
        this.gates = new float[groups][];
        this.cells = new float[groups][];
        this.hTilde = new float[groups][];
        this.ghn = new float[groups][];
        this.weightHr = new float[groups][];
    }

    boolean released() {
        return released;
    }

    /**
     * Throws when the output tensor the forward returned was written in place since: it shares its array
     * with the saved top-layer output that backward reads (PyTorch raises the same way, from the version
     * counter of a saved tensor).
     */
    void checkSavedOutput() {
        if (savedOutput != null && savedOutput.version() != savedOutputVersion) {
            throw new IllegalStateException("one of the variables needed for gradient computation has been modified"
                    + " by an inplace operation: the forward's output (version " + savedOutputVersion + " at the"
                    + " forward, now " + savedOutput.version() + "); backward reads it. Write to a copy"
                    + " (output().copy()) instead");
        }
    }

    /** Drops the saved activations so that they can be garbage-collected; a second backward then fails. */
    void release() {
        released = true;
        savedOutput = null;
        h0 = null;
        inputs = null;
        outputs = null;
        keep = null;
        weightIh = null;
        weightHh = null;
        c0 = null;
        gates = null;
        cells = null;
        hTilde = null;
        ghn = null;
        weightHr = null;
    }
}
