package dev.jrnn.interop;

import dev.jrnn.io.NpyArray;
import dev.jrnn.io.Npy;
import dev.jrnn.io.Npz;
import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.nn.Mode;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Converts Keras/TF2 recurrent-layer weights ({@code SimpleRNN}, {@code LSTM}, {@code GRU} with
 * {@code reset_after=True}, each optionally wrapped in {@code Bidirectional}) into PyTorch's layout,
 * from which a jrnn module or a model file is made ({@link ImportedLayer}).
 *
 * <pre>{@code
 * // Python: np.savez("lstm.npz", *model.get_layer("lstm").get_weights())
 * ImportedLayer imp = KerasImport.read(Path.of("lstm.npz"), KerasLayer.lstm());
 * imp.save(Path.of("lstm.safetensors"));           // loadable by jrnn and by PyTorch
 * }</pre>
 *
 * <p><b>The mapping</b> (F = input features, H = units, G = gates·H):
 * <ul>
 *   <li>{@code weight_ih = kernelᵀ} ({@code kernel} is {@code (F, G)}); {@code weight_hh =
 *       recurrent_kernelᵀ} ({@code recurrent_kernel} is {@code (H, G)}).</li>
 *   <li>Gate blocks: SimpleRNN one block; LSTM i, f, c, o = PyTorch's i, f, g, o (same order); GRU
 *       Keras z, r, h becomes PyTorch r, z, n (the first two blocks swap).</li>
 *   <li>Biases: SimpleRNN and LSTM have one {@code bias} {@code (G)}: {@code bias_ih = bias},
 *       {@code bias_hh = 0}. GRU with {@code reset_after=True} has {@code bias} {@code (2, G)}:
 *       {@code bias_ih} = row 0 (input bias), {@code bias_hh} = row 1 (recurrent bias, which Keras
 *       also applies inside {@code r ⊙ (…)} as PyTorch does), both with z/r swapped. Without a bias
 *       ({@code use_bias=False}) the module has {@code bias=false}.</li>
 *   <li>{@code Bidirectional}: the forward layer's weights become {@code *_l0}, the backward layer's
 *       {@code *_l0_reverse}. With {@code merge_mode="concat"} (the default) and
 *       {@code return_sequences=True} the outputs are identical; other merge modes are
 *       {@link #mergeBidirectional} applied to the module's output.</li>
 *   <li>The module is {@code batch_first} unless the layer is {@code time_major}, so it takes Keras's
 *       {@code (N, L, F)} input as is.</li>
 * </ul>
 *
 * <p><b>Rejected</b> with an {@link IllegalArgumentException} saying why (the cell is not
 * representable): GRU with {@code reset_after=False} (a different cell: the reset gate multiplies
 * {@code h} before the matrix product), and any activation other than {@code tanh} ({@code tanh} or
 * {@code relu} for SimpleRNN) or recurrent activation other than {@code sigmoid} (e.g. Keras 1's
 * {@code hard_sigmoid}).
 *
 * <p>Stateless and thread-safe. {@code null} arguments are rejected with a
 * {@link NullPointerException}, except a {@code null} bias, which means {@code use_bias=False}.
 *
 * <p>Thread safety: stateless static methods: safe from many threads; each call returns new objects.
 */
public final class KerasImport {

    private static final String[] ROLES = {"recurrent_kernel", "kernel", "bias"}; // longest first
    private static final Pattern POSITIONAL = Pattern.compile("arr_([0-9]+)");
    private static final Pattern VARIABLE_SUFFIX = Pattern.compile(":[0-9]+$");

    private KerasImport() {
    }

    // ---------------------------------------------------------------- arrays

    /**
     * Converts one (not bidirectional) Keras layer's weights.
     *
     * @param layer the layer's class and options; not {@link KerasLayer#bidirectional()}
     * @param kernel {@code (F, G)}, not modified
     * @param recurrentKernel {@code (H, G)}, not modified
     * @param bias {@code (G)}, or {@code (2, G)} for a {@code reset_after} GRU, or {@code null} when the
     *     layer has {@code use_bias=False}; not modified
     * @return the converted weights
     * @throws IllegalArgumentException if the layer is not representable or a shape is wrong (the
     *     message gives the expected and the actual shape)
     */
    public static ImportedLayer convert(KerasLayer layer, Tensor kernel, Tensor recurrentKernel, Tensor bias) {
        Objects.requireNonNull(layer, "layer");
        if (layer.bidirectional()) {
            throw new IllegalArgumentException(layer + " is bidirectional: use convertBidirectional with the forward and"
                    + " the backward layer's weights");
        }
        checkRepresentable(layer);
        Direction d = direction(layer, kernel, recurrentKernel, bias, "");
        return assemble(layer, List.of(d));
    }

    /**
     * Converts a {@code Bidirectional} Keras layer's weights: forward layer first, as
     * {@code get_weights()} lists them.
     *
     * @param layer the wrapped layer's class and options, with {@link KerasLayer#bidirectional()} true
     * @param forwardKernel {@code (F, G)}, not modified
     * @param forwardRecurrentKernel {@code (H, G)}, not modified
     * @param forwardBias as in {@link #convert(KerasLayer, Tensor, Tensor, Tensor)}, or {@code null}
     * @param backwardKernel {@code (F, G)}, not modified
     * @param backwardRecurrentKernel {@code (H, G)}, not modified
     * @param backwardBias as the forward bias ({@code null} exactly when it is {@code null})
     * @return the converted weights ({@code _reverse} names for the backward layer)
     * @throws IllegalArgumentException if the layer is not representable or a shape is wrong
     */
    public static ImportedLayer convertBidirectional(KerasLayer layer, Tensor forwardKernel,
                                                     Tensor forwardRecurrentKernel, Tensor forwardBias,
                                                     Tensor backwardKernel, Tensor backwardRecurrentKernel,
                                                     Tensor backwardBias) {
        Objects.requireNonNull(layer, "layer");
        if (!layer.bidirectional()) {
            throw new IllegalArgumentException(layer + " is not bidirectional: use convert, or withBidirectional(true)");
        }
        checkRepresentable(layer);
        Direction f = direction(layer, forwardKernel, forwardRecurrentKernel, forwardBias, "forward ");
        Direction b = direction(layer, backwardKernel, backwardRecurrentKernel, backwardBias, "backward ");
        if (f.inputSize != b.inputSize || f.hidden != b.hidden || (f.bih == null) != (b.bih == null)) {
            throw new IllegalArgumentException("forward and backward layers differ: forward has input " + f.inputSize
                    + ", units " + f.hidden + (f.bih == null ? ", no bias" : ", a bias") + "; backward has input "
                    + b.inputSize + ", units " + b.hidden + (b.bih == null ? ", no bias" : ", a bias"));
        }
        return assemble(layer, List.of(f, b));
    }

    /**
     * Converts weights given by name: either Keras variable names ({@code lstm/lstm_cell/kernel:0},
     * {@code bidirectional/forward_gru/gru_cell/recurrent_kernel}, or just {@code kernel},
     * {@code forward_bias}, …), matched on the last path component ({@code kernel},
     * {@code recurrent_kernel}, {@code bias}, optionally after a {@code _}) and, for a bidirectional
     * layer, on a path component starting with {@code forward} or {@code backward}; or the positional
     * names {@code np.savez(path, *layer.get_weights())} writes ({@code arr_0}, {@code arr_1}, …, in
     * {@code get_weights()} order: kernel, recurrent kernel, bias, forward layer first).
     *
     * @param layer the layer's class and options
     * @param arrays name → array, not modified
     * @return the converted weights
     * @throws IllegalArgumentException naming the keys if a weight is missing, ambiguous or
     *     unrecognised, or as {@link #convert(KerasLayer, Tensor, Tensor, Tensor)}
     */
    public static ImportedLayer convert(KerasLayer layer, Map<String, Tensor> arrays) {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(arrays, "arrays");
        int dirs = layer.bidirectional() ? 2 : 1;
        Tensor[][] w = new Tensor[dirs][3]; // [direction][kernel, recurrent_kernel, bias]
        if (!arrays.isEmpty() && arrays.keySet().stream().allMatch(k -> POSITIONAL.matcher(k).matches())) {
            TreeMap<Integer, Tensor> byIndex = new TreeMap<>();
            arrays.forEach((k, v) -> {
                Matcher m = POSITIONAL.matcher(k);
                m.matches();
                byIndex.put(Integer.parseInt(m.group(1)), v);
            });
            int n = byIndex.size();
            if ((n != 2 * dirs && n != 3 * dirs) || byIndex.lastKey() != n - 1) {
                throw new IllegalArgumentException("positional arrays " + arrays.keySet() + ": " + layer + " needs arr_0.."
                        + "arr_" + (3 * dirs - 1) + " (or arr_0..arr_" + (2 * dirs - 1)
                        + " without bias) in get_weights() order");
            }
            int per = n / dirs;
            for (int d = 0; d < dirs; d++) {
                for (int r = 0; r < per; r++) {
                    w[d][r] = byIndex.get(d * per + r);
                }
            }
        } else {
            Map<String, String> seen = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : arrays.entrySet()) {
                String key = e.getKey();
                String name = VARIABLE_SUFFIX.matcher(key).replaceFirst("");
                String[] parts = name.split("/");
                String last = parts[parts.length - 1];
                int role = -1;
                for (int r = 0; r < ROLES.length && role < 0; r++) {
                    if (last.equals(ROLES[r]) || last.endsWith("_" + ROLES[r])) {
                        role = r;
                    }
                }
                if (role < 0) {
                    throw new IllegalArgumentException("array '" + key + "' is not a Keras kernel, recurrent_kernel or"
                            + " bias; names present: " + arrays.keySet());
                }
                int dir = -1;
                for (String p : parts) {
                    if (p.startsWith("forward")) {
                        dir = dir < 0 ? 0 : dir;
                    } else if (p.startsWith("backward")) {
                        dir = 1;
                    }
                }
                if (layer.bidirectional() && dir < 0) {
                    throw new IllegalArgumentException("array '" + key + "' names no direction; a Bidirectional layer's"
                            + " weights are under forward_* and backward_*");
                }
                if (!layer.bidirectional() && dir == 1) {
                    throw new IllegalArgumentException("array '" + key + "' belongs to a backward layer but " + layer
                            + " is not bidirectional");
                }
                dir = Math.max(dir, 0);
                int slot = role == 0 ? 1 : role == 1 ? 0 : 2;
                String id = (dirs == 2 ? (dir == 0 ? "forward " : "backward ") : "") + ROLES[role];
                if (seen.put(id, key) != null) {
                    throw new IllegalArgumentException("two arrays are the " + id + ": '" + seen.get(id) + "' and '"
                            + key + "'");
                }
                w[dir][slot] = e.getValue();
            }
            for (int d = 0; d < dirs; d++) {
                for (int r = 0; r < 2; r++) {
                    if (w[d][r] == null) {
                        String what = (dirs == 2 ? (d == 0 ? "forward " : "backward ") : "")
                                + (r == 0 ? "kernel" : "recurrent_kernel");
                        throw new IllegalArgumentException("no array for the " + what + "; names present: "
                                + arrays.keySet());
                    }
                }
            }
            if (dirs == 2 && (w[0][2] == null) != (w[1][2] == null)) {
                throw new IllegalArgumentException("only one direction has a bias; names present: " + arrays.keySet());
            }
        }
        return dirs == 1 ? convert(layer, w[0][0], w[0][1], w[0][2])
                : convertBidirectional(layer, w[0][0], w[0][1], w[0][2], w[1][0], w[1][1], w[1][2]);
    }

    // ---------------------------------------------------------------- files

    /**
     * Reads Keras weights from a file and converts them ({@link #convert(KerasLayer, Map)} explains the
     * accepted names). Accepted inputs: an {@code .npz} archive ({@code np.savez}); a safetensors file
     * with Keras names; a {@code .npy} file holding one weight is not enough, so a directory of
     * {@code .npy} files ({@code kernel.npy}, {@code recurrent_kernel.npy}, {@code bias.npy}, or
     * {@code forward_kernel.npy}, … for a bidirectional layer) stands for a set of arrays.
     *
     * @param path an {@code .npz} or {@code .safetensors} file, or a directory of {@code .npy} files
     * @param layer the layer's class and options
     * @return the converted weights
     * @throws IOException if a file is malformed, holds an integer array, or its arrays do not fit the
     *     layer (the message names the file and the array)
     */
    public static ImportedLayer read(Path path, KerasLayer layer) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(layer, "layer");
        Map<String, Tensor> arrays = new LinkedHashMap<>();
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (Files.isDirectory(path)) {
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(path, "*.npy")) {
                ds.forEach(files::add);
            }
            files.sort(null);
            for (Path f : files) {
                String n = f.getFileName().toString();
                arrays.put(n.substring(0, n.length() - 4), floatArray(Npy.read(f), f.toString()));
            }
        } else if (name.endsWith(".npz")) {
            for (Map.Entry<String, NpyArray> e : Npz.read(path).entrySet()) {
                arrays.put(e.getKey(), floatArray(e.getValue(), path + " member '" + e.getKey() + "'"));
            }
        } else if (name.endsWith(".safetensors")) {
            SafetensorsFile f = Safetensors.read(path);
            for (String n : f.names()) {
                if (!f.dtype(n).isFloatingPoint()) {
                    throw new IOException(path + ": tensor '" + n + "' is " + f.dtype(n) + "; Keras weights are floating"
                            + " point");
                }
                arrays.put(n, f.tensor(n));
            }
        } else {
            throw new IOException(path + ": expected an .npz archive, a .safetensors file or a directory of .npy files");
        }
        try {
            return convert(layer, arrays);
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": " + e.getMessage(), e);
        }
    }

    private static Tensor floatArray(NpyArray a, String source) throws IOException {
        if (!a.dtype().isFloatingPoint()) {
            throw new IOException(source + ": array is " + a.dtype().code() + "; Keras weights are floating point");
        }
        return a.tensor();
    }

    // ---------------------------------------------------------------- stacking and merging

    /**
     * Combines converted single-layer imports (consecutive Keras layers, each feeding the next, all
     * with {@code return_sequences=True} but the last) into one multi-layer module's weights:
     * layer {@code k}'s {@code *_l0[_reverse]} weights become {@code *_l{k}[_reverse]}. Keras's
     * concatenated bidirectional output feeds the next layer exactly as in PyTorch.
     *
     * @param layers the layers in order, not modified
     * @return the stacked weights, {@code num_layers = layers.size()}
     * @throws IllegalArgumentException if the layers differ in mode, units, bias, direction or
     *     layout, a layer is already stacked, or a layer's input size is not its predecessor's output size
     */
    public static ImportedLayer stack(List<ImportedLayer> layers) {
        Objects.requireNonNull(layers, "layers");
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("stack needs at least one layer");
        }
        RNNConfig first = layers.get(0).config();
        Map<String, Tensor> sd = new LinkedHashMap<>();
        StringBuilder src = new StringBuilder();
        for (int k = 0; k < layers.size(); k++) {
            RNNConfig c = layers.get(k).config();
            if (c.numLayers() != 1) {
                throw new IllegalArgumentException("layer " + k + " already has " + c.numLayers() + " layers");
            }
            if (c.mode() != first.mode() || c.hiddenSize() != first.hiddenSize() || c.bias() != first.bias()
                    || c.bidirectional() != first.bidirectional() || c.batchFirst() != first.batchFirst()) {
                throw new IllegalArgumentException("layer " + k + " (" + c + ") differs from layer 0 (" + first
                        + ") in mode, units, bias, direction or layout");
            }
            int expectIn = k == 0 ? first.inputSize() : first.numDirections() * first.hiddenSize();
            if (c.inputSize() != expectIn) {
                throw new IllegalArgumentException("layer " + k + " takes " + c.inputSize()
                        + " input features, but layer " + (k - 1) + " emits " + expectIn);
            }
            for (Map.Entry<String, Tensor> e : layers.get(k).stateDict().entrySet()) {
                sd.put(e.getKey().replace("_l0", "_l" + k), e.getValue());
            }
            src.append(k == 0 ? "" : ", ").append(layers.get(k).source());
        }
        RNNConfig c = first.withNumLayers(layers.size());
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String n : ModelFiles.parameterShapes(c).keySet()) {
            ordered.put(n, sd.get(n));
        }
        return new ImportedLayer(c, ordered, "stack[" + src + "]");
    }

    /**
     * Applies a Keras {@code Bidirectional} {@code merge_mode} to a bidirectional module's output,
     * whose last dimension is {@code 2H} (forward half first): {@code concat} returns it unchanged,
     * {@code sum} gives {@code fwd + bwd}, {@code mul} {@code fwd ⊙ bwd} and {@code ave}
     * {@code (fwd + bwd) / 2}, each of last size {@code H}. For {@code merge_mode=None} (two outputs)
     * take {@code output.narrow(-1, 0, H)} and {@code output.narrow(-1, H, H)}.
     *
     * @param output {@code (…, 2H)}, not modified
     * @param mergeMode {@code "concat"}, {@code "sum"}, {@code "mul"} or {@code "ave"}
     * @return {@code output} itself for {@code concat}, else a new tensor {@code (…, H)}
     * @throws IllegalArgumentException for another merge mode or an odd last dimension
     */
    public static Tensor mergeBidirectional(Tensor output, String mergeMode) {
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(mergeMode, "mergeMode");
        if (output.dim() == 0 || output.size(-1) % 2 != 0) {
            throw new IllegalArgumentException("a bidirectional output has an even last dimension 2H, got shape "
                    + Arrays.toString(output.shape()));
        }
        int h = output.size(-1) / 2;
        Tensor fwd = output.narrow(-1, 0, h);
        Tensor bwd = output.narrow(-1, h, h);
        switch (mergeMode) {
            case "concat": return output;
            case "sum": return fwd.add(bwd);
            case "mul": return fwd.mul(bwd);
            case "ave": return fwd.add(bwd).mul(0.5f);
            default:
                throw new IllegalArgumentException("merge_mode '" + mergeMode + "' is not one of concat, sum, mul, ave;"
                        + " for merge_mode=None take output.narrow(-1, 0, H) and output.narrow(-1, H, H)");
        }
    }

    // ---------------------------------------------------------------- conversion

    private static void checkRepresentable(KerasLayer layer) {
        String act = layer.activation();
        if (layer.type() == KerasLayer.Type.SIMPLE_RNN) {
            if (!act.equals("tanh") && !act.equals("relu")) {
                throw new IllegalArgumentException("Keras SimpleRNN activation '" + act + "' is not representable:"
                        + " PyTorch/jrnn RNN supports 'tanh' and 'relu' only");
            }
            return;
        }
        String kind = layer.type().kerasName();
        if (!act.equals("tanh")) {
            throw new IllegalArgumentException("Keras " + kind + " activation '" + act + "' is not representable:"
                    + " PyTorch/jrnn " + kind + " uses tanh");
        }
        if (!layer.recurrentActivation().equals("sigmoid")) {
            throw new IllegalArgumentException("Keras " + kind + " recurrent_activation '" + layer.recurrentActivation()
                    + "' is not representable: PyTorch/jrnn " + kind + " gates use the exact sigmoid"
                    + (layer.recurrentActivation().equals("hard_sigmoid") ? " (hard_sigmoid is a piecewise-linear"
                    + " approximation, the Keras 1 / TF1 default)" : ""));
        }
        if (layer.type() == KerasLayer.Type.GRU && !layer.resetAfter()) {
            throw new IllegalArgumentException("Keras GRU with reset_after=False is not representable: it computes"
                    + " h~ = tanh(W_h x + U_h (r * h) + b_h), applying the reset gate before the recurrent product,"
                    + " while PyTorch/jrnn GRU (like Keras reset_after=True, the TF2 default) computes"
                    + " tanh(W_in x + b_in + r * (W_hn h + b_hn))");
        }
    }

    /** One direction's weights in PyTorch's layout. */
    private static final class Direction {
        int inputSize;
        int hidden;
        float[] wih;  // (G, F)
        float[] whh;  // (G, H)
        float[] bih;  // (G) or null
        float[] bhh;  // (G) or null
    }

    private static Direction direction(KerasLayer layer, Tensor kernel, Tensor recurrent, Tensor bias, String label) {
        Objects.requireNonNull(kernel, label + "kernel");
        Objects.requireNonNull(recurrent, label + "recurrentKernel");
        int gates = layer.type().gateCount();
        String what = layer.type().kerasName() + " " + label;
        if (kernel.dim() != 2) {
            throw new IllegalArgumentException(what + "kernel must be 2-D (input_features, " + gates
                    + " * units), got shape " + Arrays.toString(kernel.shape()));
        }
        int f = kernel.size(0);
        int g = kernel.size(1);
        if (g == 0 || g % gates != 0) {
            throw new IllegalArgumentException(what + "kernel has " + g + " columns, not a positive multiple of "
                    + gates + " (gates * units); shape " + Arrays.toString(kernel.shape()));
        }
        int h = g / gates;
        if (!Arrays.equals(recurrent.shape(), new int[] {h, g})) {
            throw new IllegalArgumentException(what + "recurrent_kernel must be (" + h + ", " + g + ") for a kernel of "
                    + "shape " + Arrays.toString(kernel.shape()) + ", got " + Arrays.toString(recurrent.shape()));
        }
        Direction d = new Direction();
        d.inputSize = f;
        d.hidden = h;
        int[] perm = layer.type() == KerasLayer.Type.GRU ? new int[] {1, 0, 2} : identity(gates); // torch block ← keras block
        d.wih = transposeBlocks(kernel.toArray(), f, h, perm);
        d.whh = transposeBlocks(recurrent.toArray(), h, h, perm);
        if (bias != null) {
            if (layer.type() == KerasLayer.Type.GRU) {
                if (Arrays.equals(bias.shape(), new int[] {g})) {
                    throw new IllegalArgumentException(what + "bias has shape (" + g + ",), the layout of a GRU with"
                            + " reset_after=False, which is not representable; reset_after=True has a (2, " + g
                            + ") bias");
                }
                if (!Arrays.equals(bias.shape(), new int[] {2, g})) {
                    throw new IllegalArgumentException(what + "bias must be (2, " + g + ") (input bias; recurrent bias),"
                            + " got " + Arrays.toString(bias.shape()));
                }
                float[] b = bias.toArray();
                d.bih = permuteBlocks(Arrays.copyOfRange(b, 0, g), h, perm);
                d.bhh = permuteBlocks(Arrays.copyOfRange(b, g, 2 * g), h, perm);
            } else {
                if (!Arrays.equals(bias.shape(), new int[] {g})) {
                    throw new IllegalArgumentException(what + "bias must be (" + g + ",), got "
                            + Arrays.toString(bias.shape()));
                }
                d.bih = permuteBlocks(bias.toArray(), h, perm);
                d.bhh = new float[g];
            }
        }
        return d;
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    /** {@code src} is {@code (rows, G)} with Keras gate blocks; returns {@code (G, rows)} with PyTorch blocks. */
    private static float[] transposeBlocks(float[] src, int rows, int h, int[] perm) {
        int g = perm.length * h;
        float[] dst = new float[g * rows];
        for (int blk = 0; blk < perm.length; blk++) {
            for (int j = 0; j < h; j++) {
                int outRow = blk * h + j;
                int inCol = perm[blk] * h + j;
                for (int r = 0; r < rows; r++) {
                    dst[outRow * rows + r] = src[r * g + inCol];
                }
            }
        }
        return dst;
    }

    private static float[] permuteBlocks(float[] src, int h, int[] perm) {
        float[] dst = new float[src.length];
        for (int blk = 0; blk < perm.length; blk++) {
            System.arraycopy(src, perm[blk] * h, dst, blk * h, h);
        }
        return dst;
    }

    private static ImportedLayer assemble(KerasLayer layer, List<Direction> dirs) {
        Direction f = dirs.get(0);
        Mode mode;
        switch (layer.type()) {
            case SIMPLE_RNN: mode = layer.activation().equals("relu") ? Mode.RNN_RELU : Mode.RNN_TANH; break;
            case LSTM: mode = Mode.LSTM; break;
            case GRU: mode = Mode.GRU; break;
            default: throw new AssertionError(layer.type());
        }
        RNNConfig c;
        try {
            c = RNNConfig.of(mode, f.inputSize, f.hidden).withBias(f.bih != null).withBatchFirst(!layer.timeMajor())
                    .withBidirectional(dirs.size() == 2);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(layer + ": weights give an invalid configuration: " + e.getMessage(), e);
        }
        int g = mode.gateSize(f.hidden);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (int d = 0; d < dirs.size(); d++) {
            Direction x = dirs.get(d);
            String sfx = "_l0" + (d == 1 ? "_reverse" : "");
            sd.put("weight_ih" + sfx, Tensor.of(x.wih, g, x.inputSize));
            sd.put("weight_hh" + sfx, Tensor.of(x.whh, g, x.hidden));
            if (x.bih != null) {
                sd.put("bias_ih" + sfx, Tensor.of(x.bih, g));
                sd.put("bias_hh" + sfx, Tensor.of(x.bhh, g));
            }
        }
        return new ImportedLayer(c, sd, "keras " + layer);
    }
}
