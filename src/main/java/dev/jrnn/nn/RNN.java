package dev.jrnn.nn;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * A multi-layer Elman RNN with {@code tanh} or {@code relu}: PyTorch's {@code torch.nn.RNN}.
 *
 * <p>For each element of the input sequence, each layer computes
 * <pre>
 *   h_t = tanh(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh)
 * </pre>
 * where {@code h_t} is the hidden state at time {@code t}, {@code x_t} the input at time {@code t}
 * (for layers above the first, the previous layer's output {@code h_t}, after dropout in training)
 * and {@code h_{t−1}} the state at {@code t−1} (or {@code h_0}). With {@code nonlinearity=relu},
 * {@code relu} replaces {@code tanh}.
 *
 * <p><b>Symbols.</b> {@code N} batch size, {@code L} sequence length, {@code D} 2 if bidirectional
 * else 1, {@code H_in} {@code input_size}, {@code H} {@code hidden_size}.
 *
 * <p><b>Arguments</b> (an {@link RNNConfig}, PyTorch's names and defaults): {@code input_size};
 * {@code hidden_size}; {@code num_layers=1}; {@code nonlinearity=tanh}; {@code bias=true};
 * {@code batch_first=false}; {@code dropout=0.0} (between layers, training only);
 * {@code bidirectional=false}.
 *
 * <p><b>Shapes.</b>
 * <ul>
 *   <li>{@link #forward(Tensor, Tensor)}: input {@code (L, N, H_in)}, or {@code (N, L, H_in)} with
 *       {@code batch_first}; {@code h_0} {@code (D·num_layers, N, H)} (never batch-first; omitted = zeros).</li>
 *   <li>Variable-length batches: {@link #forwardPacked(PackedSequence, Tensor)} takes a {@link PackedSequence}
 *       (data {@code (Σ lengths, H_in)}, see {@link RnnUtils}) and returns a packed output
 *       {@code (Σ lengths, D·H_out)} with {@code h_n} in the original batch order; {@link #forward(Tensor, int[], Tensor)}
 *       takes a padded batch and {@code lengths}. Each sequence behaves as if run alone on its own prefix;
 *       outputs past a length are 0.</li>
 *   <li>{@link #forwardUnbatched(Tensor, Tensor)}: input {@code (L, H_in)}; {@code h_0}
 *       {@code (D·num_layers, H)}.</li>
 *   <li>Output {@code (L, N, D·H)} ({@code (N, L, D·H)} with {@code batch_first}, {@code (L, D·H)}
 *       unbatched): the top layer's {@code h_t} for every {@code t}, forward direction first; and
 *       {@code h_n} {@code (D·num_layers, N, H)}: each layer's and direction's final state at index
 *       {@code layer·D + direction} (see {@link RNNOutput#finalState}).</li>
 * </ul>
 *
 * <p><b>Equivalent naive loop</b> (one layer, one direction, batched, {@code h_0 = 0}):
 * <pre>{@code
 * h = zeros(N, H)
 * for t in 0 .. L-1:
 *     h = tanh(x[t] · W_ihᵀ + b_ih + h · W_hhᵀ + b_hh)
 *     output[t] = h
 * h_n[0] = h
 * }</pre>
 *
 * <p><b>Training.</b> In training mode (the default, {@link #train()}) a forward records in its
 * {@link RNNOutput} what backprop-through-time needs (the layer inputs and outputs, dropout masks:
 * {@code O(L·N·H·num_layers)} floats); {@link RNNOutput#backward(Tensor, Tensor)} then accumulates
 * into every parameter's {@link Parameter#grad()} and returns the input and {@code h_0} gradients.
 * In evaluation mode ({@link #eval()}) nothing is kept. See {@code docs/training.md}:
 * <pre>{@code
 * RNNOutput out = rnn.forward(x);
 * out.backward(gradOutput, gradHn);   // ∂loss/∂output, ∂loss/∂h_n (either may be null)
 * optimizer.step();
 * rnn.zeroGrad();
 * }</pre>
 *
 * <p>The four architectures people build first are one line each: {@link #simpleRNN},
 * {@link #biRNN}, {@link #stackedRNN} and {@link #stackedBiRNN}.
 *
 * <p>Thread safety: not safe for concurrent use while training or loading (a backward writes the
 * gradients and reuses the module's workspaces). In evaluation mode a forward pass only reads the
 * parameters and allocates its buffers per call, so concurrent forwards on one module are safe. The
 * check-mode flag ({@link #setCheckFinite(boolean)}) is volatile and may be flipped from any thread.
 */
public final class RNN extends RNNBase {

    /** Seed used by the constructors and one-liners that take no generator. */
    public static final long DEFAULT_SEED = 0x5EEDL;

    /** Builds an RNN with parameters initialised from a generator seeded with {@link #DEFAULT_SEED}. */
    public RNN(RNNConfig config) {
        this(config, new Generator(DEFAULT_SEED));
    }

    /** Builds an RNN with parameters initialised from {@code new Generator(seed)}. */
    public RNN(RNNConfig config, long seed) {
        this(config, new Generator(seed));
    }

    /**
     * Builds an RNN.
     *
     * @param config an {@link RNNConfig#rnn} configuration (mode {@code RNN_TANH} or {@code RNN_RELU})
     * @param generator draws every parameter uniform in {@code [-1/√H, 1/√H]} in registration order,
     *     then seeds the dropout generator; modified (advanced)
     */
    public RNN(RNNConfig config, Generator generator) {
        super(checkMode(config), generator);
    }

    private static RNNConfig checkMode(RNNConfig config) {
        Objects.requireNonNull(config, "config");
        if (!config.mode().isPlainRnn()) {
            throw new IllegalArgumentException("RNN needs mode RNN_TANH or RNN_RELU, got " + config.mode());
        }
        return config;
    }

    /** {@return a SimpleRNN: one tanh layer, {@code nn.RNN(input_size, hidden_size)}} */
    public static RNN simpleRNN(int inputSize, int hiddenSize) {
        return new RNN(RNNConfig.rnn(inputSize, hiddenSize));
    }

    /** {@return a BiRNN: one bidirectional tanh layer, {@code nn.RNN(input_size, hidden_size, bidirectional=True)}} */
    public static RNN biRNN(int inputSize, int hiddenSize) {
        return new RNN(RNNConfig.rnn(inputSize, hiddenSize).withBidirectional(true));
    }

    /** {@return a StackedRNN: {@code nn.RNN(input_size, hidden_size, num_layers=numLayers)}} */
    public static RNN stackedRNN(int inputSize, int hiddenSize, int numLayers) {
        return new RNN(RNNConfig.rnn(inputSize, hiddenSize).withNumLayers(numLayers));
    }

    /**
     * {@return a StackedBiRNN: {@code nn.RNN(input_size, hidden_size, num_layers=numLayers,
     * bidirectional=True)}}
     */
    public static RNN stackedBiRNN(int inputSize, int hiddenSize, int numLayers) {
        return new RNN(RNNConfig.rnn(inputSize, hiddenSize).withNumLayers(numLayers).withBidirectional(true));
    }

    @Override
    String torchName() {
        return "RNN";
    }

    /**
     * Runs the RNN over a batch with {@code h_0} = zeros.
     *
     * @param input {@code (L, N, H_in)}, or {@code (N, L, H_in)} with {@code batch_first}; not modified
     * @return output and {@code h_n}
     * @throws IllegalArgumentException if the input is not 3-D (a 2-D input is not silently read as
     *     one sequence: use {@link #forwardUnbatched}), its last size is not {@code input_size}, or
     *     {@code L} is 0
     */
    public RNNOutput forward(Tensor input) {
        return forward(input, null);
    }

    /**
     * Runs the RNN over a batch.
     *
     * @param input {@code (L, N, H_in)}, or {@code (N, L, H_in)} with {@code batch_first}; not modified
     * @param h0 {@code (D·num_layers, N, H)} whatever {@code batch_first} says, or null for zeros;
     *     not modified
     * @return output {@code (L, N, D·H)} (or {@code (N, L, D·H)}) and {@code h_n} {@code (D·num_layers, N, H)}
     * @throws IllegalArgumentException on a wrong rank or shape; the message gives the expected and the
     *     actual shape
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

    /** Runs the RNN over one unbatched sequence {@code (L, H_in)} with {@code h_0} = zeros. */
    public RNNOutput forwardUnbatched(Tensor input) {
        return forwardUnbatched(input, null);
    }

    /**
     * Runs the RNN over one unbatched sequence. {@code batch_first} does not apply.
     *
     * @param input {@code (L, H_in)}; not modified
     * @param h0 {@code (D·num_layers, H)} or null for zeros; not modified
     * @return output {@code (L, D·H)} and {@code h_n} {@code (D·num_layers, H)}
     */
    public RNNOutput forwardUnbatched(Tensor input, Tensor h0) {
        checkInputRank(input, false);
        return runSingleState(input, h0, false);
    }

    @Override
    public RNN train() {
        super.train();
        return this;
    }

    @Override
    public RNN eval() {
        super.eval();
        return this;
    }
}
