package dev.jrnn.nn;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.internal.TensorAccess;
import java.util.Objects;

/**
 * A multi-layer long short-term memory (LSTM) network, optionally with projections: PyTorch's
 * {@code torch.nn.LSTM}.
 *
 * <p>For each element of the input sequence, each layer computes
 * <pre>
 *   i_t = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)
 *   f_t = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)
 *   g_t = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)
 *   o_t = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho)
 *   c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
 *   h_t = o_t ⊙ tanh(c_t)
 * </pre>
 * where {@code h_t} is the hidden state at time {@code t}, {@code c_t} the cell state, {@code x_t} the
 * input (for layers above the first, the previous layer's {@code h_t}, after dropout in training),
 * {@code i, f, g, o} the input, forget, cell and output gates, σ the sigmoid and ⊙ the element-wise
 * product. The gate rows are stacked in the order i, f, g, o in {@code weight_ih}, {@code weight_hh},
 * {@code bias_ih} and {@code bias_hh}. With {@code proj_size > 0}, {@code h_t = (o_t ⊙ tanh(c_t)) W_hrᵀ}:
 * the projected, {@code proj_size}-wide {@code h_t} is fed back, emitted and stored in {@code h_n}
 * (so {@code weight_hh} is {@code (4H, P)}); the cell state is never projected.
 *
 * <p><b>Symbols.</b> {@code N} batch size, {@code L} sequence length, {@code D} 2 if bidirectional
 * else 1, {@code H_in} {@code input_size}, {@code H_cell} = {@code H} {@code hidden_size},
 * {@code H_out} {@code proj_size} if > 0 else {@code hidden_size}.
 *
 * <p><b>Arguments</b> (an {@link RNNConfig#lstm} configuration, PyTorch's names and defaults):
 * {@code input_size}; {@code hidden_size}; {@code num_layers=1}; {@code bias=true};
 * {@code batch_first=false}; {@code dropout=0.0} (between layers, training only);
 * {@code bidirectional=false}; {@code proj_size=0}.
 *
 * <p><b>Parameters</b> per layer {@code k} and direction ({@code _reverse} suffix), in this order:
 * {@code weight_ih_l{k}} {@code (4H, in_k)}, {@code weight_hh_l{k}} {@code (4H, H_out)},
 * {@code bias_ih_l{k}} {@code (4H)}, {@code bias_hh_l{k}} {@code (4H)}, {@code weight_hr_l{k}}
 * {@code (P, H)} (only when projecting); {@code in_0 = H_in}, {@code in_k = D·H_out}. All are uniform
 * in {@code [-1/√H, 1/√H]} — {@code hidden_size}, also for {@code weight_hr}.
 *
 * <p><b>Shapes.</b>
 * <ul>
 *   <li>{@link #forward(Tensor, LSTMState)}: input {@code (L, N, H_in)} ({@code (N, L, H_in)} with
 *       {@code batch_first}); state {@code (h_0, c_0)} with {@code h_0 (D·num_layers, N, H_out)} and
 *       {@code c_0 (D·num_layers, N, H)}, never batch-first; omitted = zeros.</li>
 *   <li>Variable-length batches: {@link #forwardPacked(PackedSequence, LSTMState)} takes a {@link PackedSequence}
 *       (data {@code (Σ lengths, H_in)}, see {@link RnnUtils}) and returns a packed output
 *       {@code (Σ lengths, D·H_out)} with {@code h_n} in the original batch order; {@link #forward(Tensor, int[], LSTMState)}
 *       takes a padded batch and {@code lengths}. Each sequence behaves as if run alone on its own prefix;
 *       outputs past a length are 0.</li>
 *   <li>{@link #forwardUnbatched(Tensor, LSTMState)}: input {@code (L, H_in)}, {@code h_0 (D·num_layers, H_out)},
 *       {@code c_0 (D·num_layers, H)}.</li>
 *   <li>Output {@code (L, N, D·H_out)} ({@code (N, L, D·H_out)} with {@code batch_first}), {@code h_n}
 *       {@code (D·num_layers, N, H_out)} and {@code c_n} {@code (D·num_layers, N, H)}, index
 *       {@code layer·D + direction} (see {@link LSTMOutput}).</li>
 * </ul>
 *
 * <p><b>Equivalent naive loop</b> (one layer, one direction, batched, zero state):
 * <pre>{@code
 * h = zeros(N, H_out); c = zeros(N, H)
 * for t in 0 .. L-1:
 *     i, f, g, o = split(x[t] · W_ihᵀ + b_ih + h · W_hhᵀ + b_hh, 4)
 *     c = sigmoid(f) * c + sigmoid(i) * tanh(g)
 *     h = sigmoid(o) * tanh(c)
 *     if proj_size > 0: h = h · W_hrᵀ
 *     output[t] = h
 * h_n[0] = h; c_n[0] = c
 * }</pre>
 *
 * <p>Thread safety: not safe for concurrent use while training or loading (a training-mode forward
 * keeps its activations for backward, and backward writes the gradients and reuses the module's
 * workspaces). In evaluation mode a forward pass only reads the parameters and allocates its buffers per
 * call, so one module may serve many threads at once ({@code ConcurrentInferenceTest}: 8 threads ×
 * 1,000 forwards, every result bitwise equal to the single-threaded one). The check-mode flag
 * ({@link #setCheckFinite(boolean)}) is volatile and may be flipped from any thread.
 */
public final class LSTM extends RNNBase {

    /** Builds an LSTM initialised from a generator seeded with {@link RNN#DEFAULT_SEED}. */
    public LSTM(RNNConfig config) {
        this(config, new Generator(RNN.DEFAULT_SEED));
    }

    /** Builds an LSTM initialised from {@code new Generator(seed)}. */
    public LSTM(RNNConfig config, long seed) {
        this(config, new Generator(seed));
    }

    /**
     * Builds an LSTM.
     *
     * @param config an {@link RNNConfig#lstm} configuration (mode {@code LSTM})
     * @param generator draws every parameter uniform in {@code [-1/√H, 1/√H]} in registration order,
     *     then seeds the dropout generator; modified (advanced)
     */
    public LSTM(RNNConfig config, Generator generator) {
        super(checkMode(config), generator);
    }

    /** {@return {@code nn.LSTM(input_size, hidden_size)}} */
    public static LSTM of(int inputSize, int hiddenSize) {
        return new LSTM(RNNConfig.lstm(inputSize, hiddenSize));
    }

    private static RNNConfig checkMode(RNNConfig config) {
        Objects.requireNonNull(config, "config");
        if (config.mode() != Mode.LSTM) {
            throw new IllegalArgumentException("LSTM needs mode LSTM, got " + config.mode());
        }
        return config;
    }

    @Override
    String torchName() {
        return "LSTM";
    }

    /** Runs the LSTM over a batch from a zero state. See {@link #forward(Tensor, LSTMState)}. */
    public LSTMOutput forward(Tensor input) {
        return forward(input, null);
    }

    /**
     * Runs the LSTM over a batch.
     *
     * @param input {@code (L, N, H_in)}, or {@code (N, L, H_in)} with {@code batch_first}; not modified
     * @param state {@code (h_0 (D·num_layers, N, H_out), c_0 (D·num_layers, N, H))} whatever
     *     {@code batch_first} says, or null for zeros; not modified
     * @return output, {@code h_n} and {@code c_n}
     * @throws IllegalArgumentException on a wrong rank or shape, with PyTorch's messages
     *     ({@code Expected hidden[0] size (2, 2, 4), got [2, 3, 4]} for {@code h_0}, {@code hidden[1]}
     *     for {@code c_0})
     */
    public LSTMOutput forward(Tensor input, LSTMState state) {
        checkInputRank(input, true);
        return run(input, state, true);
    }

    /** Runs over a packed batch from a zero state; see {@link #forwardPacked(PackedSequence, LSTMState)}. */
    public PackedLSTMOutput forwardPacked(PackedSequence input) {
        return forwardPacked(input, null);
    }

    /**
     * Runs over a packed batch of variable-length sequences (PyTorch's packed forward): each sequence
     * behaves as if run alone on its own valid prefix. {@code batch_first} does not apply.
     *
     * @param input packed data {@code (Σ lengths, H_in)}; not modified
     * @param state {@code (h_0 (D·num_layers, N, H_out), c_0 (D·num_layers, N, H))} in the original batch
     *     order, or null for zeros; not modified
     * @return the packed output {@code (Σ lengths, D·H_out)}, {@code h_n} and {@code c_n} in the original order
     * @throws IllegalArgumentException if the data is not 2-D, its feature size is wrong, or a state's
     *     shape is wrong (checked before any permutation)
     */
    public PackedLSTMOutput forwardPacked(PackedSequence input, LSTMState state) {
        PackedLayout lay = checkPacked(input);
        VariableRun r = runVariable(lay, input.dataView(), state == null ? null : state.h(),
                state == null ? null : state.c());
        return new PackedLSTMOutput(input.withData(r.output), new LSTMOutput(r.output, r.hN, r.cN,
                config.numLayers(), config.numDirections(), r.record, LSTMOutput.EVAL_MODE));
    }

    /**
     * Runs over a padded batch with per-sequence lengths: the same results as packing with
     * {@code enforce_sorted=False}, running, and unpacking to the input's length {@code L}. Outputs past
     * each length are exactly 0; {@code h_n}/{@code c_n} hold each sequence's own final state.
     *
     * @param input {@code (L, N, H_in)}, or {@code (N, L, H_in)} with {@code batch_first}; not modified
     * @param lengths {@code (N)}, each in {@code [1, L]}, any order; not modified
     * @param state {@code (h_0, c_0)} or null for zeros; not modified
     * @return output in the input's layout, {@code h_n}, {@code c_n}; its backward takes gradients in the
     *     same layout
     */
    public LSTMOutput forward(Tensor input, int[] lengths, LSTMState state) {
        PackedLayout lay = checkPadded(input, lengths);
        VariableRun r = runVariable(lay, input, state == null ? null : state.h(), state == null ? null : state.c());
        return new LSTMOutput(r.output, r.hN, r.cN, config.numLayers(), config.numDirections(), r.record,
                LSTMOutput.EVAL_MODE);
    }

    /** Runs the LSTM over one unbatched sequence {@code (L, H_in)} from a zero state. */
    public LSTMOutput forwardUnbatched(Tensor input) {
        return forwardUnbatched(input, null);
    }

    /**
     * Runs the LSTM over one unbatched sequence. {@code batch_first} does not apply.
     *
     * @param input {@code (L, H_in)}; not modified
     * @param state {@code (h_0 (D·num_layers, H_out), c_0 (D·num_layers, H))} or null for zeros; not modified
     * @return output {@code (L, D·H_out)}, {@code h_n (D·num_layers, H_out)}, {@code c_n (D·num_layers, H)}
     */
    public LSTMOutput forwardUnbatched(Tensor input, LSTMState state) {
        checkInputRank(input, false);
        return run(input, state, false);
    }

    private LSTMOutput run(Tensor input, LSTMState state, boolean batched) {
        if (state != null) {
            int want = batched ? 3 : 2;
            int hr = state.h().dim();
            int cr = state.c().dim();
            if (hr != want || cr != want) {
                throw new IllegalArgumentException((batched ? "For batched 3-D input, hx and cx should also be 3-D"
                        : "For unbatched 2-D input, hx and cx should also be 2-D") + " but got (" + hr + "-D, "
                        + cr + "-D) tensors");
            }
        }
        checkInputSize(input);
        boolean bf = batched && config.batchFirst();
        int seqLen = input.size(bf ? 1 : 0);
        int batch = batched ? input.size(bf ? 0 : 1) : 1;
        int[] hShape = expectedHiddenShape(batch, batched, config.outputHiddenSize());
        int[] cShape = expectedHiddenShape(batch, batched, config.hiddenSize());
        if (state != null) {
            checkHidden(state.h(), hShape, batched, "hidden[0]");
            checkHidden(state.c(), cShape, batched, "hidden[1]");
        }
        checkSequenceLength(seqLen);
        Tensor timeMajor = bf ? input.transpose(0, 1) : input;
        int groups = config.numLayers() * config.numDirections();
        float[] hN = new float[groups * batch * config.outputHiddenSize()];
        float[] cN = new float[groups * batch * config.hiddenSize()];
        int dh = config.numDirections() * config.outputHiddenSize();
        if (!isTraining()) {
            float[] out = runInference(timeMajor, seqLen, batch, state == null ? null : state.h(),
                    state == null ? null : state.c(), hN, cN, bf);
            Tensor output = batched ? TensorAccess.wrap(out, bf ? batch : seqLen, bf ? seqLen : batch, dh)
                    : TensorAccess.wrap(out, seqLen, dh);
            return new LSTMOutput(output, TensorAccess.wrap(hN, hShape), TensorAccess.wrap(cN, cShape),
                    config.numLayers(), config.numDirections(), null, LSTMOutput.EVAL_MODE);
        }
        ForwardRecord record = new ForwardRecord(this, seqLen, batch, !batched, bf, null);
        float[] h0 = state == null ? null : record.buffers.copy(ForwardRecord.H0, 0, state.h());   // recycled copies
        float[] c0 = state == null ? null : record.buffers.copy(ForwardRecord.C0, 0, state.c());
        record.h0 = h0;
        record.c0 = c0;
        float[] out;
        enterTraining("training-mode forward");
        try {
            out = runLayers(record.buffers.copy(ForwardRecord.X, 0, timeMajor), seqLen, batch, h0, c0, hN, cN, record);
        } finally {
            exitTraining();
        }
        Tensor output = batched ? outputTensor(out, record, seqLen, batch, dh) : outputTensor(out, record, seqLen, dh);
        if (bf) {
            output = output.transpose(0, 1).contiguous();
        }
        return new LSTMOutput(output, TensorAccess.wrap(hN, hShape), TensorAccess.wrap(cN, cShape), config.numLayers(),
                config.numDirections(), record, LSTMOutput.EVAL_MODE);
    }

    /**
     * {@return a new stream starting from {@code state}}: {@code h} {@code (num_layers, N, H_out)} and
     * {@code c} {@code (num_layers, N, H)} for a batch of {@code N} streams, or {@code (num_layers, H_out)}
     * and {@code (num_layers, H)} for an unbatched stream; see {@link #step(Tensor, StreamState, Tensor)}
     *
     * @param state not modified (copied)
     * @throws IllegalArgumentException if a shape is wrong (the message gives the expected and the actual shape)
     * @throws IllegalStateException if the module is bidirectional
     */
    public StreamState newStreamState(LSTMState state) {
        java.util.Objects.requireNonNull(state, "state");
        newStreamState(1);   // the module checks (bidirectional, dropout in training mode)
        Tensor h = state.h();
        boolean batched = h.dim() == 3;
        if (h.dim() != 2 && h.dim() != 3) {
            throw new IllegalArgumentException("newStreamState: h must be 3-D (num_layers, N, H_out) or 2-D"
                    + " (num_layers, H_out), got " + h.dim() + "-D " + java.util.Arrays.toString(h.shape()));
        }
        int batch = batched ? h.size(1) : 1;
        checkHidden(h, expectedHiddenShape(batch, batched, config.outputHiddenSize()), batched, "hidden[0]");
        checkHidden(state.c(), expectedHiddenShape(batch, batched, config.hiddenSize()), batched, "hidden[1]");
        if (batch < 1) {
            throw new IllegalArgumentException("newStreamState: batch must be >= 1, got " + batch);
        }
        return new StreamState(this, batch, !batched, h.toArray(), state.c().toArray());
    }

    @Override
    public LSTM train() {
        super.train();
        return this;
    }

    @Override
    public LSTM eval() {
        super.eval();
        return this;
    }
}
