package dev.jrnn.train;

import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.io.SafetensorsWriter;
import dev.jrnn.nn.Module;
import dev.jrnn.optim.Optimizer;
import dev.jrnn.optim.Scheduler;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A training checkpoint: everything a run needs to continue exactly where it stopped, in one safetensors
 * file written atomically (a temporary file moved over the destination, see
 * {@link SafetensorsWriter#write(Path)}), so a kill at any moment leaves the previous checkpoint intact.
 *
 * <p><b>Layout</b> (format {@value #FORMAT}, version {@value #FORMAT_VERSION}):
 * <ul>
 *   <li>{@code model.<name>}: the model's state dict (F32), torch names;</li>
 *   <li>{@code optimizer.state.<i>.<buffer>}: the optimizer's buffers (F32);</li>
 *   <li>{@code rng.model.<name>}: the model's generators ({@link Module#generators()}, e.g. dropout), and
 *       {@code rng.<name>}: other generators of the run (e.g. the data shuffler); I64, four words each;</li>
 *   <li>metadata: {@code format}, {@code format_version}, {@code epoch}, {@code optimizer.class},
 *       {@code optimizer.step}, {@code optimizer.lr}, {@code scheduler.class} and its counters
 *       {@code scheduler.<key>}, and caller entries under {@code extra.<key>}.</li>
 * </ul>
 * Numbers in the metadata are exact decimal strings ({@link Double#toString}), so a resumed run
 * continues bit for bit. A load that fails leaves the objects as they were.
 *
 * <p>Thread safety: stateless static methods; a save or load reads or writes the model, optimizer and
 * scheduler passed in, so the caller must not train them from another thread meanwhile.
 */
public final class Checkpoint {

    /** The value of the {@code format} metadata key. */
    public static final String FORMAT = "jrnn-checkpoint";
    /** The layout version this class writes and reads. */
    public static final String FORMAT_VERSION = "1";

    private Checkpoint() {
    }

    /**
     * What {@link #load} found besides the restored objects.
     *
     * @param epoch the epoch stored by {@link #save}
     * @param extra the caller's metadata entries (without the {@code extra.} prefix)
     */
    public record Loaded(long epoch, Map<String, String> extra) {
        /** Copies the map. */
        public Loaded {
            extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        }
    }

    /**
     * Writes a checkpoint atomically.
     *
     * @param path the destination, replaced if it exists
     * @param model not modified
     * @param optimizer not modified
     * @param scheduler or null; not modified
     * @param generators other generators of the run by name (e.g. {@code shuffle}); not modified (their
     *     states are read)
     * @param epoch the number of completed epochs
     * @param extra caller metadata (e.g. early-stopping counters), stored under {@code extra.<key>}
     * @throws IOException if writing fails (the previous file, if any, is intact)
     */
    public static void save(Path path, Module model, Optimizer optimizer, Scheduler scheduler,
                            Map<String, Generator> generators, long epoch, Map<String, String> extra) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(generators, "generators");
        Objects.requireNonNull(extra, "extra");
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata("format", FORMAT).metadata("format_version", FORMAT_VERSION).metadata("epoch", Long.toString(epoch));
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            w.put("model." + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Tensor> e : optimizer.stateTensors().entrySet()) {
            w.put("optimizer." + e.getKey(), e.getValue());
        }
        w.metadata("optimizer.class", optimizer.getClass().getSimpleName());
        optimizer.stateScalars().forEach((k, v) -> w.metadata("optimizer." + k, v));
        if (scheduler != null) {
            w.metadata("scheduler.class", scheduler.getClass().getSimpleName());
            scheduler.stateScalars().forEach((k, v) -> w.metadata("scheduler." + k, v));
        }
        for (Map.Entry<String, Generator> g : model.generators().entrySet()) {
            w.putLongs("rng.model." + g.getKey(), g.getValue().getState(), 4);
        }
        for (Map.Entry<String, Generator> g : generators.entrySet()) {
            w.putLongs("rng." + g.getKey(), g.getValue().getState(), 4);
        }
        extra.forEach((k, v) -> w.metadata("extra." + k, v));
        w.write(path);
    }

    /**
     * Restores a checkpoint into live objects built like the saved ones.
     *
     * @param path the checkpoint
     * @param model modified: parameters (strict) and generator states
     * @param optimizer modified: buffers, step count, learning rate; must be of the saved class
     * @param scheduler modified, or null; must be of the saved class when given
     * @param generators the run's other generators, modified; each must be in the file
     * @return the epoch and the caller's metadata
     * @throws IOException if the file cannot be read or is not a jrnn checkpoint
     * @throws IllegalArgumentException if the file does not fit the objects (the message names the part);
     *     the objects are then unchanged
     */
    public static Loaded load(Path path, Module model, Optimizer optimizer, Scheduler scheduler,
                              Map<String, Generator> generators) throws IOException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(generators, "generators");
        SafetensorsFile f = Safetensors.read(Objects.requireNonNull(path, "path"));
        Map<String, String> meta = f.metadata();
        if (!FORMAT.equals(meta.get("format")) || !FORMAT_VERSION.equals(meta.get("format_version"))) {
            throw new IOException(path + " is not a " + FORMAT + " version " + FORMAT_VERSION + " file (format "
                    + meta.get("format") + ", version " + meta.get("format_version") + ")");
        }
        String optClass = optimizer.getClass().getSimpleName();
        if (!optClass.equals(meta.get("optimizer.class"))) {
            throw new IllegalArgumentException("checkpoint optimizer is " + meta.get("optimizer.class") + ", got " + optClass);
        }
        String schedClass = scheduler == null ? null : scheduler.getClass().getSimpleName();
        if (!Objects.equals(schedClass, meta.get("scheduler.class"))) {
            throw new IllegalArgumentException("checkpoint scheduler is " + meta.get("scheduler.class") + ", got " + schedClass);
        }
        Map<String, Tensor> modelState = new LinkedHashMap<>();
        Map<String, Tensor> optState = new LinkedHashMap<>();
        for (String name : f.names()) {
            if (name.startsWith("model.")) {
                modelState.put(name.substring(6), f.tensor(name));
            } else if (name.startsWith("optimizer.")) {
                optState.put(name.substring(10), f.tensor(name));
            }
        }
        Map<String, long[]> rng = new LinkedHashMap<>();
        for (Map.Entry<String, Generator> g : model.generators().entrySet()) {
            rng.put("rng.model." + g.getKey(), requireLongs(f, "rng.model." + g.getKey()));
        }
        for (String k : generators.keySet()) {
            rng.put("rng." + k, requireLongs(f, "rng." + k));
        }
        Map<String, String> optScalars = new LinkedHashMap<>();
        Map<String, String> schedScalars = new LinkedHashMap<>();
        Map<String, String> extra = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : meta.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("optimizer.") && !k.equals("optimizer.class")) {
                optScalars.put(k.substring(10), e.getValue());
            } else if (k.startsWith("scheduler.") && !k.equals("scheduler.class")) {
                schedScalars.put(k.substring(10), e.getValue());
            } else if (k.startsWith("extra.")) {
                extra.put(k.substring(6), e.getValue());
            }
        }
        long epoch;
        try {
            epoch = Long.parseLong(meta.get("epoch"));
        } catch (NumberFormatException e) {
            throw new IOException(path + ": bad epoch " + meta.get("epoch"), e);
        }
        // Apply all parts; if one is rejected, put back what was already applied, so a failed load changes nothing.
        Map<String, Tensor> modelBefore = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> modelBefore.put(k, v.copy()));
        Map<String, Tensor> optTensorsBefore = optimizer.stateTensors();
        Map<String, String> optScalarsBefore = optimizer.stateScalars();
        Map<String, String> schedBefore = scheduler == null ? null : scheduler.stateScalars();
        Map<String, long[]> rngBefore = new LinkedHashMap<>();
        model.generators().forEach((k, g) -> rngBefore.put("rng.model." + k, g.getState()));
        generators.forEach((k, g) -> rngBefore.put("rng." + k, g.getState()));
        try {
            model.loadStateDict(modelState, true);
            optimizer.loadState(optState, optScalars);
            if (scheduler != null) {
                scheduler.loadState(schedScalars);
            }
            for (Map.Entry<String, Generator> g : model.generators().entrySet()) {
                g.getValue().setState(rng.get("rng.model." + g.getKey()));
            }
            for (Map.Entry<String, Generator> g : generators.entrySet()) {
                g.getValue().setState(rng.get("rng." + g.getKey()));
            }
        } catch (RuntimeException e) {
            model.loadStateDict(modelBefore, true);
            optimizer.loadState(optTensorsBefore, optScalarsBefore);
            if (scheduler != null) {
                scheduler.loadState(schedBefore);
            }
            model.generators().forEach((k, g) -> g.setState(rngBefore.get("rng.model." + k)));
            generators.forEach((k, g) -> g.setState(rngBefore.get("rng." + k)));
            throw e;
        }
        return new Loaded(epoch, extra);
    }

    private static long[] requireLongs(SafetensorsFile f, String name) {
        if (!f.contains(name)) {
            throw new IllegalArgumentException("checkpoint has no generator state " + name);
        }
        return f.longs(name);
    }
}
