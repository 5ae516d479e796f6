package dev.jrnn.nn;

import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.internal.PackedB;
import dev.jrnn.tensor.internal.TensorAccess;

/**
 * What a training-mode forward of an {@link RNNBase} keeps for backprop-through-time: PyTorch's saved
 * tensors of one graph, owned by the {@link RNNOutput} (or {@link LSTMOutput}) it belongs to.
 *
 * <p>The arrays are the ones the forward computed anyway. Without dropout, layer {@code k+1}'s input
 * <em>is</em> layer {@code k}'s output array. The weights are not copied: the record keeps the parameter
 * tensors the forward multiplied with and their versions, and backward reads the same arrays. Like the top
 * layer's output (the returned output tensor's array), they are torch's saved tensors: a backward after an
 * in-place write to one that backward needs is refused ({@link #checkSavedOutput},
 * {@link #checkSavedWeights}), as torch's version counter does. All other arrays come from
 * {@link Buffers}, which {@link #release()} gives back to the module for its next training forward.
 *
 * <p>Memory: {@code L·N·(H_in + num_layers·D·H)} floats, plus one more {@code L·N·D·H} array and a
 * byte mask per layer below the top when dropout is active.
 *
 * <p>Used once: {@link #release()} drops every array after the backward (and recycles {@link Buffers}).
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
    float[][] weightIh;      // [layer·D + dir] (G, in_k) as used by the forward (the parameter's array)
    float[][] weightHh;      // [layer·D + dir] (G, H) as used by the forward (the parameter's array)
    // LSTM and GRU only (filled by GatedLayers):
    float[] c0;              // LSTM (D·num_layers, N, H), or null when c_0 was omitted (zeros)
    float[][] gates;         // [layer·D + dir] (L, N, G) activated gates: LSTM i, f, g, o; GRU r, z, n
    float[][] cells;         // [layer·D + dir] (L, N, H) LSTM cell states c_t
    float[][] hTilde;        // [layer·D + dir] (L, N, H) projected LSTM: o ⊙ tanh(c_t) before W_hr
    float[][] ghn;           // [layer·D + dir] (L, N, H) GRU: W_hn·h_{t−1} + b_hn
    float[][] weightHr;      // [layer·D + dir] (P, H) projected LSTM, as used by the forward
    /** [kind·groups + group] the weight tensors behind {@link #weightIh} (0), {@link #weightHh} (1) and {@link #weightHr} (2). */
    private Tensor[] savedWeights;
    /** Their versions when the forward read them. */
    private long[] savedWeightVersions;
    /** The returned output tensor over {@code outputs[top]} (wrapped, not copied) and its version at the forward. */
    Tensor savedOutput;
    long savedOutputVersion;
    /** Whether backward computes {@code ∂L/∂input} (set by the backward call; layer 0's {@code dX} GEMM otherwise skipped). */
    boolean inputGradient = true;
    private boolean released;
    /** The arrays of this record, recycled from the module's last released record when it had them. */
    final Buffers buffers;

    ForwardRecord(RNNBase module, int seqLen, int batch, boolean unbatched, boolean batchFirst, float[] h0) {
        this.module = module;
        Buffers b = module.spareRecordBuffers.getAndSet(null);
        this.buffers = b != null ? b : new Buffers();
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
        this.savedWeights = new Tensor[3 * groups];
        this.savedWeightVersions = new long[3 * groups];
    }

    /**
     * {@return the values of weight {@code w} for a forward's products: {@code w}'s own array when it is
     * contiguous from offset 0 (the usual parameter), else a copy in {@code buf}}
     * A recording forward ({@code rec != null}) also keeps {@code w} and its version, read before the
     * values, for {@link #checkSavedWeights}, and the values as the group's {@code weightIh},
     * {@code weightHh} or {@code weightHr}.
     *
     * @param kind {@link #WIH}, {@link #WHH} or {@link #WHR}
     */
    static float[] weight(ForwardRecord rec, Buffers buf, int kind, int grp, Tensor w) {
        long version = w.version();
        float[] v = w.isContiguous() && TensorAccess.offset(w) == 0 ? TensorAccess.storage(w) : buf.copy(kind, grp, w);
        if (rec != null) {
            int slot = kind - WIH;   // 0, 1, 2
            rec.savedWeights[slot * rec.weightIh.length + grp] = w;
            rec.savedWeightVersions[slot * rec.weightIh.length + grp] = version;
            (kind == WIH ? rec.weightIh : kind == WHH ? rec.weightHh : rec.weightHr)[grp] = v;
        }
        return v;
    }

    /**
     * Throws when a weight this backward reads was written in place since the forward (an optimizer step,
     * {@code loadStateDict}, any in-place tensor method): backward would otherwise mix the new values
     * with the activations of the old ones. Like torch, it checks only what backward reads: every
     * {@code weight_hh} (and {@code weight_hr}), and {@code weight_ih} of layers above 0; layer 0's only
     * when the input gradient is asked for. Biases are never read. Called before any gradient is written.
     */
    void checkSavedWeights() {
        RNNConfig c = module.config;
        int groups = weightIh.length;
        for (int slot = 0; slot < 3; slot++) {
            for (int grp = 0; grp < groups; grp++) {
                int layer = grp / c.numDirections();
                Tensor w = savedWeights[slot * groups + grp];
                if (w == null || (slot == 0 && layer == 0 && !inputGradient)) {
                    continue;
                }
                long then = savedWeightVersions[slot * groups + grp];
                if (w.version() != then) {
                    String name = (slot == 0 ? "weight_ih" : slot == 1 ? "weight_hh" : "weight_hr") + "_l" + layer
                            + (grp % c.numDirections() == 1 ? "_reverse" : "");
                    throw new IllegalStateException("one of the variables needed for gradient computation has been"
                            + " modified by an inplace operation: " + name + " (version " + then + " at the forward,"
                            + " now " + w.version() + "); backward reads it. Run backward before the optimizer step,"
                            + " or run the forward again");
                }
            }
        }
    }

    boolean released() {
        return released;
    }

    /**
     * Throws when the output tensor the forward returned was written in place since: it shares its array
     * with the saved top-layer output that backward reads. PyTorch 1.13 runs here, because its graph keeps
     * its own copies of the step outputs; jrnn keeps none, so it refuses rather than compute gradients from
     * changed activations. A batch-first forward returns a transposed copy, which backward never reads.
     */
    void checkSavedOutput() {
        if (savedOutput != null && savedOutput.version() != savedOutputVersion) {
            throw new IllegalStateException("one of the variables needed for gradient computation has been modified"
                    + " by an inplace operation: the forward's output (version " + savedOutputVersion + " at the"
                    + " forward, now " + savedOutput.version() + "); backward reads it. Write to a copy"
                    + " (output().copy()) instead");
        }
    }

    /**
     * Drops the saved activations; a second backward then fails. The arrays go back to the module for its
     * next training forward: none of them is visible outside (the returned output and states are never
     * taken from {@link #buffers}).
     */
    void release() {
        if (!released) {
            module.spareRecordBuffers.set(buffers);
        }
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
        savedWeights = null;
        savedWeightVersions = null;
    }

    // Kinds of recycled arrays; an array is identified by its kind and an index (the layer or the group).
    static final int X = 0;        // the input, copied to time-major (L, N, H_in)
    static final int OUT = 1;      // [layer] output of a layer below the top (L, N, D·H_out)
    static final int DROPPED = 2;  // [layer] its dropout-applied copy
    static final int GATES = 3;    // [group] (L, N, G)
    static final int CELLS = 4;    // [group] LSTM (L, N, H)
    static final int HTILDE = 5;   // [group] projected LSTM (L, N, H)
    static final int GHN = 6;      // [group] GRU (L, N, H)
    static final int WIH = 7;      // [group] (G, in) weight copy, for a weight that is not contiguous from 0
    static final int WHH = 8;      // [group] (G, H_out)
    static final int WHR = 9;      // [group] (P, H); WIH, WHH, WHR consecutive (ForwardRecord.weight)
    static final int BIAS = 10;    // [group] (G) combined bias
    static final int BIH = 11;     // [group] (G) b_ih copy
    static final int BHH = 12;     // [group] (G) b_hh copy
    static final int ZEROS = 13;   // [group] (N, H_out) zero initial state
    static final int GH = 14;      // [group] GRU (N, G) per-step h·W_hhᵀ
    static final int H0 = 15;      // [0] the given h_0 (D·num_layers, N, H_out), copied
    static final int C0 = 16;      // [0] LSTM: the given c_0 (D·num_layers, N, H), copied
    // variable-length batches (PackedLayout), whose states are kept in sorted order inside:
    static final int HN = 17;      // [0] h_n (D·num_layers, N, H_out) before it is put back in the caller's order
    static final int CN = 18;      // [0] LSTM c_n (D·num_layers, N, H), likewise
    static final int STATE_H = 19; // [0] the running state rows (N, H_out) of one layer-direction
    static final int STATE_C = 20; // [0] LSTM: the running cell rows (N, H)
    static final int GRAD_HN = 21; // [0] backward: the given ∂L/∂h_n, sorted
    static final int GRAD_CN = 22; // [0] backward: the given ∂L/∂c_n, sorted
    static final int GRAD_H0 = 23; // [0] backward: ∂L/∂h_0 before it is put back in the caller's order
    static final int GRAD_C0 = 24; // [0] backward: ∂L/∂c_0, likewise
    static final int PACKED_WHH = 0;   // [group] W_hhᵀ packed
    static final int PACKED_WHR = 1;   // [group] W_hrᵀ packed
    static final int PACKED_WHH_ROWS = 2;  // [group] W_hh (G, H_out) packed for backward's dh = dA·W_hh
    static final int PACKED_WHR_ROWS = 3;  // [group] W_hr (P, H) packed for backward
    static final int PACKED_WIH = 4;   // [group] W_ihᵀ packed for the per-chunk input projection
    private static final int KINDS = 25;

    /**
     * The arrays of one training forward, kept by the module between a backward and the next forward
     * ({@link RNNBase#spareRecordBuffers}), so that training steps of one shape allocate no new ones.
     * Arrays handed out are zero-filled, as new arrays would be. Used by one record at a time: a forward
     * takes the module's buffers (or makes new ones), its backward gives them back. Evaluation forwards
     * that do not run in {@link Recurrence} (variable-length batches, and the non-finite check) use a set of
     * their own the same way ({@link RNNBase#spareEvalBuffers}), taken for the call and put back after it.
     */
    static final class Buffers {
        private final float[][][] floats = new float[KINDS][][];
        private boolean[][] masks = new boolean[0][];
        private final PackedB[][] packed = new PackedB[5][];
        private StepMath stepMath;
        private BiasAdd biasAdd;

        /** {@return the bias add of this module's forwards' input projections, made on first use} */
        BiasAdd biasAdd() {
            BiasAdd b = biasAdd;
            if (b == null) {
                b = new BiasAdd();
                biasAdd = b;
            }
            return b;
        }

        /** {@return the per-step gate math of this module's forwards, made on first use} */
        StepMath stepMath(RNNConfig config) {
            StepMath m = stepMath;
            if (m == null) {
                m = new StepMath(config);
                stepMath = m;
            }
            return m;
        }

        /** {@return a zero-filled array of {@code n} floats for {@code (kind, index)}} */
        float[] floats(int kind, int index, int n) {
            return floats(kind, index, n, true);
        }

        /** {@return the floats these buffers hold} (packed weights not counted) */
        long floatCount() {
            long n = 0;
            for (float[][] byIndex : floats) {
                if (byIndex != null) {
                    for (float[] a : byIndex) {
                        n += a == null ? 0 : a.length;
                    }
                }
            }
            return n;
        }

        /** {@return the array of {@code n} floats for {@code (kind, index)}, zero-filled only if {@code zero}} */
        float[] floats(int kind, int index, int n, boolean zero) {
            float[][] byIndex = floats[kind];
            if (byIndex == null || byIndex.length <= index) {
                byIndex = java.util.Arrays.copyOf(byIndex == null ? new float[0][] : byIndex, index + 1);
                floats[kind] = byIndex;
            }
            float[] a = byIndex[index];
            if (a == null || a.length != n) {
                a = new float[n];
                byIndex[index] = a;
            } else if (zero) {
                java.util.Arrays.fill(a, 0f);
            }
            return a;
        }

        /** {@return a copy of {@code t}'s elements, row-major, in the array for {@code (kind, index)}} */
        float[] copy(int kind, int index, Tensor t) {
            float[] a = floats(kind, index, t.numel(), false);   // every element is overwritten
            TensorAccess.copyInto(t, a, 0);
            return a;
        }

        /** {@return an all-false dropout mask of {@code n} entries for layer {@code index}} */
        boolean[] mask(int index, int n) {
            if (masks.length <= index) {
                masks = java.util.Arrays.copyOf(masks, index + 1);
            }
            if (masks[index] == null || masks[index].length != n) {
                masks[index] = new boolean[n];
            } else {
                java.util.Arrays.fill(masks[index], false);
            }
            return masks[index];
        }

        /** {@return {@code w (g, k)} itself packed (as {@link Kernels#pack}), repacking the kept matrix in place} */
        PackedB packedRows(int kind, int index, float[] w, int g, int k) {
            return packed(kind, index, w, g, k, false);
        }

        /** {@return {@code wᵀ} packed, for a row-major {@code w (g, k)}, repacking the kept matrix in place} */
        PackedB packedTransposed(int kind, int index, float[] w, int g, int k) {
            return packed(kind, index, w, g, k, true);
        }

        private PackedB packed(int kind, int index, float[] w, int g, int k, boolean transposed) {
            if (packed[kind] == null || packed[kind].length <= index) {
                packed[kind] = java.util.Arrays.copyOf(packed[kind] == null ? new PackedB[0] : packed[kind], index + 1);
            }
            int rows = transposed ? k : g;   // op(B) is (rows, cols)
            int cols = transposed ? g : k;
            PackedB p = packed[kind][index];
            if (p == null || p.rows() != rows || p.cols() != cols) {
                p = transposed ? Kernels.packTransposed(w, g, k) : Kernels.pack(w, g, k);
                packed[kind][index] = p;
            } else {
                p.repack(transposed, w, 0, Math.max(1, k));
            }
            return p;
        }
    }
}
