package dev.jrnn.nn;

import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.nn.internal.LstmStep;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * One step of an LSTM: PyTorch's {@code torch.nn.LSTMCell}.
 * <pre>
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(W_if x + b_if + W_hf h + b_hf)
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = σ(W_io x + b_io + W_ho h + b_ho)
 *   c' = f ⊙ c + i ⊙ g
 *   h' = o ⊙ tanh(c')
 * </pre>
 *
 * <p><b>Symbols:</b> {@code N} batch size, {@code H_in} {@code input_size}, {@code H} {@code hidden_size}.
 *
 * <p><b>Arguments:</b> {@code input_size}; {@code hidden_size}; {@code bias=true}.
 *
 * <p><b>Parameters</b> (registration order): {@code weight_ih} {@code (4H, H_in)}, {@code weight_hh}
 * {@code (4H, H)}, {@code bias_ih} {@code (4H)}, {@code bias_hh} {@code (4H)} (biases only with
 * {@code bias}); rows stacked i, f, g, o; all uniform in {@code [-1/√H, 1/√H]}.
 *
 * <p><b>Shapes:</b> input {@code (N, H_in)} or unbatched {@code (H_in)}; state {@code (h, c)} each
 * {@code (N, H)} or {@code (H)} (omitted = zeros); returns the new {@code (h', c')}.
 *
 * <p><b>Equivalent loop</b> over a sequence (equals a one-layer {@link LSTM}):
 * <pre>{@code
 * LSTMState s = null
 * for t in 0 .. L-1: s = cell.forward(x[t], s); output[t] = s.h()
 * }</pre>
 *
 * <p>Thread safety: not safe for concurrent use while training or loading; a forward pass only reads
 * the parameters.
 */
public final class LSTMCell extends Module {

    private static final String NAME = "LSTMCell";

    private final int inputSize;
    private final int hiddenSize;
    private final Parameter weightIh;  // (4H, H_in)
    private final Parameter weightHh;  // (4H, H)
    private final PackedWeight packedIh = new PackedWeight();   // W_ihᵀ packed, kept while weight_ih is unchanged
    private final PackedWeight packedHh = new PackedWeight();   // W_hhᵀ packed, kept while weight_hh is unchanged
    private final Parameter biasIh;    // (4H), null without bias
    private final Parameter biasHh;    // (4H), null without bias

    /** {@code nn.LSTMCell(input_size, hidden_size)}, initialised from {@link RNN#DEFAULT_SEED}. */
    public LSTMCell(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, true, new Generator(RNN.DEFAULT_SEED));
    }

    /**
     * {@code nn.LSTMCell(input_size, hidden_size, bias)}.
     *
     * @param inputSize H_in ≥ 0
     * @param hiddenSize H ≥ 0 (0 is accepted, as in PyTorch)
     * @param bias whether {@code bias_ih}/{@code bias_hh} exist
     * @param generator draws the parameters in registration order; modified (advanced)
     */
    public LSTMCell(int inputSize, int hiddenSize, boolean bias, Generator generator) {
        GatedCellSupport.checkSizes(inputSize, hiddenSize);
        Objects.requireNonNull(generator, "generator");
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        float b = GatedCellSupport.bound(hiddenSize);
        int g = 4 * hiddenSize;
        weightIh = register("weight_ih", Tensor.uniform(generator, -b, b, g, inputSize));
        weightHh = register("weight_hh", Tensor.uniform(generator, -b, b, g, hiddenSize));
        biasIh = bias ? register("bias_ih", Tensor.uniform(generator, -b, b, g)) : null;
        biasHh = bias ? register("bias_hh", Tensor.uniform(generator, -b, b, g)) : null;
    }

    /** {@return H_in} */
    public int inputSize() {
        return inputSize;
    }

    /** {@return H} */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** {@return whether the bias parameters exist} */
    public boolean bias() {
        return biasIh != null;
    }

    /** One step from a zero state. */
    public LSTMState forward(Tensor input) {
        return forward(input, null);
    }

    /**
     * One step.
     *
     * @param input {@code (N, H_in)} or unbatched {@code (H_in)}; not modified
     * @param hx {@code (h, c)}, each {@code (N, H)} or {@code (H)}, or null for zeros; not modified
     * @return the new {@code (h', c')}; new tensors
     * @throws IllegalArgumentException with PyTorch's messages on a wrong rank, input size, batch or
     *     hidden size ({@code hidden0} for {@code h}, {@code hidden1} for {@code c})
     */
    public LSTMState forward(Tensor input, LSTMState hx) {
        Step s = step(input, hx);
        return new LSTMState(GatedCellSupport.shaped(s.h, s.batched, s.batch, hiddenSize),
                GatedCellSupport.shaped(s.c, s.batched, s.batch, hiddenSize));
    }

    /**
     * The backward of one step, for custom recurrences: recomputes the step's gates from {@code input}
     * and {@code hx}, accumulates ({@code +=}) into the gradients of every parameter, and returns the
     * gradients of {@code input}, {@code h} and {@code c}. Uses the current weights: call it before the
     * optimizer step.
     *
     * @param input the step's input; not modified
     * @param hx the step's state, or null if it was zeros; not modified
     * @param gradH {@code ∂loss/∂h'}, or null for zeros; not modified
     * @param gradC {@code ∂loss/∂c'}, or null for zeros; not modified
     * @return the gradients of {@code input}, {@code h} ({@link LSTMGradients#h0()}) and {@code c}
     *     ({@link LSTMGradients#c0()}), in their shapes
     */
    public LSTMGradients backward(Tensor input, LSTMState hx, Tensor gradH, Tensor gradC) {
        Step s = step(input, hx);
        int n = s.batch;
        int hs = hiddenSize;
        int g = 4 * hs;
        Tensor like = GatedCellSupport.shaped(s.h, s.batched, n, hs);
        RNNBase.checkGradShape("gradH", gradH, like, "h'");
        RNNBase.checkGradShape("gradC", gradC, like, "c'");
        float[] dht = gradH == null ? new float[n * hs] : gradH.toArray();   // (N, H)
        float[] dc = gradC == null ? new float[n * hs] : gradC.toArray();    // (N, H) → ∂L/∂c
        float[] dA = new float[n * g];                                       // (N, 4H)
        float[] tanhC = new float[hs];
        for (int r = 0; r < n; r++) {
            LstmStep.backward(dht, r * hs, dc, r * hs, s.gates, r * g, s.c, r * hs, s.cPrev, r * hs, tanhC, 0, dA, r * g, hs);
        }
        return new LSTMGradients(
                GatedCellSupport.shaped(accumulate(dA, s.x, s.hPrev, n), s.batched, n, inputSize),
                GatedCellSupport.shaped(mulHh(dA, n), s.batched, n, hs),
                GatedCellSupport.shaped(dc, s.batched, n, hs));
    }

    /** Parameter gradients from {@code dA (N, 4H)}; returns {@code dx = dA·W_ih}. */
    private float[] accumulate(float[] dA, float[] x, float[] h, int n) {
        int g = 4 * hiddenSize;
        float[] dWih = new float[g * inputSize];
        Kernels.sgemm(true, false, g, inputSize, n, 1f, dA, 0, g, x, 0, inputSize, 0f, dWih, 0, inputSize);
        RNNBase.accumulate(weightIh, dWih);
        if (h != null) {
            float[] dWhh = new float[g * hiddenSize];
            Kernels.sgemm(true, false, g, hiddenSize, n, 1f, dA, 0, g, h, 0, hiddenSize, 0f, dWhh, 0, hiddenSize);
            RNNBase.accumulate(weightHh, dWhh);
        }
        if (biasIh != null) {
            float[] db = new float[g];
            Kernels.columnSums(dA, n, g, new double[g], db);
            RNNBase.accumulate(biasIh, db);
            RNNBase.accumulate(biasHh, db);
        }
        float[] dx = new float[n * inputSize];
        Kernels.sgemm(false, false, n, inputSize, g, 1f, dA, 0, g, weightIh.data().toArray(), 0, inputSize,
                0f, dx, 0, inputSize);
        return dx;
    }

    private float[] mulHh(float[] dA, int n) {
        int g = 4 * hiddenSize;
        float[] dh = new float[n * hiddenSize];
        Kernels.sgemm(false, false, n, hiddenSize, g, 1f, dA, 0, g, weightHh.data().toArray(), 0, hiddenSize,
                0f, dh, 0, hiddenSize);
        return dh;
    }

    /** One forward step's values, kept for {@link #backward}. */
    private static final class Step {
        boolean batched;
        int batch;
        float[] x;      // (N, H_in)
        float[] hPrev;  // (N, H) or null
        float[] cPrev;  // (N, H) or null
        float[] gates;  // (N, 4H) activated
        float[] c;      // (N, H)
        float[] h;      // (N, H)
    }

    private Step step(Tensor input, LSTMState hx) {
        GatedCellSupport.checkInputRank(NAME, input);
        if (hx != null) {
            GatedCellSupport.checkStateRank(NAME, "hx[0]", hx.h(), input);
            GatedCellSupport.checkStateRank(NAME, "hx[1]", hx.c(), input);
        }
        GatedCellSupport.checkInputSize(input, inputSize);
        if (hx != null) {
            GatedCellSupport.checkState(input, hx.h(), hiddenSize, "hidden0");
            GatedCellSupport.checkState(input, hx.c(), hiddenSize, "hidden1");
        }
        Step s = new Step();
        s.batched = input.dim() == 2;
        s.batch = s.batched ? input.size(0) : 1;
        int n = s.batch;
        int hs = hiddenSize;
        int g = 4 * hs;
        s.x = input.toArray();
        s.hPrev = hx == null ? null : hx.h().toArray();
        s.cPrev = hx == null ? null : hx.c().toArray();
        s.gates = GatedCellSupport.gates(s.x, n, inputSize, packedIh.transposed(weightIh.data()), s.hPrev, hs,
                s.hPrev == null ? null : packedHh.transposed(weightHh.data()), g);
        if (biasIh != null) {
            float[] bih = biasIh.data().toArray();
            float[] bhh = biasHh.data().toArray();
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < g; j++) {
                    s.gates[r * g + j] += bih[j] + bhh[j];
                }
            }
        }
        s.c = new float[n * hs];
        s.h = new float[n * hs];
        for (int r = 0; r < n; r++) {
            LstmStep.forward(s.gates, r * g, s.cPrev, r * hs, s.c, r * hs, s.h, r * hs, hs);
        }
        return s;
    }

    @Override
    public LSTMCell train() {
        super.train();
        return this;
    }

    @Override
    public LSTMCell eval() {
        super.eval();
        return this;
    }

    @Override
    public String toString() {
        return "LSTMCell(" + inputSize + ", " + hiddenSize + (bias() ? "" : ", bias=False") + ")";
    }
}
