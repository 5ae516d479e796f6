package dev.jrnn.nn;

import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.internal.PackedB;
import dev.jrnn.tensor.Tensor;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The multi-layer, optionally bidirectional recurrence shared by {@link RNN} (and, in later
 * releases, {@code LSTM} and {@code GRU}): PyTorch's {@code torch.nn.RNNBase}.
 *
 * <p>For each layer {@code k} and direction {@code d} it holds, in this registration order,
 * {@code weight_ih_l{k}[_reverse]} {@code (G, in_k)}, {@code weight_hh_l{k}[_reverse]} {@code (G, H_out)},
 * {@code bias_ih_l{k}[_reverse]} {@code (G)} and {@code bias_hh_l{k}[_reverse]} {@code (G)} (when
 * {@code bias}), and {@code weight_hr_l{k}[_reverse]} {@code (P, H)} (projected LSTM), where
 * {@code G = gate_size} ({@link Mode#gateSize}), {@code in_0 = H_in} and {@code in_k = D·H_out} above.
 * Every parameter starts uniform in {@code [-1/√H, 1/√H]}, drawn in registration order.
 *
 * <p>Thread safety: not safe for concurrent use while training or loading. In evaluation mode a
 * forward pass only reads the parameters.
 */
public abstract sealed class RNNBase extends Module permits RNN {

    private static final System.Logger LOG = System.getLogger("dev.jrnn.nn");

    final RNNConfig config;
    // One entry per (layer, direction) at index layer * D + direction; bias/hr entries null when absent.
    private final Parameter[] weightIh;  // (G, in_k)
    private final Parameter[] weightHh;  // (G, H_out)
    private final Parameter[] biasIh;    // (G)
    private final Parameter[] biasHh;    // (G)
    private final Generator dropoutGenerator;

    RNNBase(RNNConfig config, Generator generator) {
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(generator, "generator");
        if (config.dropout() > 0 && config.numLayers() == 1) {
            LOG.log(Level.WARNING, "dropout option adds dropout after all but last recurrent layer, so non-zero"
                    + " dropout expects num_layers greater than 1, but got dropout=" + config.dropout()
                    + " and num_layers=" + config.numLayers());
        }
        if (config.projSize() > 0) {
            throw new UnsupportedOperationException("proj_size is not supported yet");
        }
        int groups = config.numLayers() * config.numDirections();
        weightIh = new Parameter[groups];
        weightHh = new Parameter[groups];
        biasIh = new Parameter[groups];
        biasHh = new Parameter[groups];
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
                default: throw new AssertionError(spec.kind);
            }
        }
        this.dropoutGenerator = new Generator(generator.nextLong());
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
        int[] got = hx.shape();
        if (!Arrays.equals(got, expected)) {
            String msg = "Expected " + label + " size " + tuple(expected) + ", got " + Arrays.toString(got);
            if (batched && got[0] == expected[1] && got[1] == expected[0] && got[2] == expected[2]) {
                msg += "; note: the hidden state is (num_layers * num_directions, batch, hidden_size) regardless of"
                        + " batch_first";
            }
            throw new IllegalArgumentException(msg);
        }
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

    // ------------------------------------------------------------------------------ forward engine

    /**
     * Runs every layer and direction over a time-major input.
     *
     * @param x input values {@code (L, N, H_in)} row-major, not modified
     * @param h0 initial states {@code (D·num_layers, N, H)} row-major, or null for zeros; not modified
     * @param hN receives the final states {@code (D·num_layers, N, H)}; modified
     * @return the top layer's output {@code (L, N, D·H)} row-major
     */
    final float[] runLayers(float[] x, int seqLen, int batch, float[] h0, float[] hN) {
        int dirs = config.numDirections();
        int hidden = config.hiddenSize();
        int g = config.gateSize();
        int dh = dirs * hidden;
        boolean dropping = isTraining() && config.dropout() > 0;
        float[] layerIn = x;
        float[] gates = new float[seqLen * batch * g];             // (L, N, G) workspace
        float[] zeros = h0 == null ? new float[batch * hidden] : null;  // (N, H)
        for (int layer = 0; layer < config.numLayers(); layer++) {
            int inSize = config.layerInputSize(layer);
            float[] out = new float[seqLen * batch * dh];            // (L, N, D·H)
            for (int dir = 0; dir < dirs; dir++) {
                int grp = layer * dirs + dir;
                float[] wih = weightIh[grp].data().toArray();       // (G, in)
                PackedB whh = Kernels.packTransposed(weightHh[grp].data().toArray(), g, hidden);  // W_hhᵀ (H, G) packed
                // A = X·W_ihᵀ (+ b_ih + b_hh) for every time step at once.
                Kernels.sgemm(false, true, seqLen * batch, g, inSize, 1f, layerIn, 0, inSize, wih, 0, inSize,
                        0f, gates, 0, g);
                if (config.bias()) {
                    float[] bih = biasIh[grp].data().toArray();
                    float[] bhh = biasHh[grp].data().toArray();
                    float[] b = new float[g];
                    for (int j = 0; j < g; j++) {
                        b[j] = bih[j] + bhh[j];
                    }
                    for (int row = 0; row < seqLen * batch; row++) {
                        int o = row * g;
                        for (int j = 0; j < g; j++) {
                            gates[o + j] += b[j];
                        }
                    }
                }
                float[] hPrev = h0 == null ? zeros : h0;
                int hOff = h0 == null ? 0 : grp * batch * hidden;
                int ldh = hidden;
                for (int s = 0; s < seqLen; s++) {
                    int t = dir == 0 ? s : seqLen - 1 - s;
                    int gOff = t * batch * g;
                    Kernels.sgemmPacked(batch, 1f, hPrev, hOff, ldh, whh, 1f, gates, gOff, g);
                    int outOff = t * batch * dh + dir * hidden;
                    for (int n = 0; n < batch; n++) {
                        activate(gates, gOff + n * g, out, outOff + n * dh, hidden);
                    }
                    hPrev = out;
                    hOff = outOff;
                    ldh = dh;
                }
                for (int n = 0; n < batch; n++) {
                    System.arraycopy(hPrev, hOff + n * ldh, hN, (grp * batch + n) * hidden, hidden);
                }
            }
            if (dropping && layer < config.numLayers() - 1) {
                applyDropout(out);
            }
            layerIn = out;
        }
        return layerIn;
    }

    private void activate(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        if (config.mode() == Mode.RNN_TANH) {
            Kernels.tanh(src, srcOff, dst, dstOff, n);
        } else {
            Kernels.relu(src, srcOff, dst, dstOff, n);
        }
    }

    /** Inverted dropout in place: zero with probability p, else scale by 1/(1−p); p = 1 gives zeros. */
    private void applyDropout(float[] values) {
        float p = (float) config.dropout();
        if (p >= 1f) {
            Arrays.fill(values, 0f);
            return;
        }
        float scale = (float) (1.0 / (1.0 - config.dropout()));
        for (int i = 0; i < values.length; i++) {
            values[i] = dropoutGenerator.nextFloat() < p ? 0f : values[i] * scale;
        }
    }

    @Override
    public String toString() {
        return torchName() + "(" + config.extraRepr() + ")";
    }
}
