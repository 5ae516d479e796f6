package dev.jrnn.interop;

import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.io.SafetensorsFormatException;
import dev.jrnn.io.SafetensorsWriter;
import dev.jrnn.nn.GRU;
import dev.jrnn.nn.LSTM;
import dev.jrnn.nn.Mode;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.Nonlinearity;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.RNNBase;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * jrnn model files: a safetensors file holding a recurrent layer's {@code state_dict} under
 * PyTorch's names and order ({@code weight_ih_l0}, {@code weight_hh_l0}, {@code bias_ih_l0}, …), with
 * the constructor configuration and jrnn's provenance in {@code __metadata__}.
 *
 * <pre>{@code
 * ModelFiles.save(rnn, Path.of("model.safetensors"), Map.of("seed", "42"));
 * RNN back = ModelFiles.load(Path.of("model.safetensors"), RNN.class);   // same config, same weights
 *
 * RNN mine = new RNN(RNNConfig.rnn(10, 20));                              // a plain state_dict file
 * ModelFiles.loadStateDict(Path.of("weights.safetensors"), mine, true);
 * }</pre>
 *
 * <p><b>Metadata</b> (all values strings; booleans {@code true}/{@code false}, Python's
 * {@code True}/{@code False} also read):
 * <table>
 *   <caption>Model-file metadata keys</caption>
 *   <tr><th>key</th><th>written</th><th>read</th></tr>
 *   <tr><td>{@code format_version}</td><td>{@value #FORMAT_VERSION}</td><td>optional; if present must be
 *       {@value #FORMAT_VERSION}</td></tr>
 *   <tr><td>{@code jrnn_version}</td><td>{@link #LIBRARY_VERSION}</td><td>ignored (provenance)</td></tr>
 *   <tr><td>{@code mode}</td><td>{@code RNN_TANH}, {@code RNN_RELU}, {@code LSTM}, {@code GRU}</td>
 *       <td>required; {@code RNN} is also read (the nonlinearity then comes from {@code nonlinearity})</td></tr>
 *   <tr><td>{@code input_size}, {@code hidden_size}</td><td>always</td><td>required integers</td></tr>
 *   <tr><td>{@code num_layers}, {@code bias}, {@code batch_first}, {@code dropout},
 *       {@code bidirectional}, {@code proj_size}</td><td>always</td><td>optional, PyTorch's default when
 *       absent (1, true, false, 0.0, false, 0)</td></tr>
 *   <tr><td>{@code nonlinearity}</td><td>RNN only</td><td>optional; must agree with {@code mode}</td></tr>
 * </table>
 * Any other key (a seed, a training configuration, PyTorch's {@code format: pt}) is kept in the file
 * and ignored by {@link #load}. A file PyTorch wrote with these keys (see {@code tools/export_torch.py})
 * loads without renaming.
 *
 * <p><b>Errors.</b> A malformed file or one whose metadata or tensors do not describe a valid module
 * is an {@link IOException} whose message starts with {@code model file <path>:} and names the
 * offending key or tensor ({@link SafetensorsFormatException} for a malformed safetensors
 * container). Bad arguments are {@link IllegalArgumentException}s.
 *
 * <p><b>Atomicity.</b> Every save writes a temporary file in the destination's directory, forces it
 * to disk and renames it over the destination, so a crash leaves either the old file or the
 * complete new one, never a half-written model.
 *
 * <p>Stateless and thread-safe; {@code null} arguments are rejected with a {@link NullPointerException}.
 *
 * <p>Thread safety: stateless; loading builds a new module per call. Saving reads the module's
 * parameters, so do not save a module another thread is training.
 */
public final class ModelFiles {

    /** The layout version written as {@code format_version}; bumped when the layout changes. */
    public static final int FORMAT_VERSION = 1;
    /** The jrnn version written as {@code jrnn_version} (the Maven project version). */
    public static final String LIBRARY_VERSION = "0.1.0-SNAPSHOT";

    /** The constructor-argument keys, in the order they are written. */
    public static final List<String> CONFIG_KEYS = List.of("mode", "input_size", "hidden_size", "num_layers", "bias",
            "batch_first", "dropout", "bidirectional", "proj_size", "nonlinearity");

    private static final Set<String> RESERVED;
    static {
        List<String> r = new ArrayList<>(CONFIG_KEYS);
        r.add("format_version");
        r.add("jrnn_version");
        RESERVED = Set.copyOf(r);
    }

    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    private ModelFiles() {
    }

    // ---------------------------------------------------------------- save

    /**
     * Saves a module's parameters and configuration, atomically.
     *
     * @param module the layer, not modified
     * @param path the destination, replaced if it exists
     * @throws IOException if writing fails (the destination is then unchanged)
     */
    public static void save(RNNBase module, Path path) throws IOException {
        save(module, path, Map.of());
    }

    /**
     * Saves a module's parameters and configuration plus extra provenance (a seed, a training
     * configuration), atomically. Metadata order: {@code format_version}, {@code jrnn_version}, the
     * configuration keys in {@link #CONFIG_KEYS} order, then {@code extraMetadata} in its iteration order.
     *
     * @param module the layer, not modified
     * @param path the destination, replaced if it exists
     * @param extraMetadata extra string entries, not modified
     * @throws IllegalArgumentException if an extra key is one jrnn writes itself ({@link #CONFIG_KEYS},
     *     {@code format_version}, {@code jrnn_version})
     * @throws IOException if writing fails (the destination is then unchanged)
     */
    public static void save(RNNBase module, Path path, Map<String, String> extraMetadata) throws IOException {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(path, "path");
        writer(module.config(), module.stateDict(), extraMetadata, LIBRARY_VERSION).write(path);
    }

    /**
     * Saves a configuration and a matching state dict without building a module (e.g. weights
     * converted by {@link KerasImport}), atomically.
     *
     * @param config the configuration, whose parameter names and shapes the state dict must have exactly
     * @param stateDict name → tensor in any order (written in PyTorch's order), not modified
     * @param path the destination, replaced if it exists
     * @param extraMetadata extra string entries, not modified
     * @throws IllegalArgumentException naming the key if a parameter is missing, unexpected or of the
     *     wrong shape, or if an extra key is reserved
     * @throws IOException if writing fails (the destination is then unchanged)
     */
    public static void save(RNNConfig config, Map<String, Tensor> stateDict, Path path,
                            Map<String, String> extraMetadata) throws IOException {
        Objects.requireNonNull(path, "path");
        writer(config, stateDict, extraMetadata, LIBRARY_VERSION).write(path);
    }

    /** The writer behind every save; the version is a parameter so golden-file tests can pin it. */
    static SafetensorsWriter writer(RNNConfig config, Map<String, Tensor> stateDict, Map<String, String> extraMetadata,
                                    String version) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(stateDict, "stateDict");
        Objects.requireNonNull(extraMetadata, "extraMetadata");
        for (String k : extraMetadata.keySet()) {
            if (RESERVED.contains(k)) {
                throw new IllegalArgumentException("extra metadata key '" + k
                        + "' is written by jrnn itself; reserved keys: " + new TreeSet<>(RESERVED));
            }
        }
        Map<String, int[]> shapes = parameterShapes(config);
        List<String> unexpected = new ArrayList<>();
        for (String k : stateDict.keySet()) {
            if (!shapes.containsKey(k)) {
                unexpected.add(k);
            }
        }
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException("state dict has key(s) " + unexpected + " that a module with " + config
                    + " does not have; expected " + shapes.keySet());
        }
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata("format_version", Integer.toString(FORMAT_VERSION));
        w.metadata("jrnn_version", version);
        w.metadata(configMetadata(config));
        w.metadata(extraMetadata);
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            Tensor t = stateDict.get(e.getKey());
            if (t == null) {
                throw new IllegalArgumentException("state dict is missing '" + e.getKey() + "' for a module with "
                        + config);
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new IllegalArgumentException("state dict entry '" + e.getKey() + "' has shape "
                        + Arrays.toString(t.shape()) + ", a module with " + config + " needs "
                        + Arrays.toString(e.getValue()));
            }
            w.put(e.getKey(), t);
        }
        return w;
    }

    /**
     * {@return the configuration as model-file metadata: every key of {@link #CONFIG_KEYS} in that
     * order, {@code nonlinearity} only for RNN modes (a new modifiable map)}
     */
    public static Map<String, String> configMetadata(RNNConfig config) {
        Objects.requireNonNull(config, "config");
        Map<String, String> m = new LinkedHashMap<>();
        m.put("mode", config.mode().name());
        m.put("input_size", Integer.toString(config.inputSize()));
        m.put("hidden_size", Integer.toString(config.hiddenSize()));
        m.put("num_layers", Integer.toString(config.numLayers()));
        m.put("bias", Boolean.toString(config.bias()));
        m.put("batch_first", Boolean.toString(config.batchFirst()));
        m.put("dropout", Double.toString(config.dropout()));
        m.put("bidirectional", Boolean.toString(config.bidirectional()));
        m.put("proj_size", Integer.toString(config.projSize()));
        if (config.mode().isPlainRnn()) {
            m.put("nonlinearity", config.nonlinearity().torchName());
        }
        return m;
    }

    /**
     * {@return the parameter names and shapes of a module with this configuration, in PyTorch's
     * registration order (a new map; the arrays are fresh)}
     * Per layer {@code k} and direction: {@code weight_ih} {@code (G, in_k)}, {@code weight_hh}
     * {@code (G, H_out)}, {@code bias_ih} and {@code bias_hh} {@code (G)} when {@code bias},
     * {@code weight_hr} {@code (P, H)} when {@code proj_size > 0}.
     */
    static Map<String, int[]> parameterShapes(RNNConfig c) {
        Map<String, int[]> m = new LinkedHashMap<>();
        int g = c.gateSize();
        for (int layer = 0; layer < c.numLayers(); layer++) {
            for (int dir = 0; dir < c.numDirections(); dir++) {
                String sfx = "_l" + layer + (dir == 1 ? "_reverse" : "");
                m.put("weight_ih" + sfx, new int[] {g, c.layerInputSize(layer)});
                m.put("weight_hh" + sfx, new int[] {g, c.outputHiddenSize()});
                if (c.bias()) {
                    m.put("bias_ih" + sfx, new int[] {g});
                    m.put("bias_hh" + sfx, new int[] {g});
                }
                if (c.projSize() > 0) {
                    m.put("weight_hr" + sfx, new int[] {c.projSize(), c.hiddenSize()});
                }
            }
        }
        return m;
    }

    // ---------------------------------------------------------------- load

    /**
     * Builds the module a model file describes (its mode and every constructor option) and loads its
     * parameters, strictly: every parameter must be present with its shape, and no other tensor may be.
     * The module is in training mode, as a freshly built PyTorch module; call {@code eval()} for inference.
     *
     * @param path a model file written by {@link #save} or {@code tools/export_torch.py}, not modified
     * @return the module: an {@link RNN} for {@code RNN_TANH}/{@code RNN_RELU}, an {@link LSTM} or a
     *     {@link GRU}
     * @throws IOException if the file is malformed, its metadata lacks or misstates the configuration
     *     (the message names the key and the value), or its tensors do not match the configuration (the
     *     message names the tensor)
     */
    public static RNNBase load(Path path) throws IOException {
        SafetensorsFile f = read(path);
        RNNConfig config = parseConfig(f.metadata(), path.toString());
        RNNBase module = newModule(config);
        loadInto(f, module, true, path.toString());
        return module;
    }

    /**
     * Like {@link #load(Path)}, and checks the module's class.
     *
     * @param path the model file, not modified
     * @param type the expected class, e.g. {@code RNN.class}
     * @return the module
     * @throws IOException as {@link #load(Path)}, or if the file holds another kind of layer
     */
    public static <T extends RNNBase> T load(Path path, Class<T> type) throws IOException {
        Objects.requireNonNull(type, "type");
        RNNBase m = load(path);
        if (!type.isInstance(m)) {
            throw new IOException("model file " + path + ": holds " + m + " (mode " + m.config().mode()
                    + "), which is not " + type.getSimpleName());
        }
        return type.cast(m);
    }

    /**
     * {@return the configuration stored in a model file's metadata} The tensors are not checked.
     *
     * @param path the model file, not modified
     * @throws IOException if the file is malformed or its metadata lacks or misstates the configuration
     */
    public static RNNConfig readConfig(Path path) throws IOException {
        return parseConfig(read(path).metadata(), path.toString());
    }

    /**
     * Loads a plain {@code state_dict} file (metadata, if any, ignored) into a module the caller built,
     * like PyTorch's {@code module.load_state_dict(load_file(path), strict)}. On an exception the
     * module is unchanged.
     *
     * @param path a safetensors file whose tensor names are the module's parameter names, not modified
     * @param module modified (its parameters are overwritten)
     * @param strict if true, every parameter must be present and no other tensor may be; if false,
     *     missing and unexpected names are returned instead. A shape mismatch is an error either way.
     * @return the missing and unexpected keys (both empty when {@code strict})
     * @throws IOException if the file is malformed, or (naming every such key) a key is missing or
     *     unexpected in strict mode, a shape differs, or a parameter is stored as an integer tensor
     */
    public static Module.LoadResult loadStateDict(Path path, Module module, boolean strict) throws IOException {
        Objects.requireNonNull(module, "module");
        return loadInto(read(path), module, strict, path.toString());
    }

    private static SafetensorsFile read(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try {
            return Safetensors.read(path);
        } catch (SafetensorsFormatException e) {
            SafetensorsFormatException x = new SafetensorsFormatException("model file " + path + ": " + e.getMessage());
            x.initCause(e);
            throw x;
        }
    }

    private static Module.LoadResult loadInto(SafetensorsFile f, Module module, boolean strict, String source)
            throws IOException {
        Map<String, Tensor> tensors = f.tensors(); // floating-point entries only
        List<String> integerKeys = new ArrayList<>();
        for (String name : f.names()) {
            if (!f.dtype(name).isFloatingPoint()) {
                if (module.namedParameters().containsKey(name)) {
                    throw new IOException("model file " + source + ": parameter '" + name + "' is stored as "
                            + f.dtype(name) + "; parameters must be a floating-point dtype (F32, F64, F16, BF16)");
                }
                integerKeys.add(name);
            }
        }
        if (strict && !integerKeys.isEmpty()) {
            throw new IOException("model file " + source + ": Error(s) in loading state_dict for "
                    + module.getClass().getSimpleName() + ": Unexpected key(s) in state_dict: " + integerKeys
                    + " (integer tensors)" + missingHint(module, tensors));
        }
        Module.LoadResult r;
        try {
            r = module.loadStateDict(tensors, strict);
        } catch (IllegalArgumentException e) {
            throw new IOException("model file " + source + ": " + e.getMessage(), e);
        }
        if (integerKeys.isEmpty()) {
            return r;
        }
        List<String> unexpected = new ArrayList<>(r.unexpectedKeys());
        unexpected.addAll(integerKeys);
        return new Module.LoadResult(r.missingKeys(), unexpected);
    }

    private static String missingHint(Module module, Map<String, Tensor> tensors) {
        List<String> missing = new ArrayList<>();
        for (String k : module.namedParameters().keySet()) {
            if (!tensors.containsKey(k)) {
                missing.add(k);
            }
        }
        return missing.isEmpty() ? "" : "; Missing key(s) in state_dict: " + missing;
    }

    /** Builds a module with placeholder weights (overwritten by the load). */
    static RNNBase newModule(RNNConfig config) {
        Generator placeholder = new Generator(0);
        switch (config.mode()) {
            case LSTM: return new LSTM(config, placeholder);
            case GRU: return new GRU(config, placeholder);
            default: return new RNN(config, placeholder);
        }
    }

    // ---------------------------------------------------------------- metadata parsing

    /**
     * Parses the constructor configuration out of model-file metadata.
     *
     * @param meta the metadata, not modified
     * @param source the file name for messages
     * @return the configuration
     * @throws IOException naming the key and the value when a key is missing, malformed, or the values
     *     do not form a valid configuration
     */
    static RNNConfig parseConfig(Map<String, String> meta, String source) throws IOException {
        String prefix = "model file " + source + ": ";
        String fv = meta.get("format_version");
        if (fv != null && !fv.equals(Integer.toString(FORMAT_VERSION))) {
            throw new IOException(prefix + "metadata 'format_version' is '" + fv + "'; this jrnn reads format "
                    + FORMAT_VERSION + " (written by a newer jrnn?)");
        }
        String modeText = meta.get("mode");
        if (modeText == null) {
            throw new IOException(prefix + "metadata has no 'mode', so the module cannot be built; a plain"
                    + " state_dict file loads into a module you construct with ModelFiles.loadStateDict(path, module,"
                    + " strict). Metadata keys present: " + meta.keySet());
        }
        String nlText = meta.get("nonlinearity");
        Mode mode;
        switch (modeText) {
            case "RNN_TANH": mode = Mode.RNN_TANH; break;
            case "RNN_RELU": mode = Mode.RNN_RELU; break;
            case "RNN": mode = nlText != null && nlText.equals("relu") ? Mode.RNN_RELU : Mode.RNN_TANH; break;
            case "LSTM": mode = Mode.LSTM; break;
            case "GRU": mode = Mode.GRU; break;
            default:
                throw new IOException(prefix + "metadata 'mode' is '" + modeText
                        + "', expected one of RNN_TANH, RNN_RELU, RNN, LSTM, GRU");
        }
        if (nlText != null) {
            Nonlinearity nl;
            try {
                nl = Nonlinearity.of(nlText);
            } catch (IllegalArgumentException e) {
                throw new IOException(prefix + "metadata 'nonlinearity' is '" + nlText + "', expected 'tanh' or 'relu'");
            }
            if (mode.isPlainRnn() ? (nl == Nonlinearity.TANH) != (mode == Mode.RNN_TANH) : nl != Nonlinearity.TANH) {
                throw new IOException(prefix + "metadata 'nonlinearity' is '" + nlText + "' but 'mode' is '" + modeText
                        + "'");
            }
        }
        int inputSize = requiredInt(meta, "input_size", prefix);
        int hiddenSize = requiredInt(meta, "hidden_size", prefix);
        int numLayers = optionalInt(meta, "num_layers", 1, prefix);
        boolean bias = optionalBool(meta, "bias", true, prefix);
        boolean batchFirst = optionalBool(meta, "batch_first", false, prefix);
        double dropout = optionalDouble(meta, "dropout", 0.0, prefix);
        boolean bidirectional = optionalBool(meta, "bidirectional", false, prefix);
        int projSize = optionalInt(meta, "proj_size", 0, prefix);
        if (projSize != 0 && mode != Mode.LSTM) {
            throw new IOException(prefix + "metadata 'proj_size' is '" + meta.get("proj_size")
                    + "', but only LSTM supports projections (mode " + modeText + ")");
        }
        try {
            RNNConfig c = RNNConfig.of(mode, inputSize, hiddenSize).withNumLayers(numLayers).withBias(bias)
                    .withBatchFirst(batchFirst).withDropout(dropout).withBidirectional(bidirectional);
            return projSize != 0 ? c.withProjSize(projSize) : c;
        } catch (IllegalArgumentException e) {
            throw new IOException(prefix + "metadata does not form a valid configuration: " + e.getMessage(), e);
        }
    }

    private static int requiredInt(Map<String, String> meta, String key, String prefix) throws IOException {
        if (!meta.containsKey(key)) {
            throw new IOException(prefix + "metadata has no '" + key + "'; a model file needs mode, input_size and"
                    + " hidden_size");
        }
        return optionalInt(meta, key, 0, prefix);
    }

    private static int optionalInt(Map<String, String> meta, String key, int dflt, String prefix) throws IOException {
        String v = meta.get(key);
        if (v == null) {
            return dflt;
        }
        if (INTEGER.matcher(v).matches()) {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IOException(prefix + "metadata '" + key + "' is '" + v + "', out of the int range");
            }
        }
        throw new IOException(prefix + "metadata '" + key + "' is '" + v + "', expected an integer");
    }

    private static boolean optionalBool(Map<String, String> meta, String key, boolean dflt, String prefix)
            throws IOException {
        String v = meta.get(key);
        if (v == null) {
            return dflt;
        }
        switch (v) {
            case "true": case "True": return true;
            case "false": case "False": return false;
            default:
                throw new IOException(prefix + "metadata '" + key + "' is '" + v + "', expected true or false");
        }
    }

    private static double optionalDouble(Map<String, String> meta, String key, double dflt, String prefix)
            throws IOException {
        String v = meta.get(key);
        if (v == null) {
            return dflt;
        }
        if (!DECIMAL.matcher(v).matches()) {
            throw new IOException(prefix + "metadata '" + key + "' is '" + v + "', expected a decimal number");
        }
        return Double.parseDouble(v);
    }
}
