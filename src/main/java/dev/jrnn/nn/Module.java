package dev.jrnn.nn;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Base of every layer: an ordered set of named {@link Parameter}s, a training flag, and PyTorch's
 * {@code state_dict} protocol.
 *
 * <p>The registration order of parameters is the single source of truth for {@link #parameters()},
 * {@link #namedParameters()}, {@link #stateDict()} and the order of tensors in saved files.
 *
 * <p>Not thread-safe for mutation (loading, training); see the subclasses for inference.
 *
 * <p>Thread safety: registration happens in constructors only; after that the parameter and child maps never
 * change. Reading parameters is safe from many threads; {@link #train()}, {@link #eval()}, {@link
 * #zeroGrad()}, {@link #loadStateDict} and every backward write state, so they are for one thread at a time,
 * with no forward running concurrently. Subclasses say which forwards are safe to share.
 */
public abstract class Module {

    private final Map<String, Parameter> params = new LinkedHashMap<>();  // state-dict key → parameter
    private final Map<String, Module> children = new LinkedHashMap<>();   // prefix → sub-module
    private boolean training = true;

    /** Creates a module with no parameters, in training mode (as PyTorch modules start). */
    protected Module() {
    }

    /** Registers a parameter; the registration order is the state-dict order. */
    final Parameter register(String name, Tensor value) {
        if (params.containsKey(name)) {
            throw new IllegalStateException("parameter " + name + " registered twice");
        }
        Parameter p = new Parameter(name, value);
        params.put(name, p);
        return p;
    }

    /**
     * Registers a sub-module, like assigning a module attribute in torch: its parameters become this
     * module's under {@code prefix + "." + name} (the same live {@link Parameter} objects, in the child's
     * order, after those registered before), and {@link #train()}, {@link #eval()},
     * {@link #loadStateDict} and {@link #generators()} reach it. Call it from a subclass's constructor:
     * <pre>{@code
     * final class Tagger extends Module {
     *     final Embedding emb;
     *     final SequenceClassifier clf;
     *     Tagger(Generator g) {
     *         emb = registerChild("emb", new Embedding(1000, 32, 0, g));
     *         clf = registerChild("clf", new SequenceClassifier(new RNN(RNNConfig.rnn(32, 64), g), new Linear(64, 5, g)));
     *     }
     * }
     * }</pre>
     *
     * @param prefix the child's name, e.g. {@code rnn}; unique within this module
     * @param child the sub-module; its parameters must have been created already
     * @return {@code child}
     * @throws IllegalStateException if the name or a resulting parameter name is taken
     */
    protected final <M extends Module> M registerChild(String prefix, M child) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(child, "child");
        if (children.containsKey(prefix)) {
            throw new IllegalStateException("child " + prefix + " registered twice");
        }
        children.put(prefix, child);
        for (Map.Entry<String, Parameter> e : ((Module) child).params.entrySet()) {
            String key = prefix + "." + e.getKey();
            if (params.containsKey(key)) {
                throw new IllegalStateException("parameter " + key + " registered twice");
            }
            params.put(key, e.getValue());
        }
        return child;
    }

    /**
     * {@return the module's random generators by name (e.g. {@code dropout}, {@code head.dropout} for a
     * child), live objects in a new map}
     * Checkpoints save and restore their states ({@link Generator#getState()}) so that a resumed run
     * draws the same dropout masks as an uninterrupted one.
     */
    public final Map<String, Generator> generators() {
        Map<String, Generator> out = new LinkedHashMap<>();
        collectGenerators(out);
        for (Map.Entry<String, Module> c : children.entrySet()) {
            for (Map.Entry<String, Generator> g : c.getValue().generators().entrySet()) {
                out.put(c.getKey() + "." + g.getKey(), g.getValue());
            }
        }
        return out;
    }

    /** Hook: puts this module's own generators (not its children's) into {@code out}. */
    void collectGenerators(Map<String, Generator> out) {
    }

    /** {@return the parameters in registration order (an unmodifiable list of the live parameters)} */
    public final List<Parameter> parameters() {
        return List.copyOf(params.values());
    }

    /** {@return name → parameter in registration order (unmodifiable; the parameters are live)} */
    public final Map<String, Parameter> namedParameters() {
        return Collections.unmodifiableMap(params);
    }

    /** {@return the total number of learnable values} */
    public final long numParameters() {
        long n = 0;
        for (Parameter p : params.values()) {
            n += p.numel();
        }
        return n;
    }

    /**
     * {@return name → value in registration order, like PyTorch's {@code state_dict()}}
     * The tensors share storage with the module, as in PyTorch; copy them to keep a snapshot.
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            out.put(e.getKey(), e.getValue().data());
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Copies values from a state dict into this module's parameters, like PyTorch's
     * {@code load_state_dict}. Everything is validated before anything is copied: on an exception the
     * module is unchanged.
     *
     * @param stateDict name → tensor with PyTorch names, not modified
     * @param strict if true, every parameter must be present and no other key may be; if false, missing
     *     and unexpected keys are reported in the result instead. Shape mismatches are errors either way.
     * @return the missing and unexpected keys (both empty when {@code strict})
     * @throws IllegalArgumentException naming every missing or unexpected key (strict), or the first key
     *     whose shape differs with both shapes, or a null value
     */
    public final LoadResult loadStateDict(Map<String, Tensor> stateDict, boolean strict) {
        Objects.requireNonNull(stateDict, "stateDict");
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        for (String key : params.keySet()) {
            if (!stateDict.containsKey(key)) {
                missing.add(key);
            }
        }
        for (Map.Entry<String, Tensor> e : stateDict.entrySet()) {
            if (!params.containsKey(e.getKey())) {
                unexpected.add(e.getKey());
            } else if (e.getValue() == null) {
                throw new IllegalArgumentException("state dict value for " + e.getKey() + " is null");
            }
        }
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            StringBuilder msg = new StringBuilder("Error(s) in loading state_dict for ").append(getClass().getSimpleName())
                    .append(':');
            if (!missing.isEmpty()) {
                msg.append(" Missing key(s) in state_dict: ").append(quoted(missing)).append('.');
            }
            if (!unexpected.isEmpty()) {
                msg.append(" Unexpected key(s) in state_dict: ").append(quoted(unexpected)).append('.');
            }
            throw new IllegalArgumentException(msg.toString());
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            Tensor src = stateDict.get(e.getKey());
            if (src != null && !Arrays.equals(src.shape(), p.shape())) {
                throw new IllegalArgumentException("size mismatch for " + e.getKey() + ": copying a param with shape "
                        + Arrays.toString(src.shape()) + " from checkpoint, the shape in current model is "
                        + Arrays.toString(p.shape()) + ".");
            }
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Tensor src = stateDict.get(e.getKey());
            if (src != null) {
                e.getValue().data().copyFromInPlace(src);
            }
        }
        notifyParametersChanged();
        return new LoadResult(missing, unexpected);
    }

    /** Hook for subclasses that cache derived forms of their parameters (e.g. packed weights). */
    void parametersChanged() {
    }

    private void notifyParametersChanged() {
        parametersChanged();
        for (Module c : children.values()) {
            c.notifyParametersChanged();
        }
    }

    private static String quoted(List<String> keys) {
        StringBuilder s = new StringBuilder();
        for (String k : keys) {
            if (s.length() > 0) {
                s.append(", ");
            }
            s.append('"').append(k).append('"');
        }
        return s.toString();
    }

    /** Sets every parameter's gradient to zero. */
    public final void zeroGrad() {
        for (Parameter p : params.values()) {
            p.zeroGrad();
        }
    }

    /** Puts the module in training mode (dropout active); returns this. */
    public Module train() {
        training = true;
        for (Module c : children.values()) {
            c.train();
        }
        return this;
    }

    /** Puts the module in evaluation mode (no dropout, deterministic); returns this. */
    public Module eval() {
        training = false;
        for (Module c : children.values()) {
            c.eval();
        }
        return this;
    }

    /** {@return true in training mode} */
    public final boolean isTraining() {
        return training;
    }

    /**
     * Missing and unexpected keys of a non-strict {@link #loadStateDict}, like PyTorch's
     * {@code _IncompatibleKeys}.
     *
     * @param missingKeys parameters of the module absent from the state dict
     * @param unexpectedKeys keys of the state dict that are not parameters of the module
     */
    public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {
        /** Copies both lists. */
        public LoadResult {
            missingKeys = List.copyOf(missingKeys);
            unexpectedKeys = List.copyOf(unexpectedKeys);
        }
    }
}
