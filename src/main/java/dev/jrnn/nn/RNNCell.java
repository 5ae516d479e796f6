package dev.jrnn.nn;

import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * One step of an Elman RNN: PyTorch's {@code torch.nn.RNNCell}.
 * <pre>
 *   h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)      (relu with nonlinearity=relu)
 * </pre>
 *
 * <p><b>Symbols:</b> {@code N} batch size, {@code H_in} {@code input_size}, {@code H} {@code hidden_size}.
 *
 * <p><b>Arguments:</b> {@code input_size}; {@code hidden_size}; {@code bias=true};
 * {@code nonlinearity=tanh}.
 *
 * <p><b>Parameters</b> (registration order): {@code weight_ih} {@code (H, H_in)}, {@code weight_hh}
 * {@code (H, H)}, {@code bias_ih} {@code (H)}, {@code bias_hh} {@code (H)} (the biases only with
 * {@code bias}); all uniform in {@code [-1/√H, 1/√H]}.
 *
 * <p><b>Shapes:</b> input {@code (N, H_in)} or unbatched {@code (H_in)}; hidden state {@code (N, H)}
 * or {@code (H)} (omitted = zeros); output {@code (N, H)} or {@code (H)}.
 *
 * <p><b>Equivalent loop</b> over a sequence (equals a one-layer {@link RNN}):
 * <pre>{@code
 * h = zeros(N, H)
 * for t in 0 .. L-1: h = cell.forward(x[t], h)
 * }</pre>
 *
 * <p><b>Backward:</b> {@link #backward(Tensor, Tensor, Tensor, Tensor)} is the backward of one step
 * (stateless: it takes the step's input, state and output), for recurrences written by hand.
 *
 * <p>Thread safety: not safe for concurrent use while training or loading; a forward pass only reads
 * the parameters.
 */
public final class RNNCell extends Module {

    private final int inputSize;
    private final int hiddenSize;
    private final Nonlinearity nonlinearity;
    private final Parameter weightIh;  // (H, H_in)
    private final Parameter weightHh;  // (H, H)
    private final PackedWeight packedIh = new PackedWeight();   // W_ihᵀ packed, kept while weight_ih is unchanged
    private final PackedWeight packedHh = new PackedWeight();   // W_hhᵀ packed, kept while weight_hh is unchanged
    private final Parameter biasIh;    // (H), null without bias
    private final Parameter biasHh;    // (H), null without bias

    /** {@code nn.RNNCell(input_size, hidden_size)}, initialised from {@link RNN#DEFAULT_SEED}. */
    public RNNCell(int inputSize, int hiddenSize) {
        this(inputSize, hiddenSize, true, Nonlinearity.TANH, new Generator(RNN.DEFAULT_SEED));
    }

    /**
     * {@code nn.RNNCell(input_size, hidden_size, bias, nonlinearity)}.
     *
     * @param inputSize H_in ≥ 0
     * @param hiddenSize H ≥ 0 (0 is accepted, as in PyTorch, and yields {@code (N, 0)} outputs)
     * @param bias whether {@code bias_ih}/{@code bias_hh} exist
     * @param nonlinearity tanh or relu
     * @param generator draws the parameters in registration order; modified (advanced)
     */
    public RNNCell(int inputSize, int hiddenSize, boolean bias, Nonlinearity nonlinearity, Generator generator) {
        if (inputSize < 0) {
            throw new IllegalArgumentException("input_size must be zero or greater, got " + inputSize);
        }
        if (hiddenSize < 0) {
            throw new IllegalArgumentException("hidden_size must be zero or greater, got " + hiddenSize);
        }
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.nonlinearity = Objects.requireNonNull(nonlinearity, "nonlinearity");
        Objects.requireNonNull(generator, "generator");
        float bound = hiddenSize == 0 ? 0f : (float) (1.0 / Math.sqrt(hiddenSize));
        weightIh = register("weight_ih", Tensor.uniform(generator, -bound, bound, hiddenSize, inputSize));
        weightHh = register("weight_hh", Tensor.uniform(generator, -bound, bound, hiddenSize, hiddenSize));
        biasIh = bias ? register("bias_ih", Tensor.uniform(generator, -bound, bound, hiddenSize)) : null;
        biasHh = bias ? register("bias_hh", Tensor.uniform(generator, -bound, bound, hiddenSize)) : null;
    }

    /** {@return H_in} */
    public int inputSize() {
        return inputSize;
    }

    /** {@return H} */
    public int hiddenSize() {
        return hiddenSize;
    }

    /** {@return the nonlinearity} */
    public Nonlinearity nonlinearity() {
        return nonlinearity;
    }

    /** {@return whether the bias parameters exist} */
    public boolean bias() {
        return biasIh != null;
    }

    /** One step from a zero state: input {@code (N, H_in)} or {@code (H_in)} → {@code (N, H)} or {@code (H)}. */
    public Tensor forward(Tensor input) {
        return forward(input, null);
    }

    /**
     * One step.
     *
     * @param input {@code (N, H_in)} or unbatched {@code (H_in)}; not modified
     * @param hx {@code (N, H)} or unbatched {@code (H)}, or null for zeros; not modified
     * @return the new state, {@code (N, H)} or {@code (H)}; a new tensor
     * @throws IllegalArgumentException with PyTorch's messages on a wrong rank, input size, batch or
     *     hidden size
     */
    public Tensor forward(Tensor input, Tensor hx) {
        checkStep(input, hx);
        boolean batched = input.dim() == 2;
        int batch = batched ? input.size(0) : 1;
        float[] x = input.toArray();                                       // (N, H_in)
        float[] h = hx == null ? new float[batch * hiddenSize] : hx.toArray();  // (N, H)
        float[] a = new float[batch * hiddenSize];                          // (N, H) pre-activation
        Kernels.sgemmPacked(batch, 1f, x, 0, inputSize, packedIh.transposed(weightIh.data()), 0f, a, 0, hiddenSize);
        Kernels.sgemmPacked(batch, 1f, h, 0, hiddenSize, packedHh.transposed(weightHh.data()), 1f, a, 0, hiddenSize);
        if (biasIh != null) {
            float[] bih = biasIh.data().toArray();
            float[] bhh = biasHh.data().toArray();
            for (int n = 0; n < batch; n++) {
                for (int j = 0; j < hiddenSize; j++) {
                    a[n * hiddenSize + j] += bih[j] + bhh[j];
                }
            }
        }
        if (nonlinearity == Nonlinearity.TANH) {
            Kernels.tanh(a, 0, a, 0, a.length);
        } else {
            Kernels.relu(a, 0, a, 0, a.length);
        }
        return batched ? Tensor.of(a, batch, hiddenSize) : Tensor.of(a, hiddenSize);
    }

    /**
     * The backward of one step {@code h' = φ(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)}, for custom recurrences:
     * accumulates ({@code +=}) into the gradients of {@code weight_ih}, {@code weight_hh}, {@code bias_ih}
     * and {@code bias_hh}, and returns the gradients of {@code input} and {@code hx}. The derivative is
     * taken from the step's output ({@code 1 − h'²} for tanh; for relu 1 where {@code h' > 0}, else 0,
     * also at exactly 0). It uses the current weights: call it before the optimizer step.
     *
     * <p>Stateless, so a recurrence written with cells keeps its own states and walks back:
     * <pre>{@code
     * for t in L-1 .. 0:
     *     g = cell.backward(x[t], h[t-1], h[t], dh)      // h[-1] = h0 (or null for zeros)
     *     dx[t] = g.input();  dh = g.h0() + (upstream gradient of h[t-1], if any)
     * }</pre>
     *
     * @param input the step's input {@code (N, H_in)} or {@code (H_in)}; not modified
     * @param hx the step's previous state {@code (N, H)} or {@code (H)}, or null if it was zeros; not modified
     * @param output what {@link #forward(Tensor, Tensor)} returned for {@code input} and {@code hx}; not modified
     * @param gradOutput {@code ∂loss/∂output}, the shape of {@code output}; not modified
     * @return the gradient with respect to {@code input} ({@link RNNGradients#input()}) and to {@code hx}
     *     ({@link RNNGradients#h0()}, zeros-based when {@code hx} was null), in their shapes
     * @throws IllegalArgumentException on inconsistent shapes; the message gives the expected and the
     *     actual shape
     */
    public RNNGradients backward(Tensor input, Tensor hx, Tensor output, Tensor gradOutput) {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(gradOutput, "gradOutput");
        checkStep(input, hx);
        boolean batched = input.dim() == 2;
        int batch = batched ? input.size(0) : 1;
        int[] stateShape = batched ? new int[] {batch, hiddenSize} : new int[] {hiddenSize};
        if (!Arrays.equals(output.shape(), stateShape)) {
            throw new IllegalArgumentException("output must have the shape of the step's state: expected "
                    + Arrays.toString(stateShape) + ", got " + Arrays.toString(output.shape()));
        }
        RNNBase.checkGradShape("gradOutput", gradOutput, output, "output");
        float[] x = input.toArray();                                          // (N, H_in)
        float[] h = hx == null ? null : hx.toArray();                         // (N, H)
        float[] y = output.toArray();                                         // (N, H)
        float[] dy = gradOutput.toArray();                                    // (N, H)
        float[] dA = new float[batch * hiddenSize];                           // (N, H)
        float[] zero = new float[batch * hiddenSize];
        if (nonlinearity == Nonlinearity.TANH) {
            Kernels.tanhBackward(zero, 0, dy, 0, y, 0, dA, 0, dA.length);
        } else {
            Kernels.reluBackward(zero, 0, dy, 0, y, 0, dA, 0, dA.length);
        }
        float[] dWih = new float[hiddenSize * inputSize];
        Kernels.sgemm(true, false, hiddenSize, inputSize, batch, 1f, dA, 0, hiddenSize, x, 0, inputSize,
                0f, dWih, 0, inputSize);
        RNNBase.accumulate(weightIh, dWih);
        if (h != null) {
            float[] dWhh = new float[hiddenSize * hiddenSize];
            Kernels.sgemm(true, false, hiddenSize, hiddenSize, batch, 1f, dA, 0, hiddenSize, h, 0, hiddenSize,
                    0f, dWhh, 0, hiddenSize);
            RNNBase.accumulate(weightHh, dWhh);
        }
        if (biasIh != null) {
            float[] db = new float[hiddenSize];
            Kernels.columnSums(dA, batch, hiddenSize, new double[hiddenSize], db);
            RNNBase.accumulate(biasIh, db);
            RNNBase.accumulate(biasHh, db);
        }
        float[] dx = new float[batch * inputSize];
        Kernels.sgemm(false, false, batch, inputSize, hiddenSize, 1f, dA, 0, hiddenSize,
                weightIh.data().toArray(), 0, inputSize, 0f, dx, 0, inputSize);
        float[] dh = new float[batch * hiddenSize];
        Kernels.sgemm(false, false, batch, hiddenSize, hiddenSize, 1f, dA, 0, hiddenSize,
                weightHh.data().toArray(), 0, hiddenSize, 0f, dh, 0, hiddenSize);
        return batched
                ? new RNNGradients(Tensor.of(dx, batch, inputSize), Tensor.of(dh, batch, hiddenSize))
                : new RNNGradients(Tensor.of(dx, inputSize), Tensor.of(dh, hiddenSize));
    }

    /** PyTorch's cell checks, in its order: ranks, input size, batch, hidden size. */
    private void checkStep(Tensor input, Tensor hx) {
        Objects.requireNonNull(input, "input");
        if (input.dim() != 1 && input.dim() != 2) {
            throw new IllegalArgumentException("RNNCell: Expected input to be 1D or 2D, got " + input.dim()
                    + "D instead");
        }
        if (hx != null && hx.dim() != 1 && hx.dim() != 2) {
            throw new IllegalArgumentException("RNNCell: Expected hidden to be 1D or 2D, got " + hx.dim()
                    + "D instead");
        }
        boolean batched = input.dim() == 2;
        if (hx != null && hx.dim() != input.dim()) {
            throw new IllegalArgumentException("RNNCell: Expected hidden to be " + input.dim() + "D for "
                    + input.dim() + "D input, got " + hx.dim() + "D");
        }
        int batch = batched ? input.size(0) : 1;
        if (input.size(-1) != inputSize) {
            throw new IllegalArgumentException("input has inconsistent input_size: got " + input.size(-1)
                    + " expected " + inputSize);
        }
        if (hx != null) {
            int hxBatch = batched ? hx.size(0) : 1;
            if (hxBatch != batch) {
                throw new IllegalArgumentException("Input batch size " + batch + " doesn't match hidden0 batch size "
                        + hxBatch);
            }
            if (hx.size(-1) != hiddenSize) {
                throw new IllegalArgumentException("hidden0 has inconsistent hidden_size: got " + hx.size(-1)
                        + ", expected " + hiddenSize);
            }
        }
    }

    @Override
    public RNNCell train() {
        super.train();
        return this;
    }

    @Override
    public RNNCell eval() {
        super.eval();
        return this;
    }

    @Override
    public String toString() {
        return "RNNCell(" + inputSize + ", " + hiddenSize + (bias() ? "" : ", bias=False")
                + (nonlinearity == Nonlinearity.TANH ? "" : ", nonlinearity=" + nonlinearity.torchName()) + ")";
    }
}
