package dev.jrnn.nn;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * A multi-layer gated recurrent unit (GRU) network: PyTorch's {@code torch.nn.GRU}.
 *
 * <p>For each element of the input sequence, each layer computes
 * <pre>
 *   r_t = σ(W_ir x_t + b_ir + W_hr h_{t−1} + b_hr)
 *   z_t = σ(W_iz x_t + b_iz + W_hz h_{t−1} + b_hz)
 *   n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t−1} + b_hn))
 *   h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}
 * </pre>
 * where {@code h_t} is the hidden state at time {@code t}, {@code x_t} the input (for layers above the
 * first, the previous layer's {@code h_t}, after dropout in training), {@code r, z, n} the reset,
 * update and new gates, σ the sigmoid and ⊙ the element-wise product. {@code b_hn} sits inside the
 * product with {@code r} (the "reset after" form of cuDNN and Keras {@code reset_after=True}), not the
 * original paper's {@code W_hn (r ⊙ h)}. Gate rows are stacked r, z, n.
 *
 * <p><b>Symbols.</b> {@code N} batch size, {@code L} sequence length, {@code D} 2 if bidirectional
 * else 1, {@code H_in} {@code input_size}, {@code H} {@code hidden_size}.
 *
 * <p><b>Arguments</b> (an {@link RNNConfig#gru} configuration, PyTorch's names and defaults):
 * {@code input_size}; {@code hidden_size}; {@code num_layers=1}; {@code bias=true};
 * {@code batch_first=false}; {@code dropout=0.0} (between layers, training only);
 * {@code bidirectional=false}.
 *
 * <p><b>Parameters</b> per layer {@code k} and direction: {@code weight_ih_l{k}[_reverse]}
 * {@code (3H, in_k)}, {@code weight_hh_l{k}} {@code (3H, H)}, {@code bias_ih_l{k}} {@code (3H)},
 * {@code bias_hh_l{k}} {@code (3H)}; all uniform in {@code [-1/√H, 1/√H]}.
 *
 * <p><b>Shapes.</b> As {@link RNN}: input {@code (L, N, H_in)} ({@code (N, L, H_in)} with
 * {@code batch_first}) or unbatched {@code (L, H_in)} through {@link #forwardUnbatched};
 * {@code h_0}/{@code h_n} {@code (D·num_layers, N, H)}, never batch-first; output {@code (L, N, D·H)}.
 * Variable-length batches: {@link #forwardPacked(PackedSequence, Tensor)} (a {@link PackedSequence},
 * see {@link RnnUtils}) and {@link #forward(Tensor, int[], Tensor)} (padded batch plus lengths).
 *
 * <p><b>Equivalent naive loop</b> (one layer, one direction, batched, {@code h_0 = 0}):
 * <pre>{@code
 * h = zeros(N, H)
 * for t in 0 .. L-1:
 *     ir, iz, in = split(x[t] · W_ihᵀ + b_ih, 3);  hr, hz, hn = split(h · W_hhᵀ + b_hh, 3)
 *     r = sigmoid(ir + hr); z = sigmoid(iz + hz); n = tanh(in + r * hn)
 *     h = (1 - z) * n + z * h
 *     output[t] = h
 * h_n[0] = h
 * }</pre>
 *
 * <p>Thread safety: not safe for concurrent use while training or loading (a training-mode forward
 * keeps its activations for backward, and backward writes the gradients and reuses the module's
 * workspaces). In evaluation mode a forward pass only reads the parameters and allocates its buffers per
 * call, so one module may serve many threads at once ({@code ConcurrentInferenceTest}: 8 threads ×
 * 1,000 forwards, every result bitwise equal to the single-threaded one). The check-mode flag
 * ({@link #setCheckFinite(boolean)}) is volatile and may be flipped from any thread.
 */
public final class GRU extends RNNBase {

    /** Builds a GRU initialised from a generator seeded with {@link RNN#DEFAULT_SEED}. */
    public GRU(RNNConfig config) {
        this(config, new Generator(RNN.DEFAULT_SEED));
    }

    /** Builds a GRU initialised from {@code new Generator(seed)}. */
    public GRU(RNNConfig config, long seed) {
        this(config, new Generator(seed));
    }

    /**
     * Builds a GRU.
     *
     * @param config an {@link RNNConfig#gru} configuration (mode {@code GRU})
     * @param generator draws every parameter uniform in {@code [-1/√H, 1/√H]} in registration order,
     *     then seeds the dropout generator; modified (advanced)
     */
    public GRU(RNNConfig config, Generator generator) {
        super(checkMode(config), generator);
    }

    /** {@return {@code nn.GRU(input_size, hidden_size)}} */
    public static GRU of(int inputSize, int hiddenSize) {
        return new GRU(RNNConfig.gru(inputSize, hiddenSize));
    }

    private static RNNConfig checkMode(RNNConfig config) {
        Objects.requireNonNull(config, "config");
        if (config.mode() != Mode.GRU) {
            throw new IllegalArgumentException("GRU needs mode GRU, got " + config.mode());
        }
        return config;
    }

    @Override
    String torchName() {
        return "GRU";
    }

    /** Runs the GRU over a batch with {@code h_0} = zeros. */
    public RNNOutput forward(Tensor input) {
        return forward(input, null);
    }

    /**
     * Runs the GRU over a batch.
     *
     * @param input {@code (L, N, H_in)}, or {@code (N, L, H_in)} with {@code batch_first}; not modified
     * @param h0 {@code (D·num_layers, N, H)} whatever {@code batch_first} says, or null for zeros; not modified
     * @return output {@code (L, N, D·H)} (or {@code (N, L, D·H)}) and {@code h_n (D·num_layers, N, H)}
     * @throws IllegalArgumentException on a wrong rank or shape, with PyTorch's messages
     */
    public RNNOutput forward(Tensor input, Tensor h0) {
        checkInputRank(input, true);
        return runSingleState(input, h0, true);
    }

    /** Runs over a packed batch with {@code h_0} = zeros; see {@link #forwardPacked(PackedSequence, Tensor)}. */
    public PackedRNNOutput forwardPacked(PackedSequence input) {
        return forwardPacked(input, null);
    }

    /**
     * Runs over a packed batch of variable-length sequences (PyTorch's packed forward): each sequence
     * behaves as if run alone on its own valid prefix. {@code batch_first} does not apply.
     *
     * @param input packed data {@code (Σ lengths, H_in)}; not modified
     * @param h0 {@code (D·num_layers, N, H)} in the original batch order ({@code N} = number of
     *     sequences), or null for zeros; not modified
     * @return the packed output {@code (Σ lengths, D·H)} and {@code h_n} in the original order
     * @throws IllegalArgumentException if the data is not 2-D ({@code input must have 2 dimensions, got 3}),
     *     its feature size is wrong, or {@code h_0}'s shape is not {@code (D·num_layers, N, H)} (checked
     *     before any permutation)
     */
    public PackedRNNOutput forwardPacked(PackedSequence input, Tensor h0) {
        return runPackedSingleState(input, h0);
    }

    /**
     * Runs over a padded batch with per-sequence lengths: the same results as packing with
     * {@code enforce_sorted=False}, running, and unpacking to the input's length {@code L}. Outputs
     * past each length are exactly 0; {@code h_n} holds each sequence's own final state.
     *
     * @param input {@code (L, N, H_in)}, or {@code (N, L, H_in)} with {@code batch_first}; values past
     *     each length are ignored; not modified
     * @param lengths {@code (N)}, each in {@code [1, L]}, any order; not modified
     * @param h0 {@code (D·num_layers, N, H)} or null for zeros; not modified
     * @return output in the input's layout (zeros past each length) and {@code h_n}; its
     *     {@link RNNOutput#backward} takes gradients in the same layout and returns exact zeros past
     *     each length
     * @throws IllegalArgumentException on a wrong rank or shape, or invalid lengths (messages of
     *     {@link RnnUtils#packPaddedSequence}, plus a length larger than {@code L})
     */
    public RNNOutput forward(Tensor input, int[] lengths, Tensor h0) {
        return runLengthsSingleState(input, lengths, h0);
    }

    /** Runs the GRU over one unbatched sequence {@code (L, H_in)} with {@code h_0} = zeros. */
    public RNNOutput forwardUnbatched(Tensor input) {
        return forwardUnbatched(input, null);
    }

    /**
     * Runs the GRU over one unbatched sequence. {@code batch_first} does not apply.
     *
     * @param input {@code (L, H_in)}; not modified
     * @param h0 {@code (D·num_layers, H)} or null for zeros; not modified
     * @return output {@code (L, D·H)} and {@code h_n (D·num_layers, H)}
     */
    public RNNOutput forwardUnbatched(Tensor input, Tensor h0) {
        checkInputRank(input, false);
        return runSingleState(input, h0, false);
    }


    @Override
    public GRU train() {
        super.train();
        return this;
    }

    @Override
    public GRU eval() {
        super.eval();
        return this;
    }
}
