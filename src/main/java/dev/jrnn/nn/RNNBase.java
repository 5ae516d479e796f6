package dev.jrnn.nn;

import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.internal.GemmEngine;
import dev.jrnn.tensor.internal.PackedB;
import dev.jrnn.tensor.internal.TensorAccess;
import dev.jrnn.tensor.Tensor;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The multi-layer, optionally bidirectional recurrence shared by {@link RNN}, {@link LSTM} and
 * {@link GRU}: PyTorch's {@code torch.nn.RNNBase}. The layer stacking, directions and dropout live
 * here; the LSTM and GRU gate math lives in {@link GatedLayers}.
 *
 * <p>For each layer {@code k} and direction {@code d} it holds, in this registration order,
 * {@code weight_ih_l{k}[_reverse]} {@code (G, in_k)}, {@code weight_hh_l{k}[_reverse]} {@code (G, H_out)},
 * {@code bias_ih_l{k}[_reverse]} {@code (G)} and {@code bias_hh_l{k}[_reverse]} {@code (G)} (when
 * {@code bias}), and {@code weight_hr_l{k}[_reverse]} {@code (P, H)} (projected LSTM), where
 * {@code G = gate_size} ({@link Mode#gateSize}), {@code in_0 = H_in} and {@code in_k = D·H_out} above.
 * Every parameter starts uniform in {@code [-1/√H, 1/√H]}, drawn in registration order.
 *
 * <p>Thread safety: inference forwards (evaluation mode) only read the parameters and use per-call
 * buffers, so any number of threads may run them at once on one shared module, unguarded. Training is
 * single-threaded per module: a training-mode forward or a backward while another thread is inside a
 * training-mode forward or a backward of the same module is detected and refused with an
 * {@link IllegalStateException} naming that thread (the activation record, the dropout generator, the
 * gradients and the backward workspace are shared). The check covers the overlap of those calls only;
 * changing parameters, loading a state dict or switching {@code train()/eval()} concurrently with any
 * forward is not detected and not safe. A streaming state ({@link StreamState}) belongs to one thread at a
 * time; different states may step on one shared module concurrently.
 */
public abstract sealed class RNNBase extends Module permits RNN, LSTM, GRU {

    private static final System.Logger LOG = System.getLogger("dev.jrnn.nn");

    final RNNConfig config;
    // One entry per (layer, direction) at index layer * D + direction; bias/hr entries null when absent.
    final Parameter[] weightIh;  // (G, in_k)
    final Parameter[] weightHh;  // (G, H_out)
    final Parameter[] biasIh;    // (G)
    final Parameter[] biasHh;    // (G)
    final Parameter[] weightHr;  // (P, H), projected LSTM only
    private final Generator dropoutGenerator;
    /** The thread inside a training-mode forward or a backward of this module, or null. */
    private final java.util.concurrent.atomic.AtomicReference<Thread> trainingThread =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** Nesting depth of {@link #enterTraining} on {@link #trainingThread}; only that thread touches it. */
    private int trainingDepth;
    /** Test hook: run inside the guarded region right after it is entered; null in production. */
    volatile Runnable trainingGuardHook;
    /** {@link #setCheckFinite}: volatile so a flag set on one thread is seen by forwards on others. */
    private volatile boolean checkFinite;
    /** The packed weights of the inference engine and the parameter versions they match ({@link Recurrence#prepare}). */
    volatile Recurrence.Prepared prepared;
    /** The inference engine's buffers from the last forward, for the next one of the same shape ({@link Recurrence.Workspace}). */
    final java.util.concurrent.atomic.AtomicReference<Recurrence.Workspace> spareWorkspace =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** The arrays of the last training forward whose backward has run ({@link ForwardRecord.Buffers}). */
    final java.util.concurrent.atomic.AtomicReference<ForwardRecord.Buffers> spareRecordBuffers =
            new java.util.concurrent.atomic.AtomicReference<>();
    /**
     * The arrays of the last evaluation forward that ran {@link #runLayers} (a variable-length batch, or
     * the non-finite check), for the next one: taken out for the call, put back afterwards.
     */
    final java.util.concurrent.atomic.AtomicReference<ForwardRecord.Buffers> spareEvalBuffers =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** The gate workspace of the last {@link #runLayers} (training forwards and check-mode evaluation). */
    private final java.util.concurrent.atomic.AtomicReference<float[]> spareGates =
            new java.util.concurrent.atomic.AtomicReference<>();
    /** Buffers of the last backward; reused by every backward with the same {@code (L, N)}; null before. */
    BackwardWorkspace workspace;
    /** The same for LSTM and GRU ({@link GatedLayers#backward}). */
    GatedLayers.Workspace gatedWorkspace;

    RNNBase(RNNConfig config, Generator generator) {
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(generator, "generator");
        if (config.dropout() > 0 && config.numLayers() == 1) {
            LOG.log(Level.WARNING, "dropout option adds dropout after all but last recurrent layer, so non-zero"
                    + " dropout expects num_layers greater than 1, but got dropout=" + config.dropout()
                    + " and num_layers=" + config.numLayers());
        }
        int groups = config.numLayers() * config.numDirections();
        weightIh = new Parameter[groups];
        weightHh = new Parameter[groups];
        biasIh = new Parameter[groups];
        biasHh = new Parameter[groups];
        weightHr = new Parameter[groups];
        float bound = (float) (1.0 / Math.sqrt(config.hiddenSize()));
        for (ParamSpec spec : parameterSpecs(config)) {
            Tensor value = Tensor.uniform(generator, -bound, bound, spec.shape());
            Parameter p = register(spec.name, value);
            int g = spec.layer * config.numDirections() + spec.direction;
            switch (spec.kind) {
                case "weight_ih": weightIh[g] = p; break;
                case "weight_hh": weightHh[g] = p; break;
                case "bias_ih": biasIh[g] = p; break;
                case "bias_hh": biasHh[g] = p; break;
                case "weight_hr": weightHr[g] = p; break;
                default: throw new AssertionError(spec.kind);
            }
        }
        this.dropoutGenerator = new Generator(generator.nextLong());
    }

    /** The dropout generator (between layers) is saved by checkpoints as {@code dropout}. */
    @Override
    void collectGenerators(java.util.Map<String, Generator> out) {
        out.put("dropout", dropoutGenerator);
    }

    /**
     * Turns the non-finite check mode on or off (off by default). When on, every forward of this module
     * (batched, unbatched, packed, with lengths; training and evaluation mode) throws a
     * {@link NonFiniteException} for the first NaN or ±Inf it receives or produces, in this order:
     * <ol>
     *   <li>the input {@code (L, N, H_in)}, by time step, then batch row, then feature;</li>
     *   <li>{@code h_0}, then {@code c_0} (LSTM), by state group {@code layer·D + direction}, batch row,
     *       feature;</li>
     *   <li>layer by layer, the output of the layer (before inter-layer dropout): direction 0 then
     *       direction 1, each by time step {@code t} of the output tensor ({@code t = 0} first, also for
     *       the reverse direction), then batch row, then feature (hidden unit {@code 0 ≤ j < H_out});</li>
     *   <li>{@code h_n}, then {@code c_n} (LSTM), ordered like {@code h_0}.</li>
     * </ol>
     * Batch rows are the caller's rows (the original order of a sequence packed with
     * {@code enforceSorted = false}); padding past a sequence's length is not checked. The check runs
     * after the whole layer has been computed, so the cost is one extra read of each layer's output
     * (about {@code L·N·D·H_out} comparisons per layer, small next to the GEMMs); when off, a forward
     * does nothing more than read this flag. Nothing the caller passed and no parameter or gradient is
     * modified by a forward that throws. Backward passes, the streaming {@code step} and the cells are
     * not checked. An evaluation-mode forward in check mode runs unchunked (the layer outputs are kept
     * for the scan), so its memory grows with {@code L} like a training forward's; the results are
     * bitwise the same.
     *
     * @param check true to check every later forward
     */
    public final void setCheckFinite(boolean check) {
        this.checkFinite = check;
    }

    /** {@return whether the non-finite check mode is on} See {@link #setCheckFinite(boolean)}. */
    public final boolean isCheckFinite() {
        return checkFinite;
    }

    /** {@return the configuration this module was built from} */
    public final RNNConfig config() {
        return config;
    }

    /**
     * {@return the parameter names of a module with this configuration, in registration (= state
     * dict = file) order}
     * This is the single source of truth for names and order, like PyTorch's {@code _flat_weights_names}.
     */
    public static List<String> parameterNames(RNNConfig config) {
        List<String> names = new ArrayList<>();
        for (ParamSpec s : parameterSpecs(config)) {
            names.add(s.name);
        }
        return names;
    }

    static List<ParamSpec> parameterSpecs(RNNConfig c) {
        List<ParamSpec> specs = new ArrayList<>();
        int g = c.gateSize();
        int hOut = c.outputHiddenSize();
        for (int layer = 0; layer < c.numLayers(); layer++) {
            for (int dir = 0; dir < c.numDirections(); dir++) {
                String sfx = "_l" + layer + (dir == 1 ? "_reverse" : "");
                specs.add(new ParamSpec("weight_ih", sfx, layer, dir, g, c.layerInputSize(layer)));
                specs.add(new ParamSpec("weight_hh", sfx, layer, dir, g, hOut));
                if (c.bias()) {
                    specs.add(new ParamSpec("bias_ih", sfx, layer, dir, g));
                    specs.add(new ParamSpec("bias_hh", sfx, layer, dir, g));
                }
                if (c.projSize() > 0) {
                    specs.add(new ParamSpec("weight_hr", sfx, layer, dir, c.projSize(), c.hiddenSize()));
                }
            }
        }
        return specs;
    }

    /** One parameter's name and shape. Holds the shape privately and copies it out. */
    static final class ParamSpec {
        final String kind;
        final String name;
        final int layer;
        final int direction;
        private final int[] shape;

        ParamSpec(String kind, String suffix, int layer, int direction, int... shape) {
            this.kind = kind;
            this.name = kind + suffix;
            this.layer = layer;
            this.direction = direction;
            this.shape = shape.clone();
        }

        int[] shape() {
            return shape.clone();
        }
    }

    // ------------------------------------------------------------------------------ training guard

    /**
     * Enters the single-threaded training region (a training-mode forward or a backward); reentrant for
     * the owning thread. Pair with {@link #exitTraining()} in a {@code finally}.
     *
     * @throws IllegalStateException if another thread is inside the region; nothing was touched
     */
    final void enterTraining(String op) {
        Thread me = Thread.currentThread();
        Thread other = trainingThread.compareAndExchange(null, me);
        if (other != null && other != me) {
            throw new IllegalStateException(torchName() + ": " + op + " refused: thread \"" + other.getName()
                    + "\" is inside a training-mode forward or backward of this module; training one module from"
                    + " two threads at once is not supported (the activation record, gradients and workspaces"
                    + " are shared). Train from one thread, or give each thread its own module");
        }
        trainingDepth++;
        Runnable hook = trainingGuardHook;
        if (hook != null) {
            try {
                hook.run();
            } catch (RuntimeException | Error e) {
                exitTraining();
                throw e;
            }
        }
    }

    /** Leaves the region entered by {@link #enterTraining}. */
    final void exitTraining() {
        if (--trainingDepth == 0) {
            trainingThread.set(null);
        }
    }

    // ------------------------------------------------------------------------------ streaming

    /**
     * {@return a new stream of {@code batch} sequences starting from zero states} Feed it one time step
     * at a time with {@link #step(Tensor, StreamState, Tensor)}; the outputs are bitwise those of
     * {@code forward} over the whole sequence.
     *
     * @param batch {@code N ≥ 1}
     * @throws IllegalArgumentException if {@code batch < 1}
     * @throws IllegalStateException if the module is bidirectional
     */
    public final StreamState newStreamState(int batch) {
        checkStreamable("newStreamState");
        if (batch < 1) {
            throw new IllegalArgumentException("newStreamState: batch must be >= 1, got " + batch);
        }
        return new StreamState(this, batch, false, null, null);
    }

    /**
     * {@return a new stream of one sequence without a batch dimension, from zero states}: its steps take
     * {@code x_t} {@code (H_in)} and give {@code (H_out)}, like {@code forwardUnbatched}
     *
     * @throws IllegalStateException if the module is bidirectional
     */
    public final StreamState newUnbatchedStreamState() {
        checkStreamable("newUnbatchedStreamState");
        return new StreamState(this, 1, true, null, null);
    }

    /**
     * {@return a new stream starting from {@code h0}}: {@code (num_layers, N, H_out)} for a batch of
     * {@code N} streams, {@code (num_layers, H_out)} for an unbatched stream (RNN and GRU; an LSTM stream
     * starts from {@link LSTM#newStreamState(LSTMState)})
     *
     * @param h0 not modified (copied)
     * @throws IllegalArgumentException if {@code h0} is not 2-D or 3-D or its shape is wrong (the message
     *     gives the expected and the actual shape), or the module is an LSTM
     * @throws IllegalStateException if the module is bidirectional
     */
    public StreamState newStreamState(Tensor h0) {
        checkStreamable("newStreamState");
        Objects.requireNonNull(h0, "h0");
        if (config.mode() == Mode.LSTM) {
            throw new IllegalArgumentException("newStreamState: an LSTM stream starts from h_0 and c_0: use"
                    + " LSTM.newStreamState(LSTMState)");
        }
        boolean batched = h0.dim() == 3;
        if (h0.dim() != 2 && h0.dim() != 3) {
            throw new IllegalArgumentException("newStreamState: h0 must be 3-D (num_layers, N, H_out) or 2-D"
                    + " (num_layers, H_out), got " + h0.dim() + "-D " + Arrays.toString(h0.shape()));
        }
        int batch = batched ? h0.size(1) : 1;
        checkHidden(h0, expectedHiddenShape(batch, batched, config.outputHiddenSize()), batched, "h0");
        if (batch < 1) {
            throw new IllegalArgumentException("newStreamState: batch must be >= 1, got " + batch);
        }
        return new StreamState(this, batch, !batched, h0.toArray(), null);
    }

    /**
     * Runs one time step of a stream and writes its output into {@code out}, updating the state in
     * place. Allocates nothing when {@code x_t} and {@code out} are contiguous and the weights did not
     * change since the previous step. The output is the top layer's state {@code h_t}.
     *
     * @param x the step input {@code (N, H_in)}, {@code (H_in)} for an unbatched stream; not modified
     * @param state a state of this module; modified (becomes the state after this step)
     * @param out receives the output {@code (N, H_out)}, {@code (H_out)} unbatched; must be contiguous;
     *     modified
     * @throws IllegalArgumentException if a shape is wrong (the message gives the expected and the actual
     *     shape), {@code out} is not contiguous, or the state belongs to another module
     * @throws IllegalStateException if the module is bidirectional, or in training mode with dropout
     */
    public final void step(Tensor x, StreamState state, Tensor out) {
        Objects.requireNonNull(out, "out");
        checkStep(x, state);
        checkStepShape("out", out, state, config.outputHiddenSize());
        if (!out.isContiguous()) {
            throw new IllegalArgumentException("step: out must be contiguous, got strides "
                    + Arrays.toString(out.strides()) + " for shape " + Arrays.toString(out.shape()));
        }
        runStep(x, state, TensorAccess.storage(out), TensorAccess.offset(out));
        TensorAccess.markWritten(out);
    }

    /**
     * Runs one time step of a stream, updating the state in place, and returns its output in a new tensor
     * (one allocation; {@link #step(Tensor, StreamState, Tensor)} writes into a caller's tensor instead).
     *
     * @param x the step input {@code (N, H_in)}, {@code (H_in)} for an unbatched stream; not modified
     * @param state a state of this module; modified
     * @return the output {@code (N, H_out)}, {@code (H_out)} unbatched
     * @throws IllegalArgumentException if a shape is wrong or the state belongs to another module
     * @throws IllegalStateException if the module is bidirectional, or in training mode with dropout
     */
    public final Tensor step(Tensor x, StreamState state) {
        checkStep(x, state);
        int hOut = config.outputHiddenSize();
        float[] o = new float[state.batch * hOut];
        runStep(x, state, o, 0);
        return state.unbatched ? TensorAccess.wrap(o, hOut) : TensorAccess.wrap(o, state.batch, hOut);
    }

    private void checkStep(Tensor x, StreamState state) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(state, "state");
        checkStreamable("step");
        if (state.module != this) {
            throw new IllegalArgumentException("step: the state belongs to another module: expected a state of "
                    + this + " (identity " + System.identityHashCode(this) + "), got one of " + state.module
                    + " (identity " + System.identityHashCode(state.module) + ")");
        }
        checkStepShape("x", x, state, config.inputSize());
    }

    private static void checkStepShape(String name, Tensor t, StreamState s, int width) {
        int rank = t.dim();   // dim()/size() rather than shape(): no allocation per step
        boolean ok = s.unbatched ? rank == 1 && t.size(0) == width
                : rank == 2 && t.size(0) == s.batch && t.size(1) == width;
        if (!ok) {
            int[] got = t.shape();
            String expected = s.unbatched ? "(" + width + ",)" : "(" + s.batch + ", " + width + ")";
            String dims = name.equals("x") ? (s.unbatched ? "(H_in)" : "(N, H_in)") : (s.unbatched ? "(H_out)" : "(N, H_out)");
            throw new IllegalArgumentException("step: " + name + " must have shape " + expected + " " + dims
                    + ", got " + Arrays.toString(got));
        }
    }

    private void checkStreamable(String op) {
        if (config.numDirections() > 1) {
            throw new IllegalStateException(torchName() + "." + op + ": a bidirectional module cannot be streamed:"
                    + " its reverse direction starts at the last time step, so it needs the whole sequence; use"
                    + " forward(...) on the complete sequence");
        }
        if (isTraining() && config.dropout() > 0) {
            throw new IllegalStateException(torchName() + "." + op + ": the module is in training mode with dropout="
                    + config.dropout() + "; a stream runs inference: call eval() first");
        }
    }

    /** One step through every layer: {@link Recurrence#runChunk} with a chunk of one time step. */
    private void runStep(Tensor x, StreamState s, float[] dst, int dstOff) {
        float[] in = readValues(x);
        int inOff = readOffset(x);
        Recurrence.Group[] groups = Recurrence.prepare(this);   // repacked only after a parameter write
        int layers = config.numLayers();
        int hOut = config.outputHiddenSize();
        for (int layer = 0; layer < layers; layer++) {
            boolean top = layer == layers - 1;
            float[] d = top ? dst : s.layerBufs[layer & 1];
            int dOff = top ? dstOff : 0;
            Recurrence.runChunk(this, groups[layer], s.lanes[layer], 0, in, inOff, 1, s.batch, s.scratch, d, dOff,
                    hOut);
            in = d;
            inOff = dOff;
        }
    }

    // ------------------------------------------------------------------------------ validation

    /** PyTorch's class name for messages: "RNN", "LSTM" or "GRU". */
    abstract String torchName();

    /** Rank check for {@code forward} (batched, 3-D) or {@code forwardUnbatched} (2-D). */
    final void checkInputRank(Tensor input, boolean batched) {
        Objects.requireNonNull(input, "input");
        int rank = input.dim();
        if (batched && rank != 3) {
            String layout = config.batchFirst() ? "(N, L, H_in)" : "(L, N, H_in)";
            String hint = rank == 2 ? "; a single unbatched sequence (L, H_in) goes through forwardUnbatched(...)" : "";
            throw new IllegalArgumentException(torchName() + ": Expected input to be 3D " + layout + ", got " + rank
                    + "D tensor instead" + hint);
        }
        if (!batched && rank != 2) {
            String hint = rank == 3 ? "; a batch of sequences goes through forward(...)" : "";
            throw new IllegalArgumentException(torchName() + ": Expected unbatched input to be 2D (L, H_in), got "
                    + rank + "D tensor instead" + hint);
        }
    }

    /** Feature-size check, PyTorch's {@code check_input}. */
    final void checkInputSize(Tensor input) {
        int got = input.size(-1);
        if (got != config.inputSize()) {
            throw new IllegalArgumentException("input.size(-1) must be equal to input_size. Expected "
                    + config.inputSize() + ", got " + got);
        }
    }

    /** {@return the expected h_0 shape: {@code (D·num_layers, N, width)}, or {@code (D·num_layers, width)} unbatched} */
    final int[] expectedHiddenShape(int batch, boolean batched, int width) {
        int rows = config.numLayers() * config.numDirections();
        return batched ? new int[] {rows, batch, width} : new int[] {rows, width};
    }

    /**
     * PyTorch's {@code check_hidden_size}: rank first (its "For batched 3-D input, hx should also be 3-D"
     * message), then the full shape. Adds a hint when the given state looks batch-first.
     */
    final void checkHidden(Tensor hx, int[] expected, boolean batched, String label) {
        checkHiddenRank(hx, batched);
        if (!sameShape(hx, expected)) {   // no shape clone on the way through
            int[] got = hx.shape();
            String msg = "Expected " + label + " size " + tuple(expected) + ", got " + Arrays.toString(got);
            if (batched && got[0] == expected[1] && got[1] == expected[0] && got[2] == expected[2]) {
                msg += "; note: the hidden state is (num_layers * num_directions, batch, hidden_size) regardless of"
                        + " batch_first";
            }
            throw new IllegalArgumentException(msg);
        }
    }

    /** {@return whether {@code t} has exactly the shape {@code shape}}, without copying its shape */
    static boolean sameShape(Tensor t, int[] shape) {
        if (t.dim() != shape.length) {
            return false;
        }
        for (int d = 0; d < shape.length; d++) {
            if (t.size(d) != shape[d]) {
                return false;
            }
        }
        return true;
    }

    /** The rank half of {@link #checkHidden}; PyTorch checks it before the input size. */
    static void checkHiddenRank(Tensor hx, boolean batched) {
        int rank = hx.dim();
        if (batched && rank != 3) {
            throw new IllegalArgumentException("For batched 3-D input, hx should also be 3-D but got " + rank
                    + "-D tensor");
        }
        if (!batched && rank != 2) {
            throw new IllegalArgumentException("For unbatched 2-D input, hx should also be 2-D but got " + rank
                    + "-D tensor");
        }
    }

    static String tuple(int[] shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                s.append(", ");
            }
            s.append(shape[i]);
        }
        return s.append(shape.length == 1 ? ",)" : ")").toString();
    }

    final void checkSequenceLength(int length) {
        if (length == 0) {
            throw new IllegalArgumentException("Expected sequence length to be larger than 0 in RNN");
        }
    }

    // ------------------------------------------------------------------------------ variable-length batches

    /** Checks a packed input: PyTorch's {@code input must have 2 dimensions, got k} and the feature size. */
    final PackedLayout checkPacked(PackedSequence input) {
        Objects.requireNonNull(input, "input");
        Tensor data = input.dataView();
        if (data.dim() != 2) {
            throw new IllegalArgumentException("input must have 2 dimensions, got " + data.dim());
        }
        checkInputSize(data);
        return PackedLayout.ofPacked(input);
    }

    /**
     * Checks a padded batch with lengths (rank, feature size, then the lengths with
     * {@link RnnUtils#packPaddedSequence}'s messages, any order allowed, each {@code ≤ L}).
     */
    final PackedLayout checkPadded(Tensor input, int[] lengths) {
        checkInputRank(input, true);
        Objects.requireNonNull(lengths, "lengths");
        checkInputSize(input);
        boolean bf = config.batchFirst();
        int steps = input.size(bf ? 1 : 0);
        int batch = input.size(bf ? 0 : 1);
        int[] order = RnnUtils.checkLengths(input, lengths, batch, steps, false);
        return PackedLayout.ofPadded(lengths, order, bf, steps);
    }

    /**
     * The forward of a variable-length batch (RNN, GRU, LSTM): states validated in the caller's order
     * before any permutation (expected batch = number of sequences), then sorted, run with the
     * per-step alive rows only, and {@code h_n}/{@code c_n} put back in the caller's order.
     *
     * <p>Memory: the arrays come from the record's recycled buffers (training) or the module's evaluation
     * buffers, so a steady stream of calls of one shape allocates only the returned arrays and the layout's
     * small index arrays. An evaluation call holds the internal input {@code (T_max, N, H_in)}, every
     * layer's output {@code (T_max, N, D·H_out)} and the gates of one projection chunk
     * ({@link #layoutChunk}); unlike the dense engine ({@link Recurrence}) it is not independent of
     * {@code T_max}.
     *
     * @param input the external input (packed data {@code (Σ lengths, H_in)} or the padded batch)
     * @param h0 {@code (D·num_layers, N, H_out)} original order, or null; not modified
     * @param c0 LSTM {@code (D·num_layers, N, H)} original order, or null; not modified
     * @return {@code {output (external layout), h_n, c_n (LSTM; else null)}} and the record (training)
     */
    final VariableRun runVariable(PackedLayout lay, Tensor input, Tensor h0, Tensor c0) {
        boolean lstm = config.mode() == Mode.LSTM;
        int hOut = config.outputHiddenSize();
        int hidden = config.hiddenSize();
        int[] hShape = expectedHiddenShape(lay.batch, true, hOut);
        int[] cShape = expectedHiddenShape(lay.batch, true, hidden);
        if (h0 != null) {
            checkHidden(h0, hShape, true, lstm ? "hidden[0]" : "hidden");
        }
        if (c0 != null) {
            checkHidden(c0, cShape, true, "hidden[1]");
        }
        int groups = hShape[0];
        int batch = lay.batch;
        ForwardRecord record = isTraining() ? new ForwardRecord(this, lay.steps, batch, false, false, null) : null;
        // the record's recycled arrays, or the module's evaluation buffers: nothing below allocates per call
        // but the returned arrays (every array taken here is overwritten whole, so none is zero-filled)
        ForwardRecord.Buffers buf = record != null ? record.buffers : takeEvalBuffers();
        try {
            float[] h0s = null;
            float[] c0s = null;
            if (h0 != null) {
                h0s = buf.floats(ForwardRecord.H0, 0, groups * batch * hOut, false);
                lay.sortState(h0, groups, hOut, h0s);
            }
            if (c0 != null) {
                c0s = buf.floats(ForwardRecord.C0, 0, groups * batch * hidden, false);
                lay.sortState(c0, groups, hidden, c0s);
            }
            float[] hN = buf.floats(ForwardRecord.HN, 0, groups * batch * hOut, false);
            float[] cN = lstm ? buf.floats(ForwardRecord.CN, 0, groups * batch * hidden, false) : null;
            float[] xs = buf.floats(ForwardRecord.X, 0, lay.steps * batch * config.inputSize(), false);
            lay.toInternal(input, config.inputSize(), xs);
            float[] out;
            if (record == null) {
                out = runLayers(xs, lay.steps, batch, h0s, c0s, hN, cN, null, lay, buf);
            } else {
                record.h0 = h0s;
                record.c0 = c0s;
                record.layout = lay;
                enterTraining("training-mode forward");
                try {
                    out = runLayers(xs, lay.steps, batch, h0s, c0s, hN, cN, record, lay, buf);
                } finally {
                    exitTraining();
                }
            }
            Tensor output = lay.toExternal(out, config.numDirections() * hOut);
            Tensor hNt = TensorAccess.wrap(lay.unsortState(hN, groups, hOut), hShape);
            Tensor cNt = lstm ? TensorAccess.wrap(lay.unsortState(cN, groups, hidden), cShape) : null;
            return new VariableRun(output, hNt, cNt, record);
        } finally {
            if (record == null) {
                putEvalBuffers(buf);
            }
        }
    }

    /** {@return the module's evaluation buffers, taken out for one call, or new ones when another call has them} */
    private ForwardRecord.Buffers takeEvalBuffers() {
        ForwardRecord.Buffers b = spareEvalBuffers.getAndSet(null);
        return b != null ? b : new ForwardRecord.Buffers();
    }

    /** Gives evaluation buffers back for the next call, unless they hold more than {@link Recurrence#RETAIN_FLOATS}. */
    private void putEvalBuffers(ForwardRecord.Buffers b) {
        if (b.floatCount() <= Recurrence.RETAIN_FLOATS) {
            spareEvalBuffers.set(b);
        }
    }

    /** The result of {@link #runVariable}. */
    static final class VariableRun {
        final Tensor output;   // packed data (Σ lengths, D·H_out), or padded in the input's layout
        final Tensor hN;       // (D·num_layers, N, H_out), original order
        final Tensor cN;       // LSTM (D·num_layers, N, H), original order; else null
        final ForwardRecord record;

        VariableRun(Tensor output, Tensor hN, Tensor cN, ForwardRecord record) {
            this.output = output;
            this.hN = hN;
            this.cN = cN;
            this.record = record;
        }
    }

    // ------------------------------------------------------------------------------ single-state entry points

    /**
     * The forward of the modes whose state is one tensor (RNN, GRU), after the input rank was checked:
     * PyTorch's check order (hx rank, input size, hx shape, sequence length), then the engine.
     */
    final RNNOutput runSingleState(Tensor input, Tensor h0, boolean batched) {
        if (h0 != null) {
            checkHiddenRank(h0, batched);
        }
        checkInputSize(input);
        boolean bf = batched && config.batchFirst();
        int seqLen = input.size(bf ? 1 : 0);
        int batch = batched ? input.size(bf ? 0 : 1) : 1;
        int[] hShape = expectedHiddenShape(batch, batched, config.hiddenSize());
        if (h0 != null) {
            checkHidden(h0, hShape, batched, "hidden");
        }
        checkSequenceLength(seqLen);
        Tensor timeMajor = bf ? input.transpose(0, 1) : input;
        float[] hN = new float[hShape[0] * batch * config.hiddenSize()];
        int dh = config.numDirections() * config.hiddenSize();
        if (!isTraining()) {
            float[] out = runInference(timeMajor, seqLen, batch, h0, null, hN, null, bf);
            Tensor output = batched ? TensorAccess.wrap(out, bf ? batch : seqLen, bf ? seqLen : batch, dh)
                    : TensorAccess.wrap(out, seqLen, dh);
            return new RNNOutput(output, TensorAccess.wrap(hN, hShape), config.numLayers(), config.numDirections(),
                    null);
        }
        ForwardRecord record = new ForwardRecord(this, seqLen, batch, !batched, bf, null);
        float[] h0Values = h0 == null ? null : record.buffers.copy(ForwardRecord.H0, 0, h0);   // a recycled copy
        record.h0 = h0Values;
        float[] out;
        enterTraining("training-mode forward");
        try {
            out = runLayers(record.buffers.copy(ForwardRecord.X, 0, timeMajor), seqLen, batch, h0Values, hN, record);
        } finally {
            exitTraining();
        }
        Tensor output = batched ? outputTensor(out, record, seqLen, batch, dh) : outputTensor(out, record, seqLen, dh);
        if (bf) {
            output = output.transpose(0, 1).contiguous();
        }
        return new RNNOutput(output, TensorAccess.wrap(hN, hShape), config.numLayers(), config.numDirections(), record);
    }

    /** The packed forward of the single-state modes. */
    final PackedRNNOutput runPackedSingleState(PackedSequence input, Tensor h0) {
        PackedLayout lay = checkPacked(input);
        VariableRun r = runVariable(lay, input.dataView(), h0, null);
        return new PackedRNNOutput(input.withData(r.output),
                new RNNOutput(r.output, r.hN, config.numLayers(), config.numDirections(), r.record));
    }

    /** The padded-plus-lengths forward of the single-state modes. */
    final RNNOutput runLengthsSingleState(Tensor input, int[] lengths, Tensor h0) {
        PackedLayout lay = checkPadded(input, lengths);
        VariableRun r = runVariable(lay, input, h0, null);
        return new RNNOutput(r.output, r.hN, config.numLayers(), config.numDirections(), r.record);
    }

    // ------------------------------------------------------------------------------ forward engine

    /**
     * The inference forward (no record) of a dense input: {@link Recurrence#forward}, reading a contiguous
     * input and initial state in place (no copy); a non-contiguous input (a batch-first input's time-major
     * view) or initial state is copied into the module's workspace, so it too allocates nothing per call.
     * Memory beyond the returned output is {@code O(N·H·layers)} for a unidirectional module (see {@link Recurrence}); a steady stream of same-shape calls allocates
     * only the returned arrays (the module keeps its {@link Recurrence.Workspace}).
     *
     * @param timeMajor {@code (L, N, H_in)} (or {@code (L, H_in)} unbatched); not modified
     * @param h0 {@code (D·num_layers, N, H_out)} (any view), or null for zeros; not modified
     * @param c0 LSTM {@code (D·num_layers, N, H)} (any view), or null; not modified
     * @param batchFirstOut whether to return {@code (N, L, D·H_out)} instead of {@code (L, N, D·H_out)}
     * @return a new array the caller owns
     */
    final float[] runInference(Tensor timeMajor, int seqLen, int batch, Tensor h0, Tensor c0, float[] hN,
                               float[] cN, boolean batchFirstOut) {
        if (checkFinite) {   // the check scans whole layer outputs: the unchunked path, O(T) memory
            ForwardRecord.Buffers buf = takeEvalBuffers();
            // a contiguous time-major input is read in place (runLayers never writes its input)
            float[] x = timeMajor.isContiguous() && TensorAccess.offset(timeMajor) == 0
                    ? TensorAccess.storage(timeMajor) : timeMajor.toArray();
            float[] out = runLayers(x, seqLen, batch, h0 == null ? null : h0.toArray(),
                    c0 == null ? null : c0.toArray(), hN, cN, null, null, buf);
            putEvalBuffers(buf);
            if (!batchFirstOut) {
                return out;
            }
            int dh = out.length / Math.max(1, seqLen * batch);
            return TensorAccess.wrap(out, seqLen, batch, dh).transpose(0, 1).toArray();
        }
        return Recurrence.forward(this, timeMajor, seqLen, batch, h0, c0, hN, cN, batchFirstOut);
    }

    /**
     * The input projection of one chunk of a dense forward, in processing order: step {@code s} (the
     * chunk's first processed step) and up to {@code chunk} steps after it, which are
     * {@code [s, s + steps)} forward and {@code [L − s − steps, L − s)} in reverse. Writes
     * {@code gates[t] = x[t]·W_ihᵀ (+ bias)} for those steps; each element gets the bits of the
     * whole-sequence product (see {@link Recurrence}). Computing the gates a chunk ahead, instead of
     * all {@code L} at once, keeps them in cache for the recurrent GEMM that adds onto them.
     *
     * @param x the layer input {@code (L, N, in)}; not modified
     * @param bias {@code (G)} or null; not modified
     * @param gates {@code (L, N, G)}; the chunk's rows are written
     * @param adder adds the bias, split over threads when the chunk is big enough
     */
    static void projectChunk(int dir, int s, int chunk, int seqLen, int batch, float[] x, int in, PackedB wihT,
                             float[] bias, float[] gates, int g, BiasAdd adder) {
        int steps = Math.min(chunk, seqLen - s);
        int t0 = chunkStart(dir, s, steps, seqLen);
        int rows = steps * batch;
        Kernels.sgemmPacked(rows, 1f, x, t0 * batch * in, in, wihT, 0f, gates, t0 * batch * g, g);
        if (bias != null) {
            adder.add(gates, t0 * batch * g, bias, rows, g);
        }
    }

    /**
     * The input projection of a forward over a {@link PackedLayout} for the time steps {@code [t0, t0 + steps)}:
     * {@code gates = X·W_ihᵀ (+ bias)} on their live (row, step) pairs; rows past a sequence's length are
     * never read. Below {@link PackedLayout#PER_STEP_FILL} one GEMM per step over its alive rows, else one
     * GEMM over all the steps' rows (padding rows included, harmless). Each element gets the bits of the
     * whole-sequence product, whatever the range (as {@link #projectChunk}).
     *
     * @param x the layer input {@code (L, N, in)}; not modified
     * @param wihT {@code W_ihᵀ (in, G)} packed; not modified
     * @param bias {@code (G)} or null; not modified
     * @param gates receives step {@code t} at {@code gOff + (t − t0)·N·G}; modified
     */
    static void projectLayout(PackedLayout layout, float[] x, int in, PackedB wihT, float[] bias, int t0, int steps,
                              int batch, int g, float[] gates, int gOff) {
        if (layout.perStep) {
            for (int t = t0; t < t0 + steps; t++) {
                Kernels.sgemmPacked(layout.batchSize(t), 1f, x, t * batch * in, in, wihT, 0f, gates,
                        gOff + (t - t0) * batch * g, g);
            }
        } else {
            Kernels.sgemmPacked(steps * batch, 1f, x, t0 * batch * in, in, wihT, 0f, gates, gOff, g);
        }
        if (bias == null) {
            return;
        }
        for (int t = t0; t < t0 + steps; t++) {
            Kernels.addRows(gates, gOff + (t - t0) * batch * g, bias, 0, layout.batchSize(t), g);
        }
    }

    /**
     * {@return the first time step of processing chunk {@code [s, s + steps)}}: {@code s} forward,
     * {@code L − s − steps} in reverse (the chunk's steps are then processed from its last one)
     */
    static int chunkStart(int dir, int s, int steps, int seqLen) {
        return dir == 0 ? s : seqLen - s - steps;
    }

    /**
     * {@return the output tensor over the engine's array, wrapped without a copy}. After a training forward
     * the record keeps the same array for backward, so it also keeps the tensor and its version: backward
     * refuses to run after an in-place write ({@link ForwardRecord#checkSavedOutput}).
     */
    static Tensor outputTensor(float[] out, ForwardRecord record, int... shape) {
        Tensor t = TensorAccess.wrap(out, shape);
        if (record != null) {
            record.savedOutput = t;
            record.savedOutputVersion = t.version();
        }
        return t;
    }

    /**
     * Runs every layer and direction of a training forward over a dense time-major input.
     *
     * @param x input values {@code (L, N, H_in)} row-major, not modified
     * @param h0 initial states {@code (D·num_layers, N, H)} row-major, or null for zeros; not modified
     * @param hN receives the final states {@code (D·num_layers, N, H)}; modified
     * @param record receives the arrays backward needs (the very arrays computed here: no copies); modified
     * @return the top layer's output {@code (L, N, D·H)} row-major
     */
    final float[] runLayers(float[] x, int seqLen, int batch, float[] h0, float[] hN, ForwardRecord record) {
        return runLayers(x, seqLen, batch, h0, null, hN, null, record);
    }

    /**
     * {@link #runLayers(float[], int, int, float[], float[], ForwardRecord)} with the LSTM cell state:
     * {@code c0} {@code (D·num_layers, N, H)} or null for zeros (not modified), {@code cN} receives the
     * final cell states (modified; null for RNN and GRU). States {@code h} are {@code H_out} wide.
     */
    final float[] runLayers(float[] x, int seqLen, int batch, float[] h0, float[] c0, float[] hN, float[] cN,
                            ForwardRecord record) {
        return runLayers(x, seqLen, batch, h0, c0, hN, cN, record, null, record.buffers);
    }

    /**
     * The general form: with a {@link PackedLayout} the batch is sorted by decreasing length, {@code x}
     * is in its internal layout {@code (T_max, N, H_in)} (zero rows past each length) and, at step
     * {@code t}, only the first {@code batchSizes[t]} rows are computed (the per-step GEMM runs over those
     * rows only); the other rows of {@code out} stay zero. Each sequence's final state is its state at
     * its own last step (forward) or after {@code t = 0} (reverse, which starts each sequence at its own
     * last element from its {@code h_0} row). States are in sorted order here.
     *
     * <p>In evaluation mode ({@code record} null) the weights are the packed ones of {@link Recurrence#prepare},
     * kept between calls; in training mode they are packed into the record's buffers.
     *
     * @param record null in evaluation mode (nothing is kept); in training mode it receives the arrays
     *     backward needs (the very arrays computed here: no copies); modified
     * @param buf where the arrays of the call come from: the record's buffers when recording, else the
     *     caller's evaluation buffers; with a layout, the top layer's output is one of them
     */
    final float[] runLayers(float[] x, int seqLen, int batch, float[] h0, float[] c0, float[] hN, float[] cN,
                            ForwardRecord record, PackedLayout layout, ForwardRecord.Buffers buf) {
        int dirs = config.numDirections();
        int hidden = config.hiddenSize();
        int g = config.gateSize();
        int dh = dirs * config.outputHiddenSize();
        boolean dropping = isTraining() && config.dropout() > 0;
        boolean check = checkFinite;
        if (check) {
            FiniteCheck.inputs(config, x, seqLen, batch, h0, c0, layout);
        }
        float[] layerIn = x;
        // (L, N, G) workspace, or (chunk, N, G) for the chunked projection of a layout's evaluation forward;
        // LSTM/GRU training forwards keep one per layer-direction in the record instead
        int layoutChunk = layoutChunk(config, record, seqLen, batch);
        float[] gates = record != null && !config.mode().isPlainRnn() ? null
                : takeGates((layout == null ? seqLen : layoutChunk) * batch * g);
        Recurrence.Group[] prepared = record == null ? Recurrence.prepare(this) : null;
        float[] zeros = h0 == null ? buf.floats(ForwardRecord.ZEROS, 0, batch * hidden) : null;  // (N, H)
        for (int layer = 0; layer < config.numLayers(); layer++) {
            int inSize = config.layerInputSize(layer);
            // (L, N, D·H); the top layer's is the returned output, never a recycled array, unless the caller
            // copies it out: transposed when returned batch-first (then only the record reads it), or to the
            // external layout of a variable-length batch
            boolean recycled = layer < config.numLayers() - 1 || record != null && record.batchFirst || layout != null;
            // without a record a layer's output is read only by the layer above, so two arrays take turns
            // (two (L, N, D·H) arrays, not one per layer); backward reads every layer's
            int slot = record == null ? layer % 2 : layer;
            float[] out = recycled
                    ? buf.floats(ForwardRecord.OUT, slot, seqLen * batch * dh) : new float[seqLen * batch * dh];
            for (int dir = 0; dir < dirs; dir++) {
                int grp = layer * dirs + dir;
                if (!config.mode().isPlainRnn()) {   // LSTM, GRU
                    GatedLayers.forwardDirection(this, layer, dir, layerIn, seqLen, batch, h0, c0, out, hN, cN,
                            gates, record, layout, buf, prepared == null ? null : prepared[grp]);
                    continue;
                }
                PackedB whh;    // W_hhᵀ (H, G)
                PackedB wihT;   // W_ihᵀ (in, G)
                float[] b;      // (G) b_ih + b_hh, or null
                if (prepared != null) {
                    whh = prepared[grp].whhT;
                    wihT = prepared[grp].wihT;
                    b = prepared[grp].bias;
                } else {
                    float[] wih = ForwardRecord.weight(record, buf, ForwardRecord.WIH, grp, weightIh[grp].data());      // (G, in)
                    float[] whhRows = ForwardRecord.weight(record, buf, ForwardRecord.WHH, grp, weightHh[grp].data());  // (G, H)
                    whh = buf.packedTransposed(ForwardRecord.PACKED_WHH, grp, whhRows, g, hidden);
                    wihT = buf.packedTransposed(ForwardRecord.PACKED_WIH, grp, wih, g, inSize);
                    b = null;
                    if (config.bias()) {
                        float[] bih = buf.copy(ForwardRecord.BIH, grp, biasIh[grp].data());
                        float[] bhh = buf.copy(ForwardRecord.BHH, grp, biasHh[grp].data());
                        b = buf.floats(ForwardRecord.BIAS, grp, g);
                        for (int j = 0; j < g; j++) {
                            b[j] = bih[j] + bhh[j];
                        }
                    }
                }
                if (layout != null) {
                    // Per-sequence state rows (N, H): row n is read at each of its steps and left alone
                    // after its last one, so the array ends as h_n in both directions.
                    float[] state = buf.floats(ForwardRecord.STATE_H, 0, batch * hidden);
                    if (h0 != null) {
                        System.arraycopy(h0, grp * batch * hidden, state, 0, batch * hidden);
                    }
                    StepMath math = buf.stepMath(config);
                    int t0 = 0;
                    for (int s = 0; s < seqLen; s++) {
                        int t = dir == 0 ? s : seqLen - 1 - s;
                        if (s % layoutChunk == 0) {   // A = X·W_ihᵀ (+ b), a chunk of steps ahead
                            int steps = Math.min(layoutChunk, seqLen - s);
                            t0 = chunkStart(dir, s, steps, seqLen);
                            projectLayout(layout, layerIn, inSize, wihT, b, t0, steps, batch, g, gates, 0);
                        }
                        int m = layout.batchSize(t);
                        int gOff = (t - t0) * batch * g;
                        Kernels.sgemmPacked(m, 1f, state, 0, hidden, whh, 1f, gates, gOff, g);
                        int outOff = t * batch * dh + dir * hidden;
                        math.rnn(m, gates, gOff, out, outOff, dh);   // the dense step's math, over the alive rows
                        for (int n = 0; n < m; n++) {
                            System.arraycopy(out, outOff + n * dh, state, n * hidden, hidden);
                        }
                    }
                    System.arraycopy(state, 0, hN, grp * batch * hidden, batch * hidden);
                    continue;
                }
                float[] hPrev = h0 == null ? zeros : h0;
                int hOff = h0 == null ? 0 : grp * batch * hidden;
                int ldh = hidden;
                // A = X·W_ihᵀ (+ b_ih + b_hh), one chunk of steps ahead of the recurrence
                int chunk = Recurrence.chunkSteps(config, seqLen, batch);
                StepMath math = buf.stepMath(config);
                for (int s = 0; s < seqLen; s++) {
                    int t = dir == 0 ? s : seqLen - 1 - s;
                    if (s % chunk == 0) {
                        projectChunk(dir, s, chunk, seqLen, batch, layerIn, inSize, wihT, b, gates, g, buf.biasAdd());
                    }
                    int gOff = t * batch * g;
                    Kernels.sgemmPacked(batch, 1f, hPrev, hOff, ldh, whh, 1f, gates, gOff, g);
                    int outOff = t * batch * dh + dir * hidden;
                    math.rnn(batch, gates, gOff, out, outOff, dh);
                    hPrev = out;
                    hOff = outOff;
                    ldh = dh;
                }
                for (int n = 0; n < batch; n++) {
                    System.arraycopy(hPrev, hOff + n * ldh, hN, (grp * batch + n) * hidden, hidden);
                }
            }
            if (check) {
                FiniteCheck.layerOutput(config, layer, out, seqLen, batch, layout);
            }
            if (record != null) {
                record.inputs[layer] = layerIn;
                record.outputs[layer] = out;
            }
            if (dropping && layer < config.numLayers() - 1) {
                if (record != null) {
                    // Backward needs the pre-dropout output (activation derivative, recurrent input)
                    // and the mask; the next layer reads the dropped copy.
                    boolean[] keep = record.buffers.mask(layer, out.length);
                    float[] dropped = record.buffers.floats(ForwardRecord.DROPPED, layer, out.length);
                    applyDropout(out, dropped, keep);
                    record.keep[layer] = keep;
                    out = dropped;
                } else {
                    applyDropout(out, out, null);
                }
            }
            layerIn = out;
        }
        if (gates != null) {
            spareGates.set(gates);   // nothing kept a reference: the record holds outputs, not gates
        }
        if (check) {
            FiniteCheck.finalStates(config, hN, cN, batch, layout);
        }
        return layerIn;
    }

    /**
     * {@return the steps per projection chunk of a forward over a layout}: {@link Recurrence#chunkSteps} in
     * evaluation mode, where the gates need not outlive their step; all {@code L} when recording (backward
     * reads every step's gates)
     */
    static int layoutChunk(RNNConfig c, ForwardRecord record, int seqLen, int batch) {
        return record != null ? seqLen : Recurrence.chunkSteps(c, seqLen, batch);
    }

    /**
     * {@return a {@code (L, N, G)} gate workspace of at least {@code n} floats}: the one the last forward of
     * {@link #runLayers} left (training forwards of one shape then allocate no new one), or a new array.
     * Taken out of the module for the call, so concurrent check-mode evaluation forwards never share one.
     */
    private float[] takeGates(int n) {
        float[] g = spareGates.getAndSet(null);
        return g != null && g.length >= n && g.length <= 2L * n ? g : new float[n];
    }

    /**
     * Inverted dropout: zero with probability p, else scale by 1/(1−p); p = 1 gives zeros.
     *
     * @param src not modified (unless it is {@code dst})
     * @param dst modified; may be {@code src} (in place)
     * @param keep null, or receives which elements were kept; modified
     */
    void applyDropout(float[] src, float[] dst, boolean[] keep) {
        float p = (float) config.dropout();
        if (p >= 1f) {
            Arrays.fill(dst, 0f);
            return;   // keep stays all false
        }
        float scale = dropoutScale();
        for (int i = 0; i < src.length; i++) {
            boolean kept = !(dropoutGenerator.nextFloat() < p);
            dst[i] = kept ? src[i] * scale : 0f;
            if (keep != null) {
                keep[i] = kept;
            }
        }
    }

    /** {@return 1/(1−p), the factor applied to kept elements (unused when p = 1)} */
    float dropoutScale() {
        return (float) (1.0 / (1.0 - config.dropout()));
    }

    /**
     * Dropout backward in place with the forward's mask: {@code grad[i] = keep[i] ? grad[i]/(1−p) : 0}.
     *
     * @param keep the forward's keep mask, or null when no dropout was applied (then nothing changes)
     * @param grad the gradient w.r.t. the dropped values; modified
     */
    final void dropoutBackward(boolean[] keep, float[] grad, int n) {
        if (keep == null) {
            return;
        }
        float scale = dropoutScale();
        for (int i = 0; i < n; i++) {
            grad[i] = keep[i] ? grad[i] * scale : 0f;
        }
    }

    // ------------------------------------------------------------------------------ backward (BPTT)

    /**
     * Backprop-through-time for one recorded forward (see {@link RNNOutput#backward}): accumulates into
     * every parameter's gradient and returns the gradients of the input and of {@code h_0}.
     *
     * <p>Per layer (top down) and direction: the per-step loop computes
     * {@code dA_t = (dOut_t + dh_t) ⊙ φ'(h_t)} and {@code dh_{t−1} = dA_t·W_hh} (the only per-step
     * work: one {@code (N, G)·(G, H)} GEMM against a packed {@code W_hh}); then, batched over all
     * {@code L·N} rows, {@code dW_ih += dAᵀ·X}, {@code dW_hh += dAᵀ·H_prev} (one GEMM over the
     * {@code (L−1)·N} rows whose previous state is an output row, one over the {@code N} rows whose
     * previous state is {@code h_0}), {@code db_ih += Σ dA}, {@code db_hh += Σ dA}, and
     * {@code dX = dA·W_ih} (one GEMM, both directions accumulate). Layer {@code k}'s {@code dX},
     * through the dropout mask, is layer {@code k−1}'s output gradient.
     */
    final RNNGradients backward(ForwardRecord r, Tensor gradOutput, Tensor gradHn, Tensor output, Tensor hN) {
        if (!config.mode().isPlainRnn()) {   // GRU (LSTM calls GatedLayers.backward with its cell state)
            Tensor[] g = GatedLayers.backward(this, r, gradOutput, gradHn, null, output, hN, null);
            return new RNNGradients(g[0], g[1]);
        }
        if (r.released()) {
            throw new IllegalStateException("backward was already called for this forward and its saved activations"
                    + " are freed (PyTorch: \"Trying to backward through the graph a second time\"); run a new"
                    + " forward. For truncated BPTT pass the previous chunk's hN() as the next chunk's h0: it"
                    + " carries no graph");
        }
        r.checkSavedOutput();
        r.checkSavedWeights();
        checkGradShape("gradOutput", gradOutput, output, "output");
        checkGradShape("gradHn", gradHn, hN, "h_n");
        int seqLen = r.seqLen;
        int batch = r.batch;
        int dirs = config.numDirections();
        int hidden = config.hiddenSize();
        int g = config.gateSize();
        int dh = dirs * hidden;
        int rows = seqLen * batch;
        int layers = config.numLayers();
        BackwardWorkspace ws = workspace;
        if (ws == null || ws.seqLen != seqLen || ws.batch != batch) {
            ws = new BackwardWorkspace(config, seqLen, batch);
            workspace = ws;
        }
        float[] dCur = ws.dOutA;   // gradient of the current layer's output (L, N, D·H)
        float[] dIn = ws.dOutB;    // gradient of the current layer's input (L, N, in_k)
        PackedLayout lay = r.layout;
        loadOutputGradient(r, gradOutput, dCur, dh);
        float[] gh;    // (D·layers, N, H) from ghOff
        int ghOff = 0;
        if (lay != null && gradHn != null) {   // sorted, into the record's buffers
            gh = r.buffers.floats(ForwardRecord.GRAD_HN, 0, layers * dirs * batch * hidden, false);
            lay.sortState(gradHn, layers * dirs, hidden, gh);
        } else {
            gh = readValues(gradHn);
            ghOff = readOffset(gradHn);
        }
        // (D·layers, N, H), every row written; returned as it is, or in the caller's order for a layout
        float[] dH0 = lay != null ? r.buffers.floats(ForwardRecord.GRAD_H0, 0, layers * dirs * batch * hidden, false)
                : new float[layers * dirs * batch * hidden];
        float[] dA = ws.dA;
        float[] dhRun = ws.dh;
        for (int layer = layers - 1; layer >= 0; layer--) {
            int in = config.layerInputSize(layer);
            float[] x = r.inputs[layer];
            float[] out = r.outputs[layer];
            for (int dir = 0; dir < dirs; dir++) {
                int grp = layer * dirs + dir;
                if (gh == null) {
                    Arrays.fill(dhRun, 0f);
                } else {
                    System.arraycopy(gh, ghOff + grp * batch * hidden, dhRun, 0, batch * hidden);
                }
                PackedB whh = r.buffers.packedRows(ForwardRecord.PACKED_WHH_ROWS, grp, r.weightHh[grp], g, hidden);  // W_hh (G, H) packed
                if (lay != null) {
                    Arrays.fill(dA, 0, rows * g, 0f);   // rows past a sequence's length stay 0
                }
                for (int s = 0; s < seqLen; s++) {
                    int t = dir == 0 ? seqLen - 1 - s : s;
                    int m = lay == null ? batch : lay.batchSize(t);
                    ws.stepGrad.rnn(m, batch, t, dhRun, dCur, out, t * batch * dh + dir * hidden, dh, dA);
                    Kernels.sgemmPacked(m, 1f, dA, t * batch * g, g, whh, 0f, dhRun, 0, hidden);
                }
                System.arraycopy(dhRun, 0, dH0, grp * batch * hidden, batch * hidden);

                // dW_ih = dAᵀ·X over all L·N rows.
                float[] dWih = ws.dWih[layer];
                if (lay != null && lay.perStep) {
                    gradWeightAlive(lay, g, in, dA, x, dWih);
                    accumulate(weightIh[grp], dWih);
                } else {
                    accumulateProduct(weightIh[grp], g, in, rows, dA, 0, g, x, 0, in, dWih);
                }
                // dW_hh = Σ_t dA_tᵀ·h_prev(t): the rows whose previous state is an output row are
                // contiguous (t ≥ 1 forward, t ≤ L−2 reverse), then the first processed step reads h_0.
                int prevRows = (seqLen - 1) * batch;
                int dAOut = dir == 0 ? batch * g : 0;
                int hOut = (dir == 0 ? 0 : batch * dh) + dir * hidden;
                int dAFirst = dir == 0 ? 0 : prevRows * g;
                if ((lay == null || !lay.perStep) && r.h0 == null) {   // no h_0 term: the product is the whole gradient
                    accumulateProduct(weightHh[grp], g, hidden, prevRows, dA, dAOut, g, out, hOut, dh, ws.dWhh);
                } else {
                    if (lay != null && lay.perStep) {
                        gradRecurrentAlive(lay, dir, g, hidden, dh, dA, out, ws.dWhh);
                    } else {
                        Kernels.sgemm(true, false, g, hidden, prevRows, 1f, dA, dAOut, g, out, hOut, dh,
                                0f, ws.dWhh, 0, hidden);
                    }
                    if (r.h0 != null) {
                        addH0Term(lay, dir, seqLen, batch, g, hidden, dA, dAFirst, r.h0, grp, ws.dWhh);
                    }
                    accumulate(weightHh[grp], ws.dWhh);
                }
                if (config.bias()) {
                    Kernels.columnSums(dA, rows, g, ws.acc, ws.dBias);
                    accumulate(biasIh[grp], ws.dBias);
                    accumulate(biasHh[grp], ws.dBias);
                }
                // dX = dA·W_ih; the second direction adds to the first. Layer 0's dX is the input
                // gradient: skipped when the caller did not ask for it.
                if (layer == 0 && !r.inputGradient) {
                    continue;
                }
                if (lay != null && lay.perStep) {
                    gradInputAlive(lay, g, in, dA, r.weightIh[grp], dir == 0 ? 0f : 1f, dIn);
                } else {
                    Kernels.sgemm(false, false, rows, in, g, 1f, dA, 0, g, r.weightIh[grp], 0, in,
                            dir == 0 ? 0f : 1f, dIn, 0, in);
                }
            }
            if (layer > 0) {
                dropoutBackward(r.keep[layer - 1], dIn, rows * in);
            }
            float[] tmp = dCur;
            dCur = dIn;
            dIn = tmp;
        }
        RNNGradients grads = new RNNGradients(r.inputGradient ? inputGradient(r, dCur, config.inputSize()) : null,
                stateGradient(r, dH0, layers * dirs, hidden));
        r.release();   // after the results were copied out of the record's buffers
        return grads;
    }

    /**
     * Fills {@code dCur} {@code (L·N, width)} (time-major, the engine's row order) with the caller's output
     * gradient in the layout of the recorded forward (batch-first, unbatched or packed), or zeros.
     *
     * @param gradOutput not modified; may be null
     * @param dCur modified (overwritten)
     */
    static void loadOutputGradient(ForwardRecord r, Tensor gradOutput, float[] dCur, int width) {
        int rows = r.seqLen * r.batch;
        if (gradOutput == null) {
            Arrays.fill(dCur, 0, rows * width, 0f);
        } else if (r.layout != null) {
            r.layout.toInternal(gradOutput, width, dCur);
        } else {
            Tensor tm = r.batchFirst && !r.unbatched ? gradOutput.transpose(0, 1) : gradOutput;
            if (tm.isContiguous()) {
                System.arraycopy(TensorAccess.storage(tm), TensorAccess.offset(tm), dCur, 0, rows * width);
            } else {
                TensorAccess.copyInto(tm, dCur, 0);
            }
        }
    }

    /** {@return the input gradient from the engine's {@code (L·N, H_in)} rows, in the recorded forward's layout} */
    static Tensor inputGradient(ForwardRecord r, float[] dx, int inputSize) {
        int rows = r.seqLen * r.batch;
        if (r.layout != null) {
            return r.layout.toExternal(dx, inputSize);
        }
        if (r.unbatched) {
            return Tensor.of(Arrays.copyOf(dx, rows * inputSize), r.seqLen, inputSize);
        }
        Tensor g = Tensor.of(Arrays.copyOf(dx, rows * inputSize), r.seqLen, r.batch, inputSize);
        return r.batchFirst ? g.transpose(0, 1).contiguous() : g;
    }

    /**
     * {@return an initial-state gradient {@code (groups, N, width)} ({@code (groups, width)} unbatched) in
     * the caller's batch order, from the engine's (sorted, for packed input) rows}
     */
    static Tensor stateGradient(ForwardRecord r, float[] dState, int groups, int width) {
        if (r.layout != null) {
            return TensorAccess.wrap(r.layout.unsortState(dState, groups, width), groups, r.batch, width);
        }
        // dState is the backward's own new array: handed over without a copy
        return r.unbatched ? TensorAccess.wrap(dState, groups, width) : TensorAccess.wrap(dState, groups, r.batch, width);
    }

    /**
     * {@code dW_hh += Σ dA_rowᵀ·h_0,row} over the rows whose previous state is {@code h_0}: step 0 for the
     * forward direction (every row); for the reverse direction of a dense batch step {@code L−1}, of a
     * packed batch the rows {@code [batchSizes[t+1], batchSizes[t])} of each step {@code t} (each
     * sequence's own last element). The previous state of every other row is an output row (zero for
     * padding, whose {@code dA} is zero too).
     */
    static void addH0Term(PackedLayout lay, int dir, int seqLen, int batch, int g, int width, float[] dGh,
                          int dAFirst, float[] h0, int grp, float[] dWhh) {
        if (lay == null || dir == 0) {
            Kernels.sgemm(true, false, g, width, batch, 1f, dGh, dAFirst, g, h0, grp * batch * width, width,
                    1f, dWhh, 0, width);
            return;
        }
        for (int t = 0; t < seqLen; t++) {
            int lo = lay.batchSize(t + 1);
            int hi = lay.batchSize(t);
            if (hi > lo) {
                Kernels.sgemm(true, false, g, width, hi - lo, 1f, dGh, (t * batch + lo) * g, g, h0,
                        (grp * batch + lo) * width, width, 1f, dWhh, 0, width);
            }
        }
    }

    /** Packed backward: {@code dW = Σ_t dA_tᵀ·X_t} over the alive rows of each step; overwrites {@code dW (G, in)}. */
    static void gradWeightAlive(PackedLayout lay, int g, int in, float[] dA, float[] x, float[] dW) {
        int batch = lay.batch;
        for (int t = 0; t < lay.steps; t++) {
            Kernels.sgemm(true, false, g, in, lay.batchSize(t), 1f, dA, t * batch * g, g, x, t * batch * in, in,
                    t == 0 ? 0f : 1f, dW, 0, in);
        }
    }

    /**
     * Packed backward: {@code dX_t = dA_t·W} over the alive rows of each step ({@code beta} 0: overwrite,
     * and rows past each length set to 0; 1: accumulate, those rows untouched).
     */
    static void gradInputAlive(PackedLayout lay, int g, int in, float[] dA, float[] w, float beta, float[] dIn) {
        int batch = lay.batch;
        for (int t = 0; t < lay.steps; t++) {
            int m = lay.batchSize(t);
            Kernels.sgemm(false, false, m, in, g, 1f, dA, t * batch * g, g, w, 0, in, beta, dIn, t * batch * in, in);
            if (beta == 0f) {
                Arrays.fill(dIn, (t * batch + m) * in, (t + 1) * batch * in, 0f);
            }
        }
    }

    /**
     * Packed backward: {@code dW_hh = Σ dA_rowᵀ·h_prev} over the alive rows whose previous state is an
     * output row (forward: step {@code t ≥ 1}, rows {@code < batchSizes[t]}; reverse: rows
     * {@code < batchSizes[t+1]}, from step {@code t+1}); overwrites {@code dW (G, width)}. The rows that
     * start from {@code h_0} are added by {@link #addH0Term}.
     */
    static void gradRecurrentAlive(PackedLayout lay, int dir, int g, int width, int ldOut, float[] dGh, float[] out,
                                   float[] dW) {
        Arrays.fill(dW, 0, g * width, 0f);
        int batch = lay.batch;
        for (int t = 0; t < lay.steps; t++) {
            int m = dir == 0 ? (t >= 1 ? lay.batchSize(t) : 0) : lay.batchSize(t + 1);
            int prev = dir == 0 ? t - 1 : t + 1;
            if (m > 0) {
                Kernels.sgemm(true, false, g, width, m, 1f, dGh, t * batch * g, g, out, prev * batch * ldOut
                        + dir * width, ldOut, 1f, dW, 0, width);
            }
        }
    }

    /** {@return the storage of a contiguous tensor (to be read in place, never written), else a copy; null for null} */
    static float[] readValues(Tensor t) {
        return t == null ? null : t.isContiguous() ? TensorAccess.storage(t) : t.toArray();
    }

    /** {@return where {@link #readValues}' array starts} */
    static int readOffset(Tensor t) {
        return t != null && t.isContiguous() ? TensorAccess.offset(t) : 0;
    }

    /** {@code p.grad += values} (values row-major in p's shape), in place: the same additions as {@code addInPlace}. */
    /**
     * {@code p.grad += Aᵀ·B}: a weight gradient {@code (m, n)} summed over {@code k} rows, with {@code A}
     * stored {@code (k, m)} (leading dimension {@code lda}) and {@code B} stored {@code (k, n)}. With one
     * K block ({@code 0 < k ≤ KC}) and a contiguous gradient, the product is written straight into the
     * gradient with {@code beta = 1}: the GEMM then rounds {@code acc + grad} once per element, the bits of
     * computing {@code dW} and adding it, without a separate pass over both arrays (for a 1760² weight,
     * 12 MiB read twice and written once). Otherwise {@code dW} receives the product, which is then added
     * ({@link #accumulate}).
     *
     * @param dW scratch of at least {@code m·n} floats, used only on the second path
     */
    static void accumulateProduct(Parameter p, int m, int n, int k, float[] a, int aOff, int lda, float[] b,
                                  int bOff, int ldb, float[] dW) {
        Tensor g = p.grad();
        if (k > 0 && k <= GemmEngine.KC && g.isContiguous()) {
            Kernels.sgemm(true, false, m, n, k, 1f, a, aOff, lda, b, bOff, ldb, 1f,
                    TensorAccess.storage(g), TensorAccess.offset(g), n);
            TensorAccess.markWritten(g);
            return;
        }
        Kernels.sgemm(true, false, m, n, k, 1f, a, aOff, lda, b, bOff, ldb, 0f, dW, 0, n);
        accumulate(p, dW);
    }

    static void accumulate(Parameter p, float[] values) {
        Tensor g = p.grad();
        if (!g.isContiguous()) {
            g.addInPlace(Tensor.of(values, p.shape()));
            return;
        }
        Kernels.addRows(TensorAccess.storage(g), TensorAccess.offset(g), values, 0, 1, values.length);
        TensorAccess.markWritten(g);
    }

    /**
     * Upstream gradient check: null means zeros, anything else must have exactly the shape of the
     * tensor it is the gradient of.
     */
    static void checkGradShape(String name, Tensor grad, Tensor of, String ofName) {
        if (grad != null && !Arrays.equals(grad.shape(), of.shape())) {
            throw new IllegalArgumentException(name + " must have the shape of " + ofName + ": expected "
                    + Arrays.toString(of.shape()) + ", got " + Arrays.toString(grad.shape()));
        }
    }

    /** Buffers of a backward pass, allocated once per {@code (L, N)} and reused. */
    static final class BackwardWorkspace {
        final int seqLen;
        final int batch;
        final float[] dA;       // (L·N, G): pre-activation gradient of one layer-direction
        final float[] dOutA;    // (L·N, max(H_in, D·H)): output / input gradients, ping-pong
        final float[] dOutB;    // (L·N, max(H_in, D·H))
        final float[] dh;       // (N, H): running recurrent gradient
        final float[][] dWih;   // [layer] (G, in_k)
        final float[] dWhh;     // (G, H)
        final float[] dBias;    // (G)
        final double[] acc;     // (G) column-sum accumulator
        final StepGrad stepGrad;

        BackwardWorkspace(RNNConfig c, int seqLen, int batch) {
            stepGrad = new StepGrad(c);
            this.seqLen = seqLen;
            this.batch = batch;
            int rows = seqLen * batch;
            int g = c.gateSize();
            int width = Math.max(c.inputSize(), c.numDirections() * c.hiddenSize());
            dA = new float[rows * g];
            dOutA = new float[rows * width];
            dOutB = new float[rows * width];
            dh = new float[batch * c.hiddenSize()];
            dWih = new float[c.numLayers()][];
            for (int k = 0; k < c.numLayers(); k++) {
                dWih[k] = new float[g * c.layerInputSize(k)];
            }
            dWhh = new float[g * c.hiddenSize()];
            dBias = new float[g];
            acc = new double[g];
        }
    }

    @Override
    public String toString() {
        return torchName() + "(" + config.extraRepr() + ")";
    }
}
