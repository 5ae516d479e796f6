package dev.jrnn.interop;

import dev.jrnn.nn.RNNBase;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Weights converted from another framework into PyTorch's layout: a configuration plus a state dict
 * under PyTorch's names and order, ready to become a module ({@link #toModule()}) or a model file
 * ({@link #save(Path)}) that PyTorch also loads.
 *
 * <p>Immutable: the tensors are private copies and {@link #stateDict()} returns fresh copies.
 * Thread-safe.
 *
 * <p>Thread safety: immutable: the state dict is copied in and copied out; safe to share between threads.
 */
public final class ImportedLayer {

    private final RNNConfig config;
    private final Map<String, Tensor> stateDict;  // PyTorch names and order; private copies
    private final String source;                  // e.g. "keras LSTM(activation='tanh', ...)"

    ImportedLayer(RNNConfig config, Map<String, Tensor> stateDict, String source) {
        this.config = Objects.requireNonNull(config, "config");
        Map<String, int[]> shapes = ModelFiles.parameterShapes(config);
        if (!shapes.keySet().equals(stateDict.keySet())) {
            throw new AssertionError("converted names " + stateDict.keySet() + " != " + shapes.keySet());
        }
        Map<String, Tensor> copy = new LinkedHashMap<>();
        for (String k : shapes.keySet()) {
            copy.put(k, stateDict.get(k).copy());
        }
        this.stateDict = Collections.unmodifiableMap(copy);
        this.source = source;
    }

    /** {@return the configuration of the equivalent PyTorch/jrnn module} */
    public RNNConfig config() {
        return config;
    }

    /** {@return name → tensor in PyTorch's state-dict order (a new map of new tensors on each call)} */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        stateDict.forEach((k, v) -> out.put(k, v.copy()));
        return out;
    }

    /** {@return where the weights came from, e.g. {@code keras LSTM(activation='tanh', ...)}} */
    public String source() {
        return source;
    }

    /**
     * {@return a new module with this configuration and these weights ({@link dev.jrnn.nn.RNN},
     * {@link dev.jrnn.nn.LSTM} or {@link dev.jrnn.nn.GRU}), in training mode (call {@code eval()}
     * for inference)}
     */
    public RNNBase toModule() {
        RNNBase m = ModelFiles.newModule(config);
        m.loadStateDict(stateDict, true);
        return m;
    }

    /**
     * Saves a model file ({@link ModelFiles}) with this configuration and state dict, atomically, with
     * {@code converted_from} set to {@link #source()} in the metadata.
     *
     * @param path the destination, replaced if it exists
     * @throws IOException if writing fails
     */
    public void save(Path path) throws IOException {
        ModelFiles.save(config, stateDict, path, Map.of("converted_from", source));
    }

    @Override
    public String toString() {
        return "ImportedLayer[" + config + " from " + source + "]";
    }
}
