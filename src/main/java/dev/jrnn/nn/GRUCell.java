package dev.jrnn.nn;

import dev.jrnn.nn.internal.GruStep;
import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * One step of a GRU: PyTorch's {@code torch.nn.GRUCell} ("reset after": {@code b_hn} inside the
 * product with {@code r}).
 * <pre>
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)
 *   z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 *   h' = (1 − z) ⊙ n + z ⊙ h
 * </pre>
 *
 * <p><b>Symbols:</b> {@code N} batch size, {@code H_in} {@code input_size}, {@code H} {@code hidden_size}.
 *
 * <p><b>Arguments:</b> {@code input_size}; {@code hidden_size}; {@code bias=true}.
 *
 * <p><b>Parameters</b> (registration order): {@code weight_ih} {@code (3H, H_in)}, {@code weight_hh}
 * {@code (3H, H)}, {@code bias_ih} {@code (3H)}, {@code bias_hh} {@code (3H)} (biases only with
 * {@code bias}); rows stacked r, z, n; all uniform in {@code [-1/√H, 1/√H]}.
 *
 * <p><b>Shapes:</b> input {@code (N, H_in)} or unbatched {@code (H_in)}; hidden state {@code (N, H)}
 * or {@code (H)} (omitted = zeros); output {@code (N, H)} or {@code (H)}.
 *
 * <p><b>Equivalent loop</b> over a sequence (equals a one-layer {@link GRU}):
 * <pre>{@code
 * h = zeros(N, H)
 * for t in 0 .. L-1: h = cell.forward(x[t], h)
 * }</pre>
 *
 * <p>Thread safety: not safe for concurrent use while training or loading; a forward pass only reads
 * the parameters.
 */
public final class GRUCell extends Module {

    private static final String NAME = "GRUCell";

    private final int inputSize;
    private final int hiddenSize;
    private final Parameter weightIh;  // (3H, H_in)
    private final Parameter weightHh;  // (3H, H)
    private final PackedWeight packedIh = new PackedWeight();   // W_ihᵀ packed, kept while weight_ih is unchanged
    private final PackedWeight packedHh = new PackedWeight();   // W_hhᵀ packed, kept while weight_hh is unchanged
    private final Parameter biasIh;    // (3H), null without bias
    private final Parameter biasHh;    // (3H), null without bias

    /** {@code nn.GRUCell(input_size, hidden_size)}, initialised from {@link RNN#DEFAULT_SEED}. */
    public GRUCell(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, true, new Generator(RNN.DEFAULT_SEED));
    }

    /**
     * {@code nn.GRUCell(input_size, hidden_size, bias)}.
     *
     * @param inputSize H_in ≥ 0
     * @param hiddenSize H ≥ 0 (0 is accepted, as in PyTorch)
     * @param bias whether {@code bias_ih}/{@code bias_hh} exist
     * @param generator draws the parameters in registration order; modified (advanced)
     */
    public GRUCell(int inputSize, int hiddenSize, boolean bias, Generator generator) {
        GatedCellSupport.checkSizes(inputSize, hiddenSize);
        Objects.requireNonNull(generator, "generator");
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        float b = GatedCellSupport.bound(hiddenSize);
        int g = 3 * hiddenSize;
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
    public Tensor forward(Tensor input) {
        return forward(input, null);
    }

    /**
     * One step.
     *
     * @param input {@code (N, H_in)} or unbatched {@code (H_in)}; not modified
     * @param hx {@code (N, H)} or {@code (H)}, or null for zeros; not modified
     * @return the new state; a new tensor
     * @throws IllegalArgumentException with PyTorch's messages on a wrong rank, input size, batch or
     *     hidden size
     */
    public Tensor forward(Tensor input, Tensor hx) {
        Step s = step(input, hx);
        return GatedCellSupport.shaped(s.h, s.batched, s.batch, hiddenSize);
    }

    /**
     * The backward of one step, for custom recurrences: recomputes the step's gates from {@code input}
     * and {@code hx}, accumulates ({@code +=}) into every parameter's gradient, and returns the gradients
     * of {@code input} and {@code hx}. Uses the current weights: call it before the optimizer step.
     *
     * @param input the step's input; not modified
     * @param hx the step's previous state, or null if it was zeros; not modified
     * @param gradOutput {@code ∂loss/∂h'}, the shape of the step's output; not modified
     * @return the gradients of {@code input} and {@code hx} ({@link RNNGradients#h0()}), in their shapes
     */
    public RNNGradients backward(Tensor input, Tensor hx, Tensor gradOutput) {
        Objects.requireNonNull(gradOutput, "gradOutput");
        Step s = step(input, hx);
        int n = s.batch;
        int hs = hiddenSize;
        int g = 3 * hs;
        RNNBase.checkGradShape("gradOutput", gradOutput, GatedCellSupport.shaped(s.h, s.batched, n, hs), "output");
        float[] dOut = gradOutput.toArray();
        float[] dh = new float[n * hs];    // (N, H): ∂L/∂h
        float[] dGi = new float[n * g];    // (N, 3H)
        float[] dGh = new float[n * g];    // (N, 3H)
        for (int r = 0; r < n; r++) {
            GruStep.backward(dh, r * hs, dOut, r * hs, s.gates, r * g, s.ghn, r * hs, s.hPrev, r * hs, dGi, dGh, r * g, hs);
        }
        Kernels.sgemm(false, false, n, hs, g, 1f, dGh, 0, g, weightHh.data().toArray(), 0, hs, 1f, dh, 0, hs);
        float[] dWih = new float[g * inputSize];
        Kernels.sgemm(true, false, g, inputSize, n, 1f, dGi, 0, g, s.x, 0, inputSize, 0f, dWih, 0, inputSize);
        RNNBase.accumulate(weightIh, dWih);
        if (s.hPrev != null) {
            float[] dWhh = new float[g * hs];
            Kernels.sgemm(true, false, g, hs, n, 1f, dGh, 0, g, s.hPrev, 0, hs, 0f, dWhh, 0, hs);
            RNNBase.accumulate(weightHh, dWhh);
        }
        if (biasIh != null) {
            float[] db = new float[g];
            double[] acc = new double[g];
            Kernels.columnSums(dGi, n, g, acc, db);
            RNNBase.accumulate(biasIh, db);
            Kernels.columnSums(dGh, n, g, acc, db);
            RNNBase.accumulate(biasHh, db);
        }
        float[] dx = new float[n * inputSize];
        Kernels.sgemm(false, false, n, inputSize, g, 1f, dGi, 0, g, weightIh.data().toArray(), 0, inputSize,
                0f, dx, 0, inputSize);
        return new RNNGradients(GatedCellSupport.shaped(dx, s.batched, n, inputSize),
                GatedCellSupport.shaped(dh, s.batched, n, hs));
    }

    /** One forward step's values, kept for {@link #backward}. */
    private static final class Step {
        boolean batched;
        int batch;
        float[] x;      // (N, H_in)
        float[] hPrev;  // (N, H) or null
        float[] gates;  // (N, 3H) activated r, z, n
        float[] ghn;    // (N, H) W_hn·h + b_hn
        float[] h;      // (N, H)
    }

    private Step step(Tensor input, Tensor hx) {
        GatedCellSupport.checkInputRank(NAME, input);
        if (hx != null) {
            GatedCellSupport.checkStateRank(NAME, "hidden", hx, input);
        }
        GatedCellSupport.checkInputSize(input, inputSize);
        if (hx != null) {
            GatedCellSupport.checkState(input, hx, hiddenSize, "hidden0");
        }
        Step s = new Step();
        s.batched = input.dim() == 2;
        s.batch = s.batched ? input.size(0) : 1;
        int n = s.batch;
        int hs = hiddenSize;
        int g = 3 * hs;
        s.x = input.toArray();
        s.hPrev = hx == null ? null : hx.toArray();
        s.gates = GatedCellSupport.gates(s.x, n, inputSize, packedIh.transposed(weightIh.data()), null, hs, null, g);
        float[] gh = new float[n * g];
        if (s.hPrev != null) {
            Kernels.sgemmPacked(n, 1f, s.hPrev, 0, hs, packedHh.transposed(weightHh.data()), 0f, gh, 0, g);
        }
        float[] bhh = null;
        if (biasIh != null) {
            float[] bih = biasIh.data().toArray();
            bhh = biasHh.data().toArray();
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < g; j++) {
                    s.gates[r * g + j] += j < 2 * hs ? bih[j] + bhh[j] : bih[j];
                }
            }
        }
        s.ghn = new float[n * hs];
        s.h = new float[n * hs];
        for (int r = 0; r < n; r++) {
            GruStep.forward(s.gates, r * g, gh, r * g, bhh, 2 * hs, s.hPrev, r * hs, s.h, r * hs, s.ghn, r * hs, hs);
        }
        return s;
    }

    @Override
    public GRUCell train() {
        super.train();
        return this;
    }

    @Override
    public GRUCell eval() {
        super.eval();
        return this;
    }

    @Override
    public String toString() {
        return "GRUCell(" + inputSize + ", " + hiddenSize + (bias() ? "" : ", bias=False") + ")";
    }
}
