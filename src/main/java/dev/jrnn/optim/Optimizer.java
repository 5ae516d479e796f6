package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import dev.jrnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Base of the optimizers: one parameter group (the live parameters and a learning rate that
 * {@link LRScheduler}s may change), a step counter, per-parameter state buffers, and the state
 * protocol checkpoints use.
 *
 * <p>Each subclass mirrors one {@code torch.optim} class of PyTorch 1.13 (single-tensor code path,
 * {@code maximize=False}, {@code foreach=False}), float32 operation by float32 operation, so parameters
 * after {@code k} steps equal torch's within a few ulps. Every parameter is updated on every step: jrnn
 * gradients always exist (zero until a backward accumulates), so torch's "skip parameters whose
 * {@code grad} is {@code None}" never applies.
 *
 * <p><b>State.</b> {@link #stateTensors()} returns the buffers under torch's names prefixed by the
 * parameter index, e.g. {@code state.0.exp_avg}; {@link #stateScalars()} the step count and the current
 * learning rate (exact decimal strings). {@link #loadState} restores both, so a resumed run continues
 * bit for bit.
 *
 * <p>Not thread-safe; holds the live parameters (no copies).
 *
 * <p>Thread safety: not thread-safe; {@code step}, {@code zeroGrad} and the state methods update the
 * parameters and the optimizer's own state, so use one optimizer from one thread at a time.
 */
public abstract sealed class Optimizer permits SGD, Adam, AdamW, RMSprop, Adagrad {

    private final List<Parameter> params;
    private final Map<String, float[][]> buffers = new LinkedHashMap<>();  // name → per parameter, numel each
    private double lr;
    private double initialLr = Double.NaN;  // torch's param_group['initial_lr']: set by the first scheduler
    private long steps;

    Optimizer(List<Parameter> params, double lr) {
        this.lr = checkLr(lr);
        this.params = Args.optimizerParams(params);
    }

    static double checkLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("Invalid learning rate: " + lr);
        }
        return lr;
    }

    static double checkNonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("Invalid " + what + " value: " + v);
        }
        return v;
    }

    static double checkBeta(int index, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException("Invalid beta parameter at index " + index + ": " + beta
                    + " (expected 0 <= beta < 1)");
        }
        return beta;
    }

    /** Registers a per-parameter buffer filled with {@code initial}; registration order is the state order. */
    final float[][] buffer(String name, float initial) {
        float[][] b = new float[params.size()][];
        for (int i = 0; i < b.length; i++) {
            b[i] = new float[params.get(i).numel()];
            Arrays.fill(b[i], initial);
        }
        buffers.put(name, b);
        return b;
    }

    /**
     * Updates parameter {@code index} in place.
     *
     * @param index the parameter's position
     * @param p its values (row-major), modified
     * @param g its gradient (row-major), a copy the method may modify
     * @param step the 1-based number of this step
     */
    abstract void update(int index, float[] p, float[] g, long step);

    /** Performs one optimization step on every parameter, like torch's {@code optimizer.step()}. */
    public final void step() {
        steps++;
        for (int i = 0; i < params.size(); i++) {
            Parameter prm = params.get(i);
            float[] p = prm.data().toArray();
            float[] g = prm.grad().toArray();
            update(i, p, g, steps);
            prm.data().copyFromInPlace(Tensor.of(p, prm.shape()));
        }
    }

    /** Sets every parameter's gradient to zero ({@code optimizer.zero_grad(set_to_none=False)}). */
    public final void zeroGrad() {
        for (Parameter p : params) {
            p.zeroGrad();
        }
    }

    /** {@return the parameters (live; an unmodifiable list)} */
    public final List<Parameter> parameters() {
        return params;
    }

    /** {@return the current learning rate ({@code param_groups[0]['lr']})} */
    public final double lr() {
        return lr;
    }

    /**
     * Sets the learning rate, as schedulers do.
     *
     * @param lr finite, {@code >= 0}
     */
    public final void setLr(double lr) {
        this.lr = checkLr(lr);
    }

    /**
     * {@return torch's {@code initial_lr}: the learning rate when the first scheduler was attached (which
     * every scheduler of this optimizer takes as its {@code base_lr}); set now if no scheduler was yet}
     */
    final double initialLrSetDefault() {
        if (Double.isNaN(initialLr)) {
            initialLr = lr;
        }
        return initialLr;
    }

    /** {@return the number of steps taken so far} */
    public final long stepCount() {
        return steps;
    }

    /**
     * {@return copies of every state buffer, named {@code state.<param index>.<torch name>}, each of its
     * parameter's shape; parameter-major order}
     */
    public final Map<String, Tensor> stateTensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            for (Map.Entry<String, float[][]> e : buffers.entrySet()) {
                out.put("state." + i + "." + e.getKey(), Tensor.of(e.getValue()[i].clone(), params.get(i).shape()));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * {@return {@code step}, {@code lr} and, once a scheduler is attached, {@code initial_lr}, as exact
     * decimal strings}
     */
    public final Map<String, String> stateScalars() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("step", Long.toString(steps));
        out.put("lr", Double.toString(lr));
        if (!Double.isNaN(initialLr)) {
            out.put("initial_lr", Double.toString(initialLr));
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Restores a state saved by {@link #stateTensors()} and {@link #stateScalars()} from an optimizer of the
     * same class over parameters of the same shapes. Everything is validated first: on an exception
     * this optimizer is unchanged.
     *
     * @param tensors every name of {@link #stateTensors()}, with the same shapes; not modified
     * @param scalars {@code step}, {@code lr} and optionally {@code initial_lr}; not modified
     * @throws IllegalArgumentException naming a missing or unexpected tensor, a shape mismatch, or a
     *     missing or malformed scalar
     */
    public final void loadState(Map<String, Tensor> tensors, Map<String, String> scalars) {
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(scalars, "scalars");
        List<String> expected = new ArrayList<>(stateTensors().keySet());
        for (String k : expected) {
            Tensor t = tensors.get(k);
            if (t == null) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " state: missing tensor " + k);
            }
            int i = Integer.parseInt(k.split("\\.")[1]);
            if (!Arrays.equals(t.shape(), params.get(i).shape())) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " state: " + k + " has shape "
                        + t.shapeString() + ", expected " + Arrays.toString(params.get(i).shape()));
            }
        }
        for (String k : tensors.keySet()) {
            if (!expected.contains(k)) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " state: unexpected tensor " + k);
            }
        }
        long newSteps;
        double newLr;
        double newInitialLr;
        try {
            newSteps = Long.parseLong(Objects.requireNonNull(scalars.get("step"), "step"));
            newLr = checkLr(Double.parseDouble(Objects.requireNonNull(scalars.get("lr"), "lr")));
            newInitialLr = scalars.containsKey("initial_lr") ? Double.parseDouble(scalars.get("initial_lr")) : Double.NaN;
        } catch (NullPointerException | NumberFormatException e) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " state: bad or missing step/lr: " + scalars, e);
        }
        for (int i = 0; i < params.size(); i++) {
            for (Map.Entry<String, float[][]> e : buffers.entrySet()) {
                float[] src = tensors.get("state." + i + "." + e.getKey()).toArray();
                System.arraycopy(src, 0, e.getValue()[i], 0, src.length);
            }
        }
        steps = newSteps;
        lr = newLr;
        initialLr = newInitialLr;
    }
}
